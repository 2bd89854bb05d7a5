"""Containment: plan -> snapshot pre-state -> apply -> verify -> record, and the inverse.

Idempotency comes from the ledger and the vault, not from the platform: an action whose
verification is recorded is not applied again; a pre-state is stored once, before the first
mutation, so a retry never snapshots a half-applied state as if it were the original.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from functions.common.config import FirmConfig, Mode
from functions.common.errors import PermanentActionFailure, TransientPlatformError
from functions.common.failures import failure_facts
from functions.common.people import Acted, vouch_actor
from functions.containment.models import (
    ActionFailureRequest,
    ActionKind,
    ActionOutcome,
    ActionStatus,
    ApplyActionRequest,
    PlannedAction,
    PreState,
    RestoreCloseRequest,
    RestoreOutcome,
    RestorePlan,
    RestoreRequest,
    RevertActionRequest,
    RevertFailureRequest,
    RevertOutcome,
    RevertStatus,
)
from functions.containment.ports import ActionCatalogue, ActionExecutor, ActionJournal, AuditTrail, PreStateVault
from functions.containment.targets import UNIDENTIFIED
from functions.ledger.models import EntryDraft, EntryType, LedgerEntry
from functions.ledger.ports import Ledger

ACTOR = "containment"


class ContainmentNotVerified(TransientPlatformError):
    """The platform accepted the change but reading it back does not show it yet; Retry re-checks."""


class NothingToRestore(PermanentActionFailure):
    """The action has no stored pre-state (it was never applied, or only planned)."""


class UnknownIncident(PermanentActionFailure):
    """The ledger holds no chain for this incident: nothing was ever contained under that id."""


def _facts(action: PlannedAction) -> dict[str, Any]:
    return {"action_id": action.action_id, "kind": action.kind.value, "store_id": action.store_id}


def _recorded(entries: Iterable[LedgerEntry], action_id: str) -> set[EntryType]:
    return {e.type for e in entries if e.data.get("action_id") == action_id}


def apply_action(
    request: ApplyActionRequest,
    catalogue: ActionCatalogue,
    ledger: Ledger,
    journal: ActionJournal,
    vault: PreStateVault,
    now: datetime,
) -> ActionOutcome:
    action, incident_id = request.action, request.incident_id
    facts = _facts(action)
    recorded = _recorded(journal.entries(incident_id), action.action_id)
    if EntryType.ACTION_VERIFIED in recorded:
        return ActionOutcome(action_id=action.action_id, kind=action.kind, status=ActionStatus.ALREADY_APPLIED)
    if EntryType.ACTION_PLANNED not in recorded:
        planned = {**facts, "subjects": len(action.subjects), "mode": request.mode.value}
        ledger.append(incident_id, EntryDraft(type=EntryType.ACTION_PLANNED, actor=ACTOR, at=now, data=planned))
    if request.mode is Mode.DRY_RUN:
        return ActionOutcome(
            action_id=action.action_id, kind=action.kind, status=ActionStatus.WOULD_APPLY, detail=action.reason
        )
    if action.target == UNIDENTIFIED:  # the scope names nothing to act on: a person decides, on the record
        return _manual(incident_id, action, unidentified_instructions(incident_id, action), None, ledger, recorded, now)
    executor = catalogue.executor(action)
    if executor is None:
        return _manual(incident_id, action, manual_instructions(incident_id, action), None, ledger, recorded, now)
    pre, digest = _pre_state(incident_id, action, executor, vault)
    instructions = executor.manual_instructions(action, pre.state)
    if instructions is not None:
        if executor.verify(action, pre.state):  # a human (or the platform) already did it
            return _record_applied(incident_id, action, 0, digest, ledger, recorded, now, by="verified")
        return _manual(incident_id, action, instructions, digest, ledger, recorded, now)
    changed = executor.apply(action, pre.state)
    if not executor.verify(action, pre.state):
        raise ContainmentNotVerified(f"{action.kind.value} {action.action_id}: change not visible on read-back")
    return _record_applied(incident_id, action, changed, digest, ledger, recorded, now, by=ACTOR)


def _pre_state(
    incident_id: str, action: PlannedAction, executor: ActionExecutor, vault: PreStateVault
) -> tuple[PreState, str]:
    stored = vault.get(incident_id, action.action_id)
    if stored is not None:
        return stored
    # The incident id travels with the state: executors derive their idempotency keys from it.
    state = {**executor.snapshot(action), "incident_id": incident_id}
    pre = PreState(incident_id=incident_id, action=action, state=state)
    return pre, vault.put(pre)


def _record_applied(
    incident_id: str,
    action: PlannedAction,
    changed: int,
    digest: str,
    ledger: Ledger,
    recorded: set[EntryType],
    now: datetime,
    by: str,
) -> ActionOutcome:
    facts = {**_facts(action), "pre_state_sha256": digest, "changed": changed, "by": by}
    if EntryType.ACTION_APPLIED not in recorded:
        ledger.append(incident_id, EntryDraft(type=EntryType.ACTION_APPLIED, actor=ACTOR, at=now, data=facts))
    ledger.append(incident_id, EntryDraft(type=EntryType.ACTION_VERIFIED, actor=ACTOR, at=now, data=_facts(action)))
    return ActionOutcome(
        action_id=action.action_id,
        kind=action.kind,
        status=ActionStatus.APPLIED,
        changed=changed,
        pre_state_sha256=digest,
    )


def _manual(
    incident_id: str,
    action: PlannedAction,
    instructions: str,
    digest: str | None,
    ledger: Ledger,
    recorded: set[EntryType],
    now: datetime,
) -> ActionOutcome:
    if EntryType.ACTION_MANUAL_TASK not in recorded:
        data = {**_facts(action), "status": ActionStatus.MANUAL_TASK.value, "pre_state_sha256": digest}
        ledger.append(incident_id, EntryDraft(type=EntryType.ACTION_MANUAL_TASK, actor=ACTOR, at=now, data=data))
    return ActionOutcome(
        action_id=action.action_id,
        kind=action.kind,
        status=ActionStatus.MANUAL_TASK,
        detail=instructions,
        pre_state_sha256=digest,
    )


def manual_instructions(incident_id: str, action: PlannedAction) -> str:
    return (
        f"Manual containment for incident {incident_id}: carry out {action.kind.value} on "
        f"{action.target} in store {action.store_id} ({action.reason}), then record it with "
        f"`bulkhead action done {incident_id} {action.action_id}`."
    )


def unidentified_instructions(incident_id: str, action: PlannedAction) -> str:
    what = {
        ActionKind.AWS_BLOCK_IPS: "the addresses to block (and set `waf_ip_set` in the configuration)",
    }.get(action.kind, "the object to act on")
    return (
        f"Manual containment for incident {incident_id}: its scope does not name {what} for "
        f"{action.kind.value} in store {action.store_id}. Identify it from the incident's signals, carry the "
        f"action out, then record it with `bulkhead action done {incident_id} {action.action_id}`."
    )


def complete_manual_task(
    incident_id: str,
    action_id: str,
    operator: Acted,
    catalogue: ActionCatalogue,
    ledger: Ledger,
    journal: ActionJournal,
    vault: PreStateVault,
    now: datetime,
    audit: AuditTrail | None = None,
) -> ActionOutcome:
    """A human reports a manual task done; where an API can read the result back, it must show it.

    A merchant-only lever no API can read back is checked on the audit trail instead: while signals
    of the incident's rule keep arriving on the store after the task was raised, the calls have not
    stopped and the task is not done. Without an audit trail it rests on the operator's word.
    """
    entries = journal.entries(incident_id)
    recorded = _recorded(entries, action_id)
    if EntryType.ACTION_MANUAL_TASK not in recorded:
        raise PermanentActionFailure(f"incident {incident_id} has no manual task {action_id}")
    stored = vault.get(incident_id, action_id)
    task = next(e for e in entries if e.type is EntryType.ACTION_MANUAL_TASK and e.data.get("action_id") == action_id)
    if stored is not None:
        pre, digest = stored
        executor = catalogue.executor(pre.action)
        # A merchant-only lever that no API can read back is recorded on the operator's word.
        readable = pre.state.get("verify") != "operator"
        if executor is not None and readable and not executor.verify(pre.action, pre.state):
            raise PermanentActionFailure(
                f"{action_id}: the platform still shows the pre-incident state; the task is not done yet"
            )
        if not readable and audit is not None:
            _audit_quiet(pre.action, entries, task.at, audit, now)
        action = pre.action
    else:
        digest = ""
        action = PlannedAction(
            action_id=action_id,
            kind=task.data["kind"],
            store_id=task.data["store_id"],
            target="(manual)",
            reason="manual task",
        )
    if EntryType.ACTION_VERIFIED in recorded:
        return ActionOutcome(action_id=action_id, kind=action.kind, status=ActionStatus.ALREADY_APPLIED)
    outcome = _record_applied(incident_id, action, 0, digest, ledger, recorded, now, by=operator.actor)
    if _close_after_last_task(incident_id, action_id, entries, operator, ledger, now):
        return outcome.model_copy(update={"detail": f"the last open manual task: {incident_id} is closed"})
    return outcome


def _close_after_last_task(
    incident_id: str, action_id: str, entries: list[LedgerEntry], operator: Acted, ledger: Ledger, now: datetime
) -> bool:
    """The response left tasks open (`response.completed`): the last one done closes the incident,
    on the record of the person who reported it."""
    completed = next((e for e in entries if e.type is EntryType.RESPONSE_COMPLETED), None)
    if completed is None or any(e.type is EntryType.INCIDENT_CLOSED for e in entries):
        return False
    done = {e.data.get("action_id") for e in entries if e.type is EntryType.ACTION_VERIFIED} | {action_id}
    if not set(completed.data.get("open_tasks", [])) <= done:
        return False
    data = {
        **{k: v for k, v in completed.data.items() if k not in ("open_tasks", "awaits")},
        "manual_tasks_done": len(completed.data.get("open_tasks", [])),
        "closed_by": operator.actor,
        "last_task": action_id,
        **{k: v for k, v in operator.facts.items() if k != "by"},
    }
    ledger.append(incident_id, EntryDraft(type=EntryType.INCIDENT_CLOSED, actor=operator.actor, at=now, data=data))
    return True


def _audit_quiet(
    action: PlannedAction,
    entries: list[LedgerEntry],
    raised_at: datetime,
    audit: AuditTrail,
    now: datetime,
) -> None:
    declared = next((e for e in entries if e.type is EntryType.INCIDENT_DECLARED), None)
    rule_id = declared.data.get("rule_id") if declared is not None else None
    if not rule_id:
        return  # a declared-by-hand incident has no rule to watch: the operator's word stands
    windows, last = audit.activity_since(action.store_id, str(rule_id), raised_at, now)
    if windows:
        raise PermanentActionFailure(
            f"{action.action_id}: the audit trail still shows {rule_id} activity on {action.store_id} after the "
            f"task was raised (last signal {last}): the calls have not stopped; the task is not done yet"
        )


def record_action_failure(request: ActionFailureRequest, ledger: Ledger, now: datetime) -> ActionOutcome:
    """A permanently failed action is recorded; the rest of the isolation map carries on."""
    action = request.action
    facts = failure_facts(f"isolate:{action.action_id}", request.error)
    ledger.append(
        request.incident_id,
        EntryDraft(type=EntryType.ACTION_FAILED, actor=ACTOR, at=now, data={**facts, "kind": action.kind.value}),
    )
    return ActionOutcome(
        action_id=action.action_id, kind=action.kind, status=ActionStatus.FAILED, detail=facts["error"]
    )


# --- restore -------------------------------------------------------------------------------


def plan_restore(request: RestoreRequest, journal: ActionJournal, config: FirmConfig) -> RestorePlan:
    """Every applied, not yet reverted action of the incident, newest first.

    An action whose earlier restore failed its read-back (`action.failed`, phase restore) is not
    reverted: it is planned again. Who restores must be a person of the roster (or an IAM
    principal): anyone may start the machine, so its input is checked here, not trusted.
    """
    restored_by = vouch_actor(config, request.restored_by).actor
    request = request.model_copy(update={"restored_by": restored_by})
    entries = list(journal.entries(request.incident_id))
    if not entries:
        raise UnknownIncident(f"no incident {request.incident_id} in the ledger: check the id (bulkhead status)")
    reverted = {e.data.get("action_id") for e in entries if e.type is EntryType.ACTION_REVERTED}
    applied: list[RevertActionRequest] = []
    for entry in reversed(entries):
        action_id = entry.data.get("action_id")
        fresh = all(a.action_id != action_id for a in applied)
        if entry.type is EntryType.ACTION_APPLIED and action_id not in reverted and fresh:
            applied.append(
                RevertActionRequest(
                    incident_id=request.incident_id,
                    mode=request.mode,
                    action_id=action_id,
                    kind=entry.data["kind"],
                    restored_by=request.restored_by,
                )
            )
    return RestorePlan(
        incident_id=request.incident_id,
        mode=request.mode,
        restored_by=request.restored_by,
        actions=tuple(applied),
        already_reverted=len({a for a in reverted if a}),
    )


def stored_action(request: RevertActionRequest, vault: PreStateVault) -> PlannedAction:
    """The action as it was applied (its store and target live in the encrypted pre-state)."""
    stored = vault.get(request.incident_id, request.action_id)
    if stored is None:
        raise NothingToRestore(f"{request.action_id}: no pre-state was stored for incident {request.incident_id}")
    return stored[0].action


def revert_action(
    request: RevertActionRequest,
    catalogue: ActionCatalogue,
    ledger: Ledger,
    journal: ActionJournal,
    vault: PreStateVault,
    now: datetime,
) -> RevertOutcome:
    """Undo one action from its pre-state, then read the platform back against that pre-state.

    The entry records `before` and `after` (summaries, no personal data) and `verified`. A read-back
    that does not show the pre-state records `action.failed` (phase restore) with the reason, and
    the action counts as failed: the state machine pages on-call, and the next restore tries it again.
    """
    incident_id, action_id, actor = request.incident_id, request.action_id, request.restored_by
    if EntryType.ACTION_REVERTED in _recorded(journal.entries(incident_id), action_id):
        return RevertOutcome(action_id=action_id, kind=request.kind, status=RevertStatus.ALREADY_REVERTED)
    stored = vault.get(incident_id, action_id)
    if stored is None:
        raise NothingToRestore(f"{action_id}: no pre-state was stored for incident {incident_id}")
    pre, digest = stored
    facts = {**_facts(pre.action), "pre_state_sha256": digest}
    if request.mode is Mode.DRY_RUN:
        return RevertOutcome(action_id=action_id, kind=request.kind, status=RevertStatus.WOULD_REVERT)
    executor = catalogue.executor(pre.action)
    if executor is None or executor.manual_instructions(pre.action, pre.state) is not None:
        detail = (
            f"Manual restore for incident {incident_id}: undo {pre.action.kind.value} on {pre.action.target} in "
            f"store {pre.action.store_id} (the pre-state is in the vault under {action_id})."
        )
        data = {**facts, "status": RevertStatus.MANUAL_TASK.value}
        ledger.append(incident_id, EntryDraft(type=EntryType.ACTION_MANUAL_TASK, actor=actor, at=now, data=data))
        return RevertOutcome(action_id=action_id, kind=request.kind, status=RevertStatus.MANUAL_TASK, detail=detail)
    changed = executor.revert(pre.action, pre.state)
    check = executor.restore_check(pre.action, pre.state)
    if changed is None:
        status = RevertStatus.NOT_REVERSIBLE
    else:
        status = RevertStatus.REVERTED if check.verified else RevertStatus.FAILED
    data = {
        **facts,
        "status": status.value,
        "changed": changed or 0,
        "before": check.before,
        "after": check.after,
        "verified": check.verified,
        "reason": check.reason,
    }
    if status is RevertStatus.FAILED:
        data |= {"phase": "restore", "step": f"restore:{action_id}", "error": "RestoreNotVerified"}
    entry_type = EntryType.ACTION_FAILED if status is RevertStatus.FAILED else EntryType.ACTION_REVERTED
    ledger.append(incident_id, EntryDraft(type=entry_type, actor=actor, at=now, data=data))
    return RevertOutcome(
        action_id=action_id,
        kind=request.kind,
        status=status,
        changed=changed or 0,
        detail=check.reason,
        before=check.before,
        after=check.after,
        verified=check.verified,
    )


def record_revert_failure(request: RevertFailureRequest, ledger: Ledger, now: datetime) -> RevertOutcome:
    facts = failure_facts(f"restore:{request.action_id}", request.error)
    data = {**facts, "action_id": request.action_id, "kind": request.kind.value, "phase": "restore"}
    ledger.append(
        request.incident_id, EntryDraft(type=EntryType.ACTION_FAILED, actor=request.restored_by, at=now, data=data)
    )
    return RevertOutcome(
        action_id=request.action_id, kind=request.kind, status=RevertStatus.FAILED, detail=facts["error"]
    )


def close_restore(request: RestoreCloseRequest, ledger: Ledger, now: datetime) -> RestoreOutcome:
    def count(*statuses: RevertStatus) -> int:
        return sum(1 for r in request.reverts if r.status in statuses)

    outcome = RestoreOutcome(
        incident_id=request.incident_id,
        mode=request.mode,
        restored_by=request.restored_by,
        reverted=sum(1 for r in request.reverts if r.status is RevertStatus.REVERTED and r.changed > 0),
        unchanged=sum(1 for r in request.reverts if r.status is RevertStatus.REVERTED and r.changed == 0),
        already_reverted=count(RevertStatus.ALREADY_REVERTED) + request.already_reverted,
        would_revert=count(RevertStatus.WOULD_REVERT),
        not_reversible=count(RevertStatus.NOT_REVERSIBLE),
        manual_tasks=count(RevertStatus.MANUAL_TASK),
        failed=count(RevertStatus.FAILED),
        verified=sum(1 for r in request.reverts if r.verified),
        failed_actions=tuple(sorted(r.action_id for r in request.reverts if r.status is RevertStatus.FAILED)),
        modes_cleared=request.modes_cleared,
        modes_failed=request.modes_failed,
        actions=request.reverts,
    )
    data = outcome.model_dump(mode="json", exclude={"incident_id", "actions", "restored_by"})
    ledger.append(
        request.incident_id,
        EntryDraft(type=EntryType.RESTORE_COMPLETED, actor=request.restored_by, at=now, data=data),
    )
    return outcome
