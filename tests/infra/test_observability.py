"""The on-call dashboard and alarms in the template: the figures the functions emit, and every alarm
paging the OnCall topic with its metric and threshold."""

import json
from typing import Any

import pytest

from functions.common.config import Severity, parse_config
from infra import fabric
from infra.constructs.observability import DASHBOARD_NAME, DRILL_OVERDUE_HOURS, FIGURE_ALARMS, GATE_HOOK
from tests.infra.conftest import ROOT, Synthesized
from tests.infra.template_reading import function_id, logical_id, single_id, topic_id

SERVICE = ["service", "bulkhead"]


def dashboard_body(synth: Synthesized) -> dict[str, Any]:
    (dashboard,) = [
        d["Properties"]
        for d in synth.of_type("AWS::CloudWatch::Dashboard").values()
        if d["Properties"]["DashboardName"] == DASHBOARD_NAME
    ]
    parts = dashboard["DashboardBody"]["Fn::Join"][1]
    # Tokens (state machine ARNs, the API id) become their logical id so the JSON parses.
    text = "".join(p if isinstance(p, str) else f"<{logical_id(p) or 'AWS'}>" for p in parts)
    return dict(json.loads(text))


def widget(synth: Synthesized, title_start: str) -> dict[str, Any]:
    found = [w for w in dashboard_body(synth)["widgets"] if w["properties"].get("title", "").startswith(title_start)]
    assert len(found) == 1, title_start
    return dict(found[0]["properties"])


def names(props: dict[str, Any]) -> set[tuple[str, str]]:
    """(namespace, metric name) of every metric in a widget."""
    return {(row[0], row[1]) for row in props["metrics"]}


def stores() -> list[str]:
    return [s.store_id for s in parse_config((ROOT / "config" / "bulkhead.example.json").read_text()).stores]


@pytest.mark.parametrize(
    ("title", "metrics"),
    [
        ("Clock burn-down", {"SoonestClockSecondsLeft", "ClocksOpen", "ClocksNear", "ClocksMissed"}),
        ("Time to detect", {"TimeToDetectSeconds", "TimeToContainSeconds", "TimeToNotifySeconds"}),
        ("Containment actions", {"ActionsApplied", "ActionsFailed"}),
        ("Notifications", {"NotificationsSent", "NotificationsBounced", "NotificationsFailed"}),
    ],
)
def test_figure_widgets_read_what_sweep_clocks_emits(synthesized: Synthesized, title: str, metrics: set[str]):
    props = widget(synthesized, title)
    assert names(props) == {("Bulkhead", m) for m in metrics}
    for row in props["metrics"]:
        assert row[2:4] == SERVICE, row  # Powertools adds the service dimension to every metric


def test_open_incidents_by_every_severity(synthesized: Synthesized):
    rows = widget(synthesized, "Open incidents by severity")["metrics"]
    assert {(r[1], r[3]) for r in rows} == {("OpenIncidents", s.value) for s in Severity}
    assert all(r[2] == "Severity" and r[4:6] == SERVICE for r in rows)


def test_degradation_mode_per_configured_store(synthesized: Synthesized):
    rows = widget(synthesized, "Degradation modes in force per store")["metrics"]
    assert {(r[1], r[3]) for r in rows} == {("DegradedModes", s) for s in stores()}
    past = widget(synthesized, "Degradation past expiry")
    assert ("Bulkhead", "DegradationModesOverdue") in names(past)


def test_control_health_widget_reads_the_canary(synthesized: Synthesized):
    assert names(widget(synthesized, "Control health")) == {
        ("Bulkhead", "ControlHealthFailures"),
        ("Bulkhead", "ControlHealthChecks"),
    }


def test_state_machine_failures_and_ingest_errors(synthesized: Synthesized):
    failures = widget(synthesized, "State machine failures")
    assert {n for _, n in names(failures)} == {"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"}
    assert len(failures["metrics"]) == 3 * len(fabric.STATE_MACHINES)
    ingest = widget(synthesized, "Ingest API 4xx / 5xx")
    assert names(ingest) == {("AWS/ApiGateway", "4xx"), ("AWS/ApiGateway", "5xx")}
    api = single_id(synthesized, "AWS::ApiGatewayV2::Api")
    assert all(row[2:4] == ["ApiId", f"<{api}>"] for row in ingest["metrics"])


def alarms(synth: Synthesized) -> dict[str, dict[str, Any]]:
    return {a["Properties"]["AlarmName"]: a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()}


def assert_pages_on_call(synth: Synthesized, alarm: dict[str, Any]) -> None:
    oncall = topic_id(synth, "OnCall")
    assert [logical_id(a) for a in alarm["AlarmActions"]] == [oncall]
    assert [logical_id(a) for a in alarm["OKActions"]] == [oncall]
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"


@pytest.mark.parametrize("spec", fabric.STATE_MACHINES, ids=lambda s: s.name)
def test_a_failed_execution_of_each_state_machine_pages(synthesized: Synthesized, spec: fabric.StateMachineSpec):
    alarm = alarms(synthesized)[f"bulkhead-{spec.name}ExecutionsFailed"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("AWS/States", "ExecutionsFailed", "Sum")
    machine = next(
        lid
        for lid, r in synthesized.of_type("AWS::StepFunctions::StateMachine").items()
        if r["Properties"]["StateMachineName"] == f"bulkhead-{spec.name}"
    )
    (dimension,) = alarm["Dimensions"]
    assert dimension["Name"] == "StateMachineArn" and logical_id(dimension["Value"]) == machine
    assert alarm["Threshold"] == 1
    assert_pages_on_call(synthesized, alarm)


@pytest.mark.parametrize("threshold", FIGURE_ALARMS, ids=lambda t: t.name)
def test_failed_actions_clocks_and_expired_modes_page(synthesized: Synthesized, threshold):
    alarm = alarms(synthesized)[f"bulkhead-{threshold.name}"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("Bulkhead", threshold.metric, "Maximum")
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "bulkhead"}]
    assert alarm["Threshold"] == threshold.threshold
    assert_pages_on_call(synthesized, alarm)


def test_the_expected_alarms_exist(synthesized: Synthesized):
    metrics = {a["MetricName"] for a in alarms(synthesized).values()}
    assert {"ActionsFailed", "ClocksMissed", "ClocksNear", "DegradationPastExpiry"} <= metrics
    assert "ApproximateNumberOfMessagesVisible" in metrics


def test_dead_letters_waiting_pages(synthesized: Synthesized):
    alarm = alarms(synthesized)["bulkhead-DeadLettersWaiting"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    (dimension,) = alarm["Dimensions"]
    assert logical_id(dimension["Value"]) == single_id(synthesized, "AWS::SQS::Queue")
    assert alarm["Threshold"] == 1
    assert_pages_on_call(synthesized, alarm)


@pytest.mark.parametrize("spec", fabric.ALARMS, ids=lambda a: a.name)
def test_every_alarm_spec_of_the_fabric_is_deployed(synthesized: Synthesized, spec: fabric.AlarmSpec):
    alarm = alarms(synthesized)[f"bulkhead-{spec.name}"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("Bulkhead", spec.metric)
    assert (alarm["Threshold"], alarm["Period"], alarm["EvaluationPeriods"]) == (
        spec.threshold,
        spec.period_seconds,
        spec.evaluation_periods,
    )
    assert alarm["AlarmDescription"] == spec.description
    assert_pages_on_call(synthesized, alarm)


def test_alarms_can_reach_the_encrypted_on_call_topic(synthesized: Synthesized):
    # CloudWatch publishes as a service: the fabric key's policy must let it encrypt for the topic.
    key = synthesized.resources[
        next(
            lid
            for lid, r in synthesized.of_type("AWS::KMS::Key").items()
            if "KeyUsage" not in r["Properties"] and "alarm" in json.dumps(r["Properties"]["KeyPolicy"])
        )
    ]
    sids = {s.get("Sid") for s in key["Properties"]["KeyPolicy"]["Statement"]}
    assert "CloudWatchAlarmsPublishToTopics" in sids


# --- silence pages too: heartbeats, errors of every function, ingest 5xx ---------------------------


@pytest.mark.parametrize("schedule", [s for s in fabric.SCHEDULES if s.expression is None], ids=lambda s: s.name)
def test_every_rate_schedule_has_a_heartbeat_that_pages_when_the_function_falls_silent(
    synthesized: Synthesized, schedule: fabric.ScheduleSpec
):
    alarm = alarms(synthesized)[f"bulkhead-{schedule.function}Heartbeat"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("AWS/Lambda", "Invocations", "Sum")
    (dimension,) = alarm["Dimensions"]
    assert dimension["Name"] == "FunctionName"
    assert logical_id(dimension["Value"]) == function_id(synthesized, fabric.function(schedule.function))
    # Fewer than one run in a window of two scheduled runs; no data at all is a breach
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("LessThanThreshold", 1)
    assert alarm["TreatMissingData"] == "breaching"
    assert alarm["Period"] == 2 * schedule.rate_minutes * 60
    assert alarm["Period"] * alarm["EvaluationPeriods"] <= 7 * 86_400  # CloudWatch's limit
    oncall = topic_id(synthesized, "OnCall")
    assert [logical_id(a) for a in alarm["AlarmActions"]] == [oncall]


def test_the_monthly_drill_is_covered_by_the_age_of_the_last_scored_drill(synthesized: Synthesized):
    monthly = [s for s in fabric.SCHEDULES if s.expression is not None]
    assert [s.function for s in monthly] == ["StartScheduledDrill"]
    alarm = alarms(synthesized)["bulkhead-DrillOverdue"]
    assert (alarm["MetricName"], alarm["Threshold"]) == ("LastDrillAgeHours", DRILL_OVERDUE_HOURS)


@pytest.mark.parametrize("spec", fabric.FUNCTIONS, ids=lambda f: f.name)
def test_every_function_s_errors_page(synthesized: Synthesized, spec: fabric.FunctionSpec):
    alarm = alarms(synthesized)[f"bulkhead-{spec.name}Errors"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("AWS/Lambda", "Errors", "Sum")
    (dimension,) = alarm["Dimensions"]
    assert logical_id(dimension["Value"]) == function_id(synthesized, spec)
    assert alarm["Threshold"] == 1
    assert_pages_on_call(synthesized, alarm)


def test_ingest_5xx_pages(synthesized: Synthesized):
    alarm = alarms(synthesized)["bulkhead-IngestServerErrors"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("AWS/ApiGateway", "5xx", "Sum")
    assert alarm["Threshold"] == 1
    assert_pages_on_call(synthesized, alarm)


# --- the widgets on-call asked for -------------------------------------------------------------


def test_what_waits_on_people_and_the_last_drill_are_on_the_dashboard(synthesized: Synthesized):
    assert names(widget(synthesized, "Waiting on people")) == {
        ("Bulkhead", m) for m in ("PendingApprovals", "OpenManualTasks", "NoticesOwed")
    }
    assert names(widget(synthesized, "Notices sent against owed")) == {
        ("Bulkhead", "NotificationsSent"),
        ("Bulkhead", "NoticesOwed"),
    }
    assert names(widget(synthesized, "Last drill")) == {
        ("Bulkhead", m) for m in ("LastDrillAgeHours", "LastDrillPassed", "DrillsOpen")
    }


def test_the_soonest_clock_names_its_incident_from_the_sweep_s_log(synthesized: Synthesized):
    found = [w for w in dashboard_body(synthesized)["widgets"] if w["type"] == "log"]
    (props,) = [w["properties"] for w in found if w["properties"]["title"].startswith("Soonest clock")]
    assert "soonest_clock" in props["query"] and '"clocks swept"' in props["query"]


def test_checkouts_blocked_and_allowed_per_adobe_commerce_store(synthesized: Synthesized):
    firm = parse_config((ROOT / "config" / "bulkhead.example.json").read_text())
    adobe = sorted(s.store_id for s in firm.stores if s.platform.value == "adobe_commerce")
    assert adobe, "the example configuration has an Adobe Commerce store"
    rows = widget(synthesized, "Checkouts blocked / allowed")["metrics"]
    dimensions = [dict(zip(r[2:-1:2], r[3::2], strict=False)) for r in rows]
    assert {(r[1], d["StoreId"], d["Hook"]) for r, d in zip(rows, dimensions, strict=True)} == {
        (m, s, GATE_HOOK) for s in adobe for m in ("GateBlocked", "GateAllowed")
    }
