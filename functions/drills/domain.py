"""Score a drill: the expected response against the ledger and the execution. Pure, no I/O."""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from pydantic import ValidationError

from functions.clocks.rules import first_deadline
from functions.common.config import FirmConfig, Mode
from functions.common.errors import ConfigurationError
from functions.detection.models import AffectedScope, Incident, IncidentDeclared
from functions.drills.models import (
    CheckStatus,
    ClockCheck,
    Declaration,
    DrillScored,
    ExecutionEnded,
    Measure,
    Scenario,
    ScheduledDrill,
    Scorecard,
    ScoreInputs,
    StepCheck,
    TimeCheck,
)
from functions.drills.ports import LedgerEvidence, ResponseStarter
from functions.ledger.models import ChainVerdict, EntryDraft, EntryType, LedgerEntry, LedgerVerdict
from functions.ledger.ports import Ledger

ACTOR = "drills"
DRILL_SIGNAL_PREFIX = "drill:"


_DONE = {EntryType.ACTION_APPLIED, EntryType.ACTION_MANUAL_TASK}
_CONTAINED = {*_DONE, EntryType.ACTION_FAILED, EntryType.DEGRADATION_SET}
_NOTIFIED = {EntryType.NOTIFICATION_PLANNED, EntryType.NOTIFICATION_BATCH_SENT}


def drill_declaration(
    scenario: Scenario, declaration: Declaration, config: FirmConfig, drill_id: str, now: datetime
) -> IncidentDeclared:
    """The input a drill starts the response with when it declares by hand (also `--target aws`)."""
    store = config.store(scenario.store_id)
    customers = tuple(f"customer:{n}" for n in declaration.customer_ids)
    return IncidentDeclared(
        incident=Incident(
            incident_id=f"inc-drill-{drill_id}",
            store_id=store.store_id,
            platform=store.platform,
            rule_id=declaration.rule_id,
            title=declaration.title,
            severity=declaration.severity,
            data_categories=declaration.data_categories,
            scope=AffectedScope(subject_ids=customers, components=declaration.components),
            jurisdictions=store.jurisdictions,
            actor=declaration.actor,
            aware_at=now,
            declared_at=now,
            signal_ids=(f"{DRILL_SIGNAL_PREFIX}{scenario.name}:{drill_id}",),
        ),
        mode=Mode.DRILL,
    )


def declaration_of(scenario: Scenario) -> Declaration:
    """The declaration a drill starts the state machine with directly (scheduled and `--target aws`)."""
    declared = [s for s in scenario.signals if isinstance(s, Declaration)]
    if declared:
        return declared[0]
    if scenario.fallback is None:
        raise ConfigurationError(f"scenario {scenario.name!r} has no declaration to start the state machine with")
    return scenario.fallback


def start_scheduled_drill(
    config: FirmConfig, catalogue: Mapping[str, Scenario], starter: ResponseStarter, now: datetime
) -> ScheduledDrill:
    """The monthly drill: the configured scenario, on the configured sandbox store, mode `drill`.

    The drill id is the hour it was started in, so a Scheduler retry of the same run starts nothing new.
    """
    schedule = config.drills
    if not schedule.enabled or schedule.scenario is None or schedule.store_id is None:
        return ScheduledDrill(started=False, reason="drills.enabled is false in the configuration")
    if schedule.scenario not in catalogue:
        raise ConfigurationError(
            f"drills.scenario {schedule.scenario!r} is not in the catalogue; choose one of: {', '.join(catalogue)}"
        )
    scenario = catalogue[schedule.scenario].model_copy(update={"store_id": schedule.store_id})
    drill_id = f"monthly-{now:%Y%m%d%H}"
    declared = drill_declaration(scenario, declaration_of(scenario), config, drill_id, now)
    arn = starter.start(declared, f"drill-{scenario.name}-{drill_id}"[:80])
    facts = {"scenario": scenario.name, "store_id": scenario.store_id, "incident_id": declared.incident.incident_id}
    if arn is None:
        return ScheduledDrill(started=False, reason="this run was already started (a retried schedule)", **facts)
    return ScheduledDrill(started=True, reason="started", execution_arn=arn, **facts)


def score_ended_drill(
    ended: ExecutionEnded,
    response_machine: str,
    catalogue: Mapping[str, Scenario],
    config: FirmConfig,
    evidence: LedgerEvidence,
    ledger: Ledger,
    now: datetime,
) -> DrillScored:
    """Score a drill execution of the Response machine that ended, once, without a person."""
    if ended.state_machine_arn != response_machine:
        return DrillScored(scored=False, reason="not an execution of the Response state machine")
    try:
        declared = IncidentDeclared.model_validate_json(ended.input or "")
    except ValidationError:
        return DrillScored(scored=False, reason="the execution input is not an IncidentDeclared")
    incident = declared.incident
    name = scenario_of(incident.signal_ids)
    if declared.mode is not Mode.DRILL or name is None or name not in catalogue:
        return DrillScored(
            scored=False, reason="not a drill of a catalogued scenario", incident_id=incident.incident_id
        )
    if ledger.has_entry(incident.incident_id, EntryType.DRILL_SCORED):
        return DrillScored(scored=False, reason="already scored", incident_id=incident.incident_id, scenario=name)
    inputs = ScoreInputs(
        scenario=catalogue[name].model_copy(update={"store_id": incident.store_id}),
        incident_id=incident.incident_id,
        injected_at=ended.started_at,
        execution_status=ended.status,
        declared_by_hand=True,
        gaps=("detection: the drill started the state machine directly",),
        slas=config.slas,
    )
    card = score_execution(inputs, evidence, ledger, now)
    return DrillScored(
        scored=True, reason="scored", incident_id=incident.incident_id, scenario=name, passed=card.passed
    )


def score(
    inputs: ScoreInputs, entries: Sequence[LedgerEntry], verdict: ChainVerdict | LedgerVerdict, now: datetime
) -> Scorecard:
    """Each expected step happened or not; each time against its SLA; each clock against its deadline.

    `verdict` is the full verification (`verify_ledger`: chain, signed heads, their anchors) wherever
    the anchors can be read; a bare chain verdict is scored for what it is and says so.
    """
    expected = inputs.scenario.expected
    steps = [
        *_signal_checks(inputs),
        _declared_check(inputs, entries),
        _planned_check(inputs, entries),
        *([_approval_check(entries)] if expected.approval else []),
        *(_action_check(kind.value, entries) for kind in expected.actions),
        *([_degradation_check(inputs, entries)] if expected.modes else []),
        _notification_check(inputs, entries),
        _closed_check(inputs, entries),
        _ledger_check(verdict),
    ]
    times = _times(inputs, entries)
    clocks = _clocks(inputs, entries)
    statuses = [c.status for c in steps] + [t.status for t in times] + [c.status for c in clocks]
    failed = CheckStatus.FAILED in statuses
    gaps = (*inputs.gaps, *(f"{c.step}: {c.actual}" for c in steps if c.status is CheckStatus.NOT_COVERED))
    return Scorecard(
        scenario=inputs.scenario.name,
        incident_id=inputs.incident_id,
        mode=_mode(entries),
        execution_status=inputs.execution_status,
        injected_at=inputs.injected_at,
        scored_at=now,
        steps=tuple(steps),
        times=times,
        clocks=clocks,
        ledger_entries=verdict.entries,
        ledger_valid=verdict.valid,
        anchors_verified=_anchors_valid(verdict),
        ledger_fully_verified=isinstance(verdict, LedgerVerdict),
        passed=not failed,
        gaps=tuple(dict.fromkeys(gaps)),
    )


def score_execution(inputs: ScoreInputs, evidence: LedgerEvidence, ledger: Ledger, now: datetime) -> Scorecard:
    """Score an ended execution against its chain, fully verified, and record the scorecard on it
    and in the year's drills index (what the on-call view reads for the last drill's age and verdict)."""
    entries = evidence.entries(inputs.incident_id)
    card = score(inputs, entries, evidence.verify(inputs.incident_id), now)
    record_scorecard(card, ledger, now)
    index_scorecard(card, ledger, now)
    return card


def record_scorecard(card: Scorecard, ledger: Ledger, now: datetime) -> LedgerEntry:
    """The scorecard's summary joins the incident's chain as `drill.scored`."""
    return ledger.append(
        card.incident_id, EntryDraft(type=EntryType.DRILL_SCORED, actor=ACTOR, at=now, data=card.summary())
    )


def drills_index(year: int) -> str:
    """The chain that lists every drill scored in a year, one `drill.scored` entry each."""
    return f"drills-{year}"


def index_scorecard(card: Scorecard, ledger: Ledger, now: datetime) -> LedgerEntry:
    """One line per drill in the year's index: which incident, which scenario, the verdict."""
    data = {"incident_id": card.incident_id, "scenario": card.scenario, "passed": card.passed}
    return ledger.append(
        drills_index(now.year), EntryDraft(type=EntryType.DRILL_SCORED, actor=ACTOR, at=now, data=data)
    )


def scenario_of(signal_ids: Iterable[str]) -> str | None:
    """The scenario a drill-declared incident came from (its signal id is `drill:<scenario>:<id>`)."""
    for signal_id in signal_ids:
        if signal_id.startswith(DRILL_SIGNAL_PREFIX):
            return signal_id.split(":")[1]
    return None


def _anchors_valid(verdict: ChainVerdict | LedgerVerdict) -> int:
    return sum(1 for a in verdict.anchors if a.valid) if isinstance(verdict, LedgerVerdict) else 0


def _ledger_check(verdict: ChainVerdict | LedgerVerdict) -> StepCheck:
    if not isinstance(verdict, LedgerVerdict):
        return StepCheck(
            step="ledger verified",
            expected="an unbroken hash chain",
            actual=f"{verdict.entries} entries, chain only (anchors not read)"
            if verdict.valid
            else f"broken at seq {verdict.first_bad_seq}: {verdict.problem or ''}",
            status=_status(verdict.valid),
        )
    anchors = _anchors_valid(verdict)
    actual = (
        f"{verdict.entries} entries, {anchors} signed heads valid and anchored, "
        f"{verdict.unanchored_tail} entries after the last anchor"
        if verdict.valid
        else f"broken at seq {verdict.first_bad_seq}: {verdict.problem or ''}"
    )
    return StepCheck(
        step="ledger verified",
        expected="an unbroken hash chain; every milestone head signed and anchored",
        actual=actual,
        status=_status(verdict.valid and anchors > 0),
    )


def _first(entries: Sequence[LedgerEntry], *types: EntryType) -> LedgerEntry | None:
    return next((e for e in entries if e.type in types), None)


def _status(ok: bool) -> CheckStatus:
    return CheckStatus.PASSED if ok else CheckStatus.FAILED


def _mode(entries: Sequence[LedgerEntry]) -> str:
    declared = _first(entries, EntryType.INCIDENT_DECLARED, EntryType.RESPONSE_PLANNED)
    return str(declared.data.get("mode", "unknown")) if declared else "unknown"


def _signal_checks(inputs: ScoreInputs) -> list[StepCheck]:
    return [
        StepCheck(
            step=f"signal {signal} accepted",
            expected="2xx from the entry point" if status else "put on the bus",
            actual=f"HTTP {status}" if status else "put",
            status=_status(status == 0 or 200 <= status < 300),
        )
        for signal, status in inputs.accepted
    ]


def _declared_check(inputs: ScoreInputs, entries: Sequence[LedgerEntry]) -> StepCheck:
    expected = inputs.scenario.expected
    want = f"{expected.rule_id}, {expected.severity.value}"
    declared = _first(entries, EntryType.INCIDENT_DECLARED)
    if inputs.declared_by_hand:
        return StepCheck(
            step="incident detected",
            expected=want,
            actual="declared by hand: "
            + (
                "the signals were accepted but no detection rule declared an incident"
                if inputs.accepted
                else "the drill started the response directly"
            ),
            status=CheckStatus.NOT_COVERED,
        )
    if declared is None:
        return StepCheck(
            step="incident detected", expected=want, actual="no incident.declared", status=CheckStatus.FAILED
        )
    actual = f"{declared.data.get('rule_id')}, {declared.data.get('severity')}"
    return StepCheck(step="incident detected", expected=want, actual=actual, status=_status(actual == want))


def _planned_check(inputs: ScoreInputs, entries: Sequence[LedgerEntry]) -> StepCheck:
    expected = inputs.scenario.expected
    want_actions = {a.value for a in expected.actions}
    want_modes = {m.value for m in expected.modes}
    want = f"actions ⊇ {sorted(want_actions)}, modes ⊇ {sorted(want_modes)}"
    planned = _first(entries, EntryType.RESPONSE_PLANNED)
    if planned is None:
        return StepCheck(
            step="response planned", expected=want, actual="no response.planned", status=CheckStatus.FAILED
        )
    actions, modes = set(planned.data.get("actions", [])), set(planned.data.get("modes", []))
    return StepCheck(
        step="response planned",
        expected=want,
        actual=f"actions {sorted(actions)}, modes {sorted(modes)}",
        status=_status(want_actions <= actions and want_modes <= modes),
    )


def _approval_check(entries: Sequence[LedgerEntry]) -> StepCheck:
    requested = _first(entries, EntryType.APPROVAL_REQUESTED)
    outcome = _first(entries, EntryType.APPROVAL_GRANTED, EntryType.APPROVAL_REJECTED, EntryType.APPROVAL_EXPIRED)
    actual = "not requested" if requested is None else outcome.type.value if outcome else "requested, undecided"
    return StepCheck(
        step="approval",
        expected="requested and granted",
        actual=actual,
        status=_status(requested is not None and outcome is not None and outcome.type is EntryType.APPROVAL_GRANTED),
    )


def _action_check(kind: str, entries: Sequence[LedgerEntry]) -> StepCheck:
    mine = [e for e in entries if e.data.get("kind") == kind]
    failed = next((e for e in mine if e.type is EntryType.ACTION_FAILED), None)
    done = next((e for e in mine if e.type in _DONE), None)
    if failed is not None:
        actual = f"failed: {failed.data.get('error', '')}"
    elif done is not None:
        actual = str(done.data.get("status", done.type.value))
    else:
        actual = "planned only" if mine else "not attempted"
    return StepCheck(
        step=f"contain: {kind}",
        expected="applied, or handed to a person as a manual task",
        actual=actual,
        status=_status(failed is None and done is not None),
    )


def _degradation_check(inputs: ScoreInputs, entries: Sequence[LedgerEntry]) -> StepCheck:
    want = {m.value for m in inputs.scenario.expected.modes}
    modes = {m for e in entries if e.type is EntryType.DEGRADATION_SET for m in e.data.get("modes", [])}
    return StepCheck(
        step="degradation set",
        expected=f"modes ⊇ {sorted(want)}",
        actual=f"modes {sorted(modes)}" if modes else "no degradation.set",
        status=_status(want <= modes),
    )


def _notification_check(inputs: ScoreInputs, entries: Sequence[LedgerEntry]) -> StepCheck:
    want = inputs.scenario.expected.notify_customers
    planned = _first(entries, EntryType.NOTIFICATION_PLANNED)
    if planned is None:
        return StepCheck(
            step="customers notified",
            expected="notice owed" if want else "no notice owed",
            actual="no notification.planned",
            status=CheckStatus.FAILED,
        )
    required = bool(planned.data.get("required", planned.data.get("customers", 0)))
    customers = int(planned.data.get("customers", 0))
    actual = ("notice owed" if required else "no notice owed") + f" ({customers} customers)"
    if want and required and customers == 0:
        # A notice is owed but the scope named no one: nobody was told, and the drill must not pass it.
        return StepCheck(
            step="customers notified",
            expected="notice owed to the affected customers",
            actual=f"{actual}: the incident's scope resolved no customer, so no one was notified",
            status=CheckStatus.NOT_COVERED,
        )
    return StepCheck(
        step="customers notified",
        expected="notice owed" if want else "no notice owed",
        actual=actual,
        status=_status(required == want),
    )


def _closed_check(inputs: ScoreInputs, entries: Sequence[LedgerEntry]) -> StepCheck:
    """The response ran to its end: `incident.closed`, or, with manual tasks open, `response.completed`
    (the machine does not close an incident a person still has work on; the check says so)."""
    closed = _first(entries, EntryType.INCIDENT_CLOSED)
    completed = _first(entries, EntryType.RESPONSE_COMPLETED)
    failed = _first(entries, EntryType.STEP_FAILED)
    if failed is not None:
        actual = f"stopped at {failed.data.get('step')}: {failed.data.get('error')}"
    elif closed is not None:
        actual = f"closed, execution {inputs.execution_status}"
    elif completed is not None:
        tasks = len(completed.data.get("open_tasks", []))
        actual = (
            f"response completed with {tasks} manual tasks open: the incident awaits a person to close it, "
            f"execution {inputs.execution_status}"
        )
    else:
        actual = f"execution {inputs.execution_status}"
    ended = closed is not None or completed is not None
    return StepCheck(
        step="response closed",
        expected="incident.closed (or response.completed while manual tasks are open), execution SUCCEEDED",
        actual=actual,
        status=_status(ended and failed is None and inputs.execution_status == "SUCCEEDED"),
    )


def _times(inputs: ScoreInputs, entries: Sequence[LedgerEntry]) -> tuple[TimeCheck, ...]:
    slas = inputs.slas
    declared = _first(entries, EntryType.INCIDENT_DECLARED)
    contained = [e.at for e in entries if e.type in _CONTAINED]
    notified = _first(entries, *_NOTIFIED)
    marks = {
        Measure.DETECT: (declared.at if declared else None, slas.detect_seconds),
        Measure.CONTAIN: (max(contained) if contained else None, slas.contain_seconds),
        Measure.NOTIFY: (notified.at if notified else None, slas.notify_seconds),
    }
    checks = []
    for measure, (at, sla) in marks.items():
        seconds = None if at is None else max(0.0, (at - inputs.injected_at).total_seconds())
        if measure is Measure.DETECT and inputs.declared_by_hand:
            status = CheckStatus.NOT_COVERED
        elif seconds is None:
            status = CheckStatus.FAILED
        else:
            status = _status(seconds <= sla)
        checks.append(TimeCheck(measure=measure, seconds=seconds, sla_seconds=sla, status=status))
    return tuple(checks)


def _clocks(inputs: ScoreInputs, entries: Sequence[LedgerEntry]) -> tuple[ClockCheck, ...]:
    notified = _first(entries, *_NOTIFIED)
    notified_at = notified.at if notified else None
    checks = []
    for regime in inputs.scenario.expected.clocks:
        deadline = first_deadline(regime, inputs.injected_at)  # the clock rules, started at injection
        met = notified_at is not None and notified_at <= deadline
        checks.append(ClockCheck(regime=regime, deadline=deadline, notified_at=notified_at, status=_status(met)))
    return tuple(checks)
