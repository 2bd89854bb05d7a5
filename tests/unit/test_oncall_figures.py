"""The on-call figures: live incidents and drills counted apart, and what waits on people.

Given ledger chains of a live incident and of a drill (and the drills index), When the figures are
computed, Then the live figures (what pages on-call) hold the live incident only, the drill has
figures of its own, and approvals, manual tasks and notices owed are read from the ledger.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from functions.clocks.figures import figures, incident_figures, metric_values
from functions.clocks.models import Clock, ClockStatus, StartEvent
from functions.common.config import Mode, Regime, Severity
from functions.drills.domain import drills_index
from functions.ledger.domain import ChainedLedger
from functions.ledger.models import EntryDraft, EntryType, LedgerEntry
from tests.fakes.ledger import MemoryLedgerStore

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def chain_of(*steps: tuple[EntryType, dict[str, Any]], chain: str = "inc-1") -> list[LedgerEntry]:
    ledger = ChainedLedger(MemoryLedgerStore())
    start = NOW - timedelta(hours=2)
    return [
        ledger.append(chain, EntryDraft(type=kind, actor="test", at=start + timedelta(minutes=n), data=data))
        for n, (kind, data) in enumerate(steps)
    ]


def declared(mode: Mode, severity: str = "high") -> tuple[EntryType, dict[str, Any]]:
    return EntryType.INCIDENT_DECLARED, {"severity": severity, "store_id": "acme-eu", "mode": mode.value}


def clock(incident_id: str, mode: Mode, hours_left: float, status: ClockStatus = ClockStatus.OPEN) -> Clock:
    return Clock(
        incident_id=incident_id,
        clock_id="gdpr_art33",
        regime=Regime.GDPR_ART33,
        authority="BfDI",
        notify="supervisory authority",
        rule="72 h",
        start_event=StartEvent.AWARENESS,
        started_at=NOW - timedelta(hours=72 - hours_left),
        deadline=NOW + timedelta(hours=hours_left),
        status=status,
        severity=Severity.HIGH,
        store_id="acme-eu",
        mode=mode,
    )


def test_live_figures_hold_live_incidents_only_and_drills_have_their_own() -> None:
    # Given a live incident with 3 h left on its clock and a drill whose clock is long overdue
    live = incident_figures("inc-live", chain_of(declared(Mode.LIVE)), live_clocks=1)
    drill = incident_figures("inc-drill", chain_of(declared(Mode.DRILL, "critical"), chain="inc-drill"), 1)
    assert live is not None and drill is not None
    clocks = [clock("inc-live", Mode.LIVE, 3), clock("inc-drill", Mode.DRILL, -500)]
    # When the figures are computed
    result = figures([live, drill], clocks, [], NOW)
    # Then only the live incident counts as open, its clock is the soonest, and nothing is missed
    assert result.open_by_severity == {"high": 1}
    assert (result.clocks_open, result.clocks_near, result.clocks_missed) == (1, 1, 0)
    assert (result.soonest_clock, result.soonest_incident) == ("inc-live/gdpr_art33", "inc-live")
    # ...the drill is counted apart
    assert (result.drills_open, result.drill_clocks_open) == (1, 1)
    values = metric_values(result)
    assert (values["OpenIncidents"], values["ClocksMissed"], values["DrillsOpen"]) == (1, 0, 1)


def test_a_drill_alone_raises_no_live_figure() -> None:
    drill = incident_figures("inc-drill", chain_of(declared(Mode.DRILL)), live_clocks=1)
    assert drill is not None
    result = figures([drill], [clock("inc-drill", Mode.DRILL, -100)], [], NOW)
    values = metric_values(result)
    live = ("OpenIncidents", "ClocksOpen", "ClocksNear", "ClocksMissed", "PendingApprovals", "OpenManualTasks")
    assert [values[k] for k in live] == [0] * len(live)
    assert "SoonestClockSecondsLeft" not in values


def test_waiting_on_people_is_read_from_the_ledger() -> None:
    # Given a live incident: an approval requested then escalated (still pending), two manual tasks of
    # which one was reported done, 10 reachable customers of which 4 were reached so far
    entries = chain_of(
        declared(Mode.LIVE),
        (EntryType.APPROVAL_REQUESTED, {}),
        (EntryType.APPROVAL_ESCALATED, {"stage": 2}),
        (EntryType.ACTION_MANUAL_TASK, {"action_id": "a1"}),
        (EntryType.ACTION_MANUAL_TASK, {"action_id": "a2"}),
        (EntryType.ACTION_APPLIED, {"action_id": "a1", "by": "operator:a.jones"}),
        (EntryType.NOTIFICATION_PLANNED, {"reachable": 10}),
        (EntryType.NOTIFICATION_BATCH_SENT, {"customers_reached": 4, "emailed": 4}),
    )
    figured = incident_figures("inc-1", entries, live_clocks=0)
    assert figured is not None
    assert (figured.pending_approvals, figured.open_manual_tasks, figured.notices_owed) == (1, 1, 6)
    result = figures([figured], [], [], NOW)
    assert (result.pending_approvals, result.open_manual_tasks, result.notices_sent, result.notices_owed) == (
        1,
        1,
        4,
        6,
    )
    # When the approval is granted, Then nothing waits on the approver any more
    decided = incident_figures("inc-1", [*entries, *chain_of((EntryType.APPROVAL_GRANTED, {}))], live_clocks=0)
    assert decided is not None and decided.pending_approvals == 0


def test_the_last_drill_is_the_newest_in_the_index() -> None:
    index = chain_of(
        (EntryType.DRILL_SCORED, {"incident_id": "inc-a", "scenario": "s1", "passed": True}),
        (EntryType.DRILL_SCORED, {"incident_id": "inc-b", "scenario": "s2", "passed": False}),
        chain=drills_index(2026),
    )
    result = figures([], [], [], NOW, index)
    assert result.last_drill is not None
    assert (result.last_drill.incident_id, result.last_drill.passed) == ("inc-b", False)
    values = metric_values(result)
    assert values["LastDrillPassed"] == 0
    assert values["LastDrillAgeHours"] == (NOW - index[-1].at).total_seconds() / 3600
    # ...and with no drill ever scored there is no figure at all (the alarm stays quiet, not green)
    assert "LastDrillAgeHours" not in metric_values(figures([], [], [], NOW))
