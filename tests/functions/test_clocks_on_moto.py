"""Clocks on moto: StartClocks and SweepClocks handlers, EventBridge Scheduler reminders, filing.

Given an incident declared for a sandbox store (its jurisdictions pick the regimes of the firm's
configuration), When the handlers run against the local fabric's table, topic and scheduler,
Then the reminders, ledger entries, pages and next stages are what the rules say.
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bulkhead.local.runtime import DEFAULT_CONFIG, LocalFabric, local_fabric
from functions.clocks.domain import (
    REMINDER_OFFSETS,
    ClockAlreadyStopped,
    UnknownClock,
    classify,
    file_clock,
    reminder_name,
)
from functions.clocks.models import ClassifyRequest, Clock, ClockStatus, FileRequest
from functions.clocks.wiring import clock_store, oncall_figures, reminders
from functions.common import clients
from functions.common.config import Regime
from functions.common.settings import Env
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.models import LedgerEntry
from functions.ledger.wiring import ledger
from tests.fakes.people import person

JURISDICTIONS = {"acme-eu": ["DE", "FR"], "acme-us": ["US-NY", "US-CA"]}


@pytest.fixture
def fabric(tmp_path: Path) -> Iterator[LocalFabric]:
    """The local fabric with the sandbox firm's regulators plus NIS2 (an EU CSIRT)."""
    firm = json.loads(DEFAULT_CONFIG.read_text())
    firm["regulators"].append({"regime": "nis2", "authority": "BSI (CSIRT)"})
    path = tmp_path / "firm.json"
    path.write_text(json.dumps(firm))
    with local_fabric(config_path=path, log_level="ERROR") as running:
        yield running


def declared(
    incident_id: str,
    aware_at: datetime,
    store: str = "acme-eu",
    customers: int = 3,
    categories: tuple[str, ...] = ("contact",),
    mode: str = "live",
) -> dict[str, Any]:
    return {
        "incident": {
            "incident_id": incident_id,
            "store_id": store,
            "platform": "shopify" if store == "acme-eu" else "adobe_commerce",
            "rule_id": "bulk-export",
            "title": "Bulk export by an unknown app",
            "severity": "high",
            "data_categories": list(categories),
            "scope": {"subject_ids": [f"customer:{n}" for n in range(customers)], "components": []},
            "jurisdictions": JURISDICTIONS[store],
            "aware_at": aware_at.isoformat(),
            "declared_at": aware_at.isoformat(),
            "signal_ids": ["sig-1"],
        },
        "mode": mode,
    }


def start(
    fabric: LocalFabric,
    incident_id: str,
    aware_at: datetime,
    store: str = "acme-eu",
    categories: tuple[str, ...] = ("contact",),
    mode: str = "live",
) -> dict[str, Any]:
    return fabric.invoke("StartClocks", declared(incident_id, aware_at, store, categories=categories, mode=mode))


def classify_major(incident_id: str, at: datetime) -> list[Clock]:
    request = ClassifyRequest(
        incident_id=incident_id, regime=Regime.DORA, major=True, at=at, classified_by=person("lena-fischer")
    )
    return classify(request, clock_store(), reminders(), ledger(), datetime.now(UTC))


def clocks(incident_id: str) -> dict[str, Clock]:
    return {c.clock_id: c for c in clock_store().for_incident(incident_id)}


def schedules() -> dict[str, dict[str, Any]]:
    scheduler = clients.client("scheduler")
    names = [s["Name"] for s in scheduler.list_schedules(GroupName="default")["Schedules"]]
    found = {n: scheduler.get_schedule(GroupName="default", Name=n) for n in names}
    return {n: {k: v for k, v in s.items() if k != "ResponseMetadata"} for n, s in found.items()}


def entries(fabric: LocalFabric, incident_id: str) -> list[LedgerEntry]:
    return list(DynamoLedgerStore(clients.client("dynamodb"), fabric.tables["Ledger"]).entries(incident_id))


def of_type(fabric: LocalFabric, incident_id: str, kind: str) -> list[LedgerEntry]:
    return [e for e in entries(fabric, incident_id) if e.type.value == kind]


def file(incident_id: str, clock: str, now: datetime, recipients: int | None = None, ref: str = "REF-1") -> Clock:
    request = FileRequest(
        incident_id=incident_id, clock=clock, reference=ref, filed_by=person("lena-fischer"), recipients=recipients
    )
    return file_clock(request, clock_store(), reminders(), ledger(), now)


def oncall_inbox(fabric: LocalFabric) -> str:
    sqs = clients.client("sqs")
    url = sqs.create_queue(QueueName="oncall-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    clients.client("sns").subscribe(TopicArn=fabric.topics["OnCall"], Protocol="sqs", Endpoint=arn)
    return str(url)


def pages(url: str) -> list[dict[str, Any]]:
    messages = clients.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


# --- reminders ----------------------------------------------------------------------------------


def test_starting_clocks_schedules_reminders_at_t24_t4_and_t1_to_the_oncall_topic(fabric: LocalFabric) -> None:
    # Given an EU incident the firm became aware of just now
    aware = datetime.now(UTC)
    # When the StartClocks step runs
    result = start(fabric, "inc-clocks-remind-01", aware)
    # Then the regimes the firm reports to started from awareness or determination; NYDFS and Reg S-P
    # bind the firm though every affected customer lives in the EU
    opened = clocks("inc-clocks-remind-01")
    assert set(result["started"]) == {
        "gdpr_art33", "nis2/early_warning", "nis2/notification", "nydfs_500_17", "sec_reg_sp"
    }  # fmt: skip
    # ...and DORA's clocks wait for a person's classification, 500.17(c)'s for an extortion payment
    assert set(result["waiting"]) == set(opened) - set(result["started"]) == {
        "dora/initial", "dora/clients", "nydfs_500_17c/payment", "nydfs_500_17c/explanation"
    }  # fmt: skip
    scheduled = schedules()
    # ...GDPR Art. 33 (72 h) got all three reminders, each at its offset, each to the on-call topic
    gdpr = opened["gdpr_art33"]
    assert gdpr.deadline == aware + timedelta(hours=72)
    for offset in REMINDER_OFFSETS:
        schedule = scheduled[reminder_name(gdpr, offset)]
        due = gdpr.deadline - offset
        assert schedule["ScheduleExpression"] == f"at({due:%Y-%m-%dT%H:%M:%S})"
        assert schedule["ScheduleExpressionTimezone"] == "UTC"
        assert schedule["ActionAfterCompletion"] == "DELETE"
        assert schedule["Target"]["Arn"] == fabric.topics["OnCall"]
        assert schedule["Target"]["RoleArn"] == fabric.settings[Env.REMINDER_ROLE_ARN.value]
        assert "bulkhead clock file inc-clocks-remind-01 gdpr_art33" in schedule["Target"]["Input"]
    # ...every reminder counted (NIS2's 24 h has no T-24h), and each clock's start is on record
    assert result["reminders"] == len(scheduled) == 3 + 2 + 3 + 3 + 3
    assert len(of_type(fabric, "inc-clocks-remind-01", "clock.started")) == 5 + 4  # the waiting ones too
    # When a person classifies the incident as major, Then DORA's initial report is due 4 h later:
    # only its T-1h reminder is ahead
    classify_major("inc-clocks-remind-01", aware)
    dora = clocks("inc-clocks-remind-01")["dora/initial"]
    assert dora.deadline == aware + timedelta(hours=4)
    assert [o for o in REMINDER_OFFSETS if reminder_name(dora, o) in schedules()] == [timedelta(hours=1)]
    [classified] = of_type(fabric, "inc-clocks-remind-01", "incident.classified")
    assert (classified.data["regime"], classified.data["major"], classified.actor) == (
        "dora",
        True,
        "person:Lena Fischer",
    )


def test_a_redelivered_start_step_starts_nothing_twice(fabric: LocalFabric) -> None:
    aware = datetime.now(UTC)
    start(fabric, "inc-clocks-twice-01", aware)
    before = (schedules(), len(entries(fabric, "inc-clocks-twice-01")))
    # When Step Functions redelivers the step
    again = start(fabric, "inc-clocks-twice-01", aware)
    # Then no second clock.started, no new schedule
    assert again["reminders"] == 0
    assert (schedules(), len(entries(fabric, "inc-clocks-twice-01"))) == before


def test_filing_a_clock_deletes_its_reminders_and_only_its_own(fabric: LocalFabric) -> None:
    aware = datetime.now(UTC)
    start(fabric, "inc-clocks-cancel-01", aware)
    gdpr = clocks("inc-clocks-cancel-01")["gdpr_art33"]
    nis2 = clocks("inc-clocks-cancel-01")["nis2/notification"]
    # When the GDPR notice is recorded as filed
    file("inc-clocks-cancel-01", "gdpr_art33", datetime.now(UTC), ref="BFDI-2026-0042")
    # Then its three schedules are gone; the other clocks' remain
    scheduled = schedules()
    assert not [o for o in REMINDER_OFFSETS if reminder_name(gdpr, o) in scheduled]
    assert all(reminder_name(nis2, o) in scheduled for o in REMINDER_OFFSETS)


# --- filing ---------------------------------------------------------------------------------------


def test_filing_on_time_is_met_and_opens_doras_intermediate_then_final_stage(fabric: LocalFabric) -> None:
    aware = datetime.now(UTC)
    start(fabric, "inc-clocks-dora-01", aware)
    classify_major("inc-clocks-dora-01", aware)
    # When the initial DORA report is filed within its 4 h
    filed_at = datetime.now(UTC)
    stopped = file("inc-clocks-dora-01", "dora", filed_at, ref="BAFIN-2026-0042")
    # Then the clock is met, with the reference and who filed it in the ledger
    assert (stopped.clock_id, stopped.status) == ("dora/initial", ClockStatus.MET)
    [met] = of_type(fabric, "inc-clocks-dora-01", "clock.met")
    assert met.actor == "person:Lena Fischer"
    assert (met.data["clock"], met.data["reference"], met.data["late"]) == ("dora/initial", "BAFIN-2026-0042", False)
    # ...and the intermediate report's clock runs 72 h from the filing, with its reminders
    intermediate = clocks("inc-clocks-dora-01")["dora/intermediate"]
    assert (intermediate.status, intermediate.started_at) == (ClockStatus.OPEN, filed_at)
    assert intermediate.deadline == filed_at + timedelta(hours=72)
    assert all(reminder_name(intermediate, o) in schedules() for o in REMINDER_OFFSETS)
    started = of_type(fabric, "inc-clocks-dora-01", "clock.started")[-1]
    assert (started.data["clock"], started.actor) == ("dora/intermediate", "person:Lena Fischer")
    # When the intermediate report is filed, Then the final report's month starts
    file("inc-clocks-dora-01", "dora/intermediate", filed_at, ref="BAFIN-2026-0042-2")
    final = clocks("inc-clocks-dora-01")["dora/final"]
    assert final.deadline is not None and 28 <= (final.deadline - filed_at).days <= 31


def test_filing_the_nis2_notification_opens_the_final_report_and_the_early_warning_does_not(
    fabric: LocalFabric,
) -> None:
    start(fabric, "inc-clocks-nis2-01", datetime.now(UTC))
    now = datetime.now(UTC)
    file("inc-clocks-nis2-01", "nis2/early_warning", now)
    assert "nis2/final" not in clocks("inc-clocks-nis2-01")
    file("inc-clocks-nis2-01", "nis2/notification", now)
    final = clocks("inc-clocks-nis2-01")["nis2/final"]
    assert (final.status, final.started_at) == (ClockStatus.OPEN, now)


def test_california_attorney_general_clock_opens_only_above_500_residents(fabric: LocalFabric) -> None:
    aware = datetime.now(UTC)
    for incident_id in ("inc-clocks-ca-many", "inc-clocks-ca-few"):
        start(fabric, incident_id, aware, store="acme-us", categories=("identity",))
    now = datetime.now(UTC)
    # When the residents' notice went to 501 residents in one incident and 420 in the other
    file("inc-clocks-ca-many", "california_1798_82", now, recipients=501)
    file("inc-clocks-ca-few", "california_1798_82", now, recipients=420)
    # Then only the first owes the Attorney General a notice, 15 days after the residents'
    attorney = clocks("inc-clocks-ca-many")["california_1798_82/attorney_general"]
    assert (attorney.deadline, attorney.authority) == (now + timedelta(days=15), "California Attorney General")
    assert "california_1798_82/attorney_general" not in clocks("inc-clocks-ca-few")
    [met] = of_type(fabric, "inc-clocks-ca-few", "clock.met")
    assert met.data["recipients"] == 420  # a count, never who


def test_a_clock_is_filed_once_and_an_unknown_clock_names_the_ones_there_are(fabric: LocalFabric) -> None:
    start(fabric, "inc-clocks-once-01", datetime.now(UTC))
    file("inc-clocks-once-01", "gdpr_art33", datetime.now(UTC), ref="FIRST")
    with pytest.raises(ClockAlreadyStopped, match="FIRST"):
        file("inc-clocks-once-01", "gdpr_art33", datetime.now(UTC), ref="SECOND")
    with pytest.raises(UnknownClock, match="dora/initial, gdpr_art33"):
        file("inc-clocks-once-01", "uk_gdpr", datetime.now(UTC))
    assert len(of_type(fabric, "inc-clocks-once-01", "clock.met")) == 1


# --- missed deadlines -----------------------------------------------------------------------------


def test_the_sweep_records_a_missed_deadline_once_and_pages_oncall(fabric: LocalFabric) -> None:
    # Given an incident the firm became aware of 4 days ago: GDPR's, NIS2's and NYDFS's hours passed
    inbox = oncall_inbox(fabric)
    start(fabric, "inc-clocks-late-01", datetime.now(UTC) - timedelta(days=4))
    # When the scheduled sweep runs, twice
    first = fabric.invoke("SweepClocks", {})
    second = fabric.invoke("SweepClocks", {})
    # Then each passed clock is missed once, on record and paged
    late = {"gdpr_art33", "nydfs_500_17", "nis2/early_warning", "nis2/notification"}
    assert set(first["missed"]) == {f"inc-clocks-late-01/{c}" for c in late}
    assert second["missed"] == []
    assert {e.data["clock"] for e in of_type(fabric, "inc-clocks-late-01", "clock.missed")} == late
    assert len(of_type(fabric, "inc-clocks-late-01", "clock.missed")) == len(late)
    paged = pages(inbox)
    assert sorted(p["Subject"] for p in paged) == sorted(f"Bulkhead: {c} deadline MISSED" for c in late)
    assert all(p["MessageAttributes"]["severity"]["Value"] == "critical" for p in paged)
    assert {c.status for c in clocks("inc-clocks-late-01").values() if c.clock_id in late} == {ClockStatus.MISSED}
    assert clocks("inc-clocks-late-01")["dora/initial"].status is ClockStatus.WAITING  # never classified
    # When the GDPR notice is filed after all, Then the filing is recorded as late and the clock stops
    stopped = file("inc-clocks-late-01", "gdpr_art33", datetime.now(UTC), ref="BFDI-LATE")
    [late_filing] = of_type(fabric, "inc-clocks-late-01", "clock.filed_late")
    assert (late_filing.data["clock"], late_filing.data["late"]) == ("gdpr_art33", True)
    assert (stopped.status, stopped.reference) == (ClockStatus.MISSED, "BFDI-LATE")
    assert stopped.filed_at is not None


def test_drill_clocks_never_page_never_remind_and_stay_out_of_the_live_figures(fabric: LocalFabric) -> None:
    # Given a drill the firm "became aware of" 40 days ago, and a live incident 4 days ago
    inbox = oncall_inbox(fabric)
    start(fabric, "inc-clocks-drill-01", datetime.now(UTC) - timedelta(days=40), mode="drill")
    assert schedules() == {}  # no reminder was scheduled for the drill's clocks
    start(fabric, "inc-clocks-live-01", datetime.now(UTC) - timedelta(days=4))
    # When the sweep runs far past every drill deadline
    swept = fabric.invoke("SweepClocks", {})
    # Then only the live incident's clocks are missed and paged; the drill's are left alone
    assert swept["missed"] and all(m.startswith("inc-clocks-live-01/") for m in swept["missed"])
    drill = clocks("inc-clocks-drill-01").values()
    live_statuses = (ClockStatus.OPEN, ClockStatus.WAITING)
    assert swept["drill_clocks"] == sum(1 for c in drill if c.status in live_statuses) > 0
    assert of_type(fabric, "inc-clocks-drill-01", "clock.missed") == []
    assert ClockStatus.MISSED not in {c.status for c in drill}
    assert all("inc-clocks-drill-01" not in p["Message"] for p in pages(inbox))
    # ...and the on-call figures count the live incident's clocks only
    figures = oncall_figures(datetime.now(UTC), ["inc-clocks-live-01", "inc-clocks-drill-01"])
    live_open = [c for c in clocks("inc-clocks-live-01").values() if c.status is ClockStatus.OPEN and c.deadline]
    assert figures.clocks_open == len(live_open) and figures.clocks_missed == len(swept["missed"])
    assert figures.drill_clocks_open == sum(1 for c in drill if c.status is ClockStatus.OPEN)
    assert figures.soonest_incident in (None, "inc-clocks-live-01")


def test_filing_past_the_deadline_before_the_sweep_records_the_miss(fabric: LocalFabric) -> None:
    aware = datetime.now(UTC)
    start(fabric, "inc-clocks-late-02", aware)
    # When the GDPR notice is filed 73 h after awareness, before any sweep noticed
    stopped = file("inc-clocks-late-02", "gdpr_art33", aware + timedelta(hours=73))
    # Then it is missed (at the deadline) and the ledger says so
    assert (stopped.status, stopped.missed_at) == (ClockStatus.MISSED, aware + timedelta(hours=72))
    [missed] = of_type(fabric, "inc-clocks-late-02", "clock.missed")
    assert (missed.data["clock"], missed.data["late"]) == ("gdpr_art33", True)
