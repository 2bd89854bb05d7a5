"""The on-call view: one CloudWatch dashboard and the alarms that page the OnCall topic.

The figures are the ones the functions emit as Powertools EMF in the `Bulkhead` namespace, every
one with the `service` dimension Powertools adds (SweepClocks: open incidents by severity, clock
counts and the soonest clock's time left, actions and notifications, time to detect / contain /
notify, degradation per store; CheckModeExpiry: modes overdue), beside AWS's own metrics for the
state machines, the HTTP API and the dead-letter queue. Alarms notify on ALARM and on OK.

Silence is a failure too: every scheduled function has a heartbeat alarm on its own invocations for
which missing data breaches, so a sweep or a canary that stops running pages on-call; the figure
alarms may then treat missing data as not breaching (their function's heartbeat covers the gap).
Every function's errors page, ingest's 5xx page, and the monthly drill is covered by the age of the
last scored drill. Live incidents and drills are counted apart (`functions/clocks/figures.py`).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from functions.common.config import Severity
from infra.constructs.functions import POWERTOOLS_ENVIRONMENT
from infra.fabric import AlarmSpec, ScheduleSpec

NAMESPACE = POWERTOOLS_ENVIRONMENT["POWERTOOLS_METRICS_NAMESPACE"]
SERVICE = {"service": POWERTOOLS_ENVIRONMENT["POWERTOOLS_SERVICE_NAME"]}
PERIOD = Duration.minutes(5)
DASHBOARD_NAME = "bulkhead-on-call"


DRILL_OVERDUE_HOURS = 35 * 24  # the monthly drill, with a few days' grace
GATE_HOOK = "order_placement"  # the Adobe Commerce hook that places orders: blocked = a checkout refused


def heartbeat_period(schedule: ScheduleSpec) -> Duration | None:
    """A window that holds two runs of a rate schedule (one missed run is tolerated); None for a cron
    schedule, whose runs are too far apart for a CloudWatch alarm (at most seven days of periods)."""
    if schedule.expression is not None or schedule.rate_minutes <= 0:
        return None
    return Duration.minutes(min(2 * schedule.rate_minutes, 7 * 24 * 60))


@dataclass(frozen=True)
class Threshold:
    """An alarm of this construct: metric name (Bulkhead namespace), threshold and what it means."""

    name: str
    metric: str
    threshold: float
    description: str


# Alarms on the SweepClocks / CheckModeExpiry figures (Maximum over 5 minutes >= threshold).
FIGURE_ALARMS: tuple[Threshold, ...] = (
    Threshold(
        "ActionsFailed", "ActionsFailed", 1, "A containment action failed for good: apply it by hand (bulkhead action)"
    ),
    Threshold("ClocksMissed", "ClocksMissed", 1, "A regulatory deadline passed without a filing: see bulkhead clocks"),
    Threshold("ClocksNear", "ClocksNear", 1, "A regulatory deadline is near: file (bulkhead clock file) or escalate"),
    Threshold(
        "DegradationPastExpiry",
        "DegradationPastExpiry",
        1,
        "A store's degradation mode outlived its expiry: renew it or restore (bulkhead degrade / restore)",
    ),
    Threshold(
        "DrillOverdue",
        "LastDrillAgeHours",
        DRILL_OVERDUE_HOURS,
        "No drill was scored for 35 days: the monthly drill did not run or was not scored (bulkhead drill)",
    ),
)


def bulkhead_metric(name: str, dimensions: Mapping[str, str] | None = None, statistic: str = "Maximum") -> cw.Metric:
    return cw.Metric(
        namespace=NAMESPACE,
        metric_name=name,
        dimensions_map={**SERVICE, **(dimensions or {})},
        statistic=statistic,
        period=PERIOD,
    )


class OnCallView(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        topic: sns.ITopic,
        state_machines: Mapping[str, sfn.IStateMachine],
        api: apigwv2.IHttpApi,
        dead_letters: sqs.IQueue,
        store_ids: Iterable[str],
        alarm_specs: tuple[AlarmSpec, ...],
        functions: Mapping[str, lambda_.IFunction],
        schedules: Iterable[ScheduleSpec],
        gate_store_ids: Iterable[str],
        figures_log_group: str,
    ) -> None:
        super().__init__(scope, construct_id)
        action = cw_actions.SnsAction(topic)
        self.alarms: dict[str, cw.Alarm] = {}

        def alarm(
            name: str,
            metric: cw.IMetric,
            threshold: float,
            description: str,
            periods: int = 1,
            *,
            silence_breaches: bool = False,
        ) -> None:
            created = cw.Alarm(
                self,
                name,
                alarm_name=f"bulkhead-{name}",
                alarm_description=description,
                metric=metric,
                threshold=threshold,
                evaluation_periods=periods,
                comparison_operator=(
                    cw.ComparisonOperator.LESS_THAN_THRESHOLD
                    if silence_breaches
                    else cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
                ),
                treat_missing_data=(
                    cw.TreatMissingData.BREACHING if silence_breaches else cw.TreatMissingData.NOT_BREACHING
                ),
            )
            created.add_alarm_action(action)
            created.add_ok_action(action)
            self.alarms[name] = created

        for machine_name, machine in state_machines.items():
            alarm(
                f"{machine_name}ExecutionsFailed",
                machine.metric_failed(period=PERIOD, statistic="Sum"),
                1,
                f"A {machine_name} execution failed: open it in Step Functions; the ledger names the failed step",
            )
        for threshold in FIGURE_ALARMS:
            alarm(threshold.name, bulkhead_metric(threshold.metric), threshold.threshold, threshold.description)
        for schedule in schedules:
            period = heartbeat_period(schedule)
            if period is None:
                continue
            alarm(
                f"{schedule.function}Heartbeat",
                functions[schedule.function].metric_invocations(period=period, statistic="Sum"),
                1,
                f"{schedule.function} did not run on schedule ({schedule.name}): its figures and checks are "
                "stale; check the EventBridge Scheduler schedule and the function",
                silence_breaches=True,
            )
        for function_name, function in sorted(functions.items()):
            alarm(
                f"{function_name}Errors",
                function.metric_errors(period=PERIOD, statistic="Sum"),
                1,
                f"{function_name} failed: read its log group; a failed response step is also in the ledger",
            )
        alarm(
            "IngestServerErrors",
            api.metric_server_error(period=PERIOD, statistic="Sum"),
            1,
            "The webhook API answered 5xx: platforms retry, but a dependency is down (bus, tables, secrets)",
        )
        alarm(
            "DeadLettersWaiting",
            dead_letters.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
            1,
            "Events or async invocations were not delivered after retries: inspect and replay the dead-letter queue",
        )
        for spec in alarm_specs:
            if spec.topic != "OnCall":
                raise ValueError(f"alarm {spec.name} notifies {spec.topic}; the on-call view knows only OnCall")
            alarm(
                spec.name,
                cw.Metric(
                    namespace=NAMESPACE,
                    metric_name=spec.metric,
                    dimensions_map=SERVICE,
                    statistic="Maximum",
                    period=Duration.seconds(spec.period_seconds),
                ),
                spec.threshold,
                spec.description,
                spec.evaluation_periods,
            )

        stores = sorted(store_ids)
        self.dashboard = cw.Dashboard(
            self, "Dashboard", dashboard_name=DASHBOARD_NAME, default_interval=Duration.hours(24)
        )
        self.dashboard.add_widgets(
            cw.TextWidget(
                markdown="# Bulkhead on call\nFigures from SweepClocks (every few minutes) and the AWS services. "
                "Locally: `bulkhead status`.",
                width=24,
                height=2,
            )
        )
        self.dashboard.add_widgets(
            cw.SingleValueWidget(
                title="Open incidents by severity",
                metrics=[bulkhead_metric("OpenIncidents", {"Severity": s.value}) for s in Severity],
                width=12,
                height=4,
            ),
            cw.GraphWidget(
                title="Clock burn-down: time left on the soonest clock (s)",
                left=[bulkhead_metric("SoonestClockSecondsLeft", statistic="Minimum")],
                right=[bulkhead_metric(n) for n in ("ClocksOpen", "ClocksNear", "ClocksMissed")],
                left_annotations=[cw.HorizontalAnnotation(value=3600, label="1 h left", color=cw.Color.RED)],
                width=12,
                height=6,
            ),
        )
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Time to detect / contain / notify (s)",
                left=[
                    bulkhead_metric(n) for n in ("TimeToDetectSeconds", "TimeToContainSeconds", "TimeToNotifySeconds")
                ],
                width=8,
                height=6,
            ),
            cw.GraphWidget(
                title="Containment actions applied and failed",
                left=[bulkhead_metric("ActionsApplied"), bulkhead_metric("ActionsFailed")],
                width=8,
                height=6,
            ),
            cw.GraphWidget(
                title="Notifications sent, bounced and failed",
                left=[bulkhead_metric(n) for n in ("NotificationsSent", "NotificationsBounced", "NotificationsFailed")],
                width=8,
                height=6,
            ),
        )
        self.dashboard.add_widgets(
            cw.SingleValueWidget(
                title="Degradation modes in force per store (0 = normal)",
                metrics=[bulkhead_metric("DegradedModes", {"StoreId": s}) for s in stores],
                width=12,
                height=4,
            ),
            cw.GraphWidget(
                title="Degradation past expiry",
                left=[bulkhead_metric("DegradationPastExpiry", {"StoreId": s}) for s in stores],
                right=[bulkhead_metric("DegradationModesOverdue")],
                width=12,
                height=4,
            ),
        )
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="State machine failures",
                left=[
                    metric
                    for machine in state_machines.values()
                    for metric in (
                        machine.metric_failed(period=PERIOD, statistic="Sum"),
                        machine.metric_timed_out(period=PERIOD, statistic="Sum"),
                        machine.metric_aborted(period=PERIOD, statistic="Sum"),
                    )
                ],
                width=8,
                height=6,
            ),
            cw.GraphWidget(
                title="Ingest API 4xx / 5xx",
                left=[
                    api.metric_client_error(period=PERIOD, statistic="Sum"),
                    api.metric_server_error(period=PERIOD, statistic="Sum"),
                ],
                width=8,
                height=6,
            ),
            cw.GraphWidget(
                title="Dead letters waiting",
                left=[dead_letters.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum")],
                width=8,
                height=6,
            ),
        )
        gated = sorted(gate_store_ids)
        self.dashboard.add_widgets(
            cw.SingleValueWidget(
                title="Waiting on people (live incidents): approvals, manual tasks, notices owed",
                metrics=[bulkhead_metric(n) for n in ("PendingApprovals", "OpenManualTasks", "NoticesOwed")],
                width=8,
                height=4,
            ),
            cw.LogQueryWidget(
                title="Soonest clock and its incident",
                log_group_names=[figures_log_group],
                query_lines=[
                    "fields @timestamp, soonest_clock, soonest_seconds_left / 3600 as hours_left",
                    'filter message = "clocks swept" and ispresent(soonest_clock)',
                    "sort @timestamp desc",
                    "limit 1",
                ],
                width=8,
                height=4,
            ),
            cw.SingleValueWidget(
                title="Last drill: age (h), passed (1/0); drills open (apart from live figures)",
                metrics=[bulkhead_metric(n) for n in ("LastDrillAgeHours", "LastDrillPassed", "DrillsOpen")],
                width=8,
                height=4,
            ),
        )
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Notices sent against owed (live incidents)",
                left=[bulkhead_metric("NotificationsSent"), bulkhead_metric("NoticesOwed")],
                width=12,
                height=6,
            ),
            cw.GraphWidget(
                title="Checkouts blocked / allowed by the Adobe Commerce gate per store",
                left=[
                    bulkhead_metric(name, {"StoreId": s, "Hook": GATE_HOOK}, statistic="Sum")
                    for s in gated
                    for name in ("GateBlocked", "GateAllowed")
                ],
                width=12,
                height=6,
            ),
        )
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Control health (daily canary): broken controls of those checked",
                left=[bulkhead_metric("ControlHealthFailures")],
                right=[bulkhead_metric("ControlHealthChecks")],
                period=Duration.days(1),
                width=24,
                height=4,
            )
        )
        self.dashboard.add_widgets(
            cw.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms.values()), width=24, height=4)
        )
