"""Set, clear and check a store's degradation modes; every change is a ledger entry.

A change is written to the store's controls (the one source of truth, versioned), then projected
to the platform's own gates (Shopify: a shop metafield and the payment customization's activation),
then recorded: on the incident's chain when the change belongs to an incident, and always on the
store's own `controls-<store>` chain, so the full history of a store's modes is one verifiable chain.
"""

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta

from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt

from functions.common.config import Mode
from functions.common.errors import BulkheadError, TransientPlatformError
from functions.degradation.errors import ControlsConflict, ControlsUnavailable
from functions.degradation.models import (
    ChangeResult,
    ClearedRule,
    DegradationOutcome,
    ExpiryReport,
    IncidentModesCleared,
    IncidentModesRequest,
    ModeChange,
    ModeClear,
    ModeRule,
    OverdueRule,
    SetModeRequest,
    StoreControls,
    active_modes,
)
from functions.degradation.ports import ControlsStore, ModesProjector, OverdueAlarm
from functions.ledger.chains import store_chain
from functions.ledger.models import EntryDraft, EntryType, LedgerEntry
from functions.ledger.ports import Ledger

ACTOR = "degradation"
WRITE_ATTEMPTS = 5


def set_modes(
    request: SetModeRequest, controls: ControlsStore, ledger: Ledger, projector: ModesProjector, now: datetime
) -> DegradationOutcome:
    """The response plan's degradation: the state machine's SetDegradationMode step."""
    plan = request.degradation
    expires_at = now + timedelta(minutes=plan.ttl_minutes)
    modes = active_modes(plan.modes)
    data = {
        "store_id": request.store_id,
        "segment": plan.segment,
        "modes": [m.value for m in modes],
        "expires_at": expires_at.isoformat(),
        "applied": bool(modes) and request.mode is not Mode.DRY_RUN,
    }
    if not modes or request.mode is Mode.DRY_RUN:
        ledger.append(request.incident_id, EntryDraft(type=EntryType.DEGRADATION_SET, actor=ACTOR, at=now, data=data))
        return DegradationOutcome(store_id=request.store_id, modes=modes, applied=False, segment=plan.segment)
    change = ModeChange(
        store_id=request.store_id,
        modes=modes,
        segment=plan.segment,
        ttl_minutes=plan.ttl_minutes,
        message=plan.message,
        incident_id=request.incident_id,
        actor=ACTOR,
        reason="response plan",
    )
    result = change_modes(change, controls, ledger, projector, now)
    return DegradationOutcome(
        store_id=request.store_id,
        modes=modes,
        applied=True,
        expires_at=expires_at,
        segment=plan.segment,
        projection=result.projection,
    )


def change_modes(
    change: ModeChange, controls: ControlsStore, ledger: Ledger, projector: ModesProjector, now: datetime
) -> ChangeResult:
    """Set (or renew) the rule of one segment, or of the whole store."""
    rule = ModeRule(
        segment=change.segment,
        modes=change.modes,
        incident_id=change.incident_id,
        message=change.message,
        payment_methods=tuple(p.strip().lower() for p in change.payment_methods if p.strip()),
        set_by=change.actor,
        set_at=now,
        expires_at=now + timedelta(minutes=change.ttl_minutes),
    )

    def apply(current: StoreControls) -> tuple[ModeRule, ...]:
        previous = current.rule(change.segment)
        if previous is not None and _same_rule(previous, rule) and previous.expires_at >= rule.expires_at:
            return current.rules  # a retried step or a repeated command: nothing to change
        return (*[r for r in current.rules if r.segment != change.segment], rule)

    stored, changed = _write(change.store_id, apply, controls)
    data = {
        "store_id": change.store_id,
        "segment": change.segment,
        "modes": [m.value for m in rule.modes],
        "expires_at": rule.expires_at.isoformat(),
        "version": stored.version,
        "changed": changed,
        "reason": change.reason,
        "applied": True,
    }
    projection = _project(projector, stored, ledger, EntryType.DEGRADATION_SET, change, now, data)
    return _result(stored, changed, projection)


def clear_modes(
    clear: ModeClear, controls: ControlsStore, ledger: Ledger, projector: ModesProjector, now: datetime
) -> ChangeResult:
    """Return one segment, the store-wide rule, or everything (`all_segments`) to normal."""

    def apply(current: StoreControls) -> tuple[ModeRule, ...]:
        if clear.all_segments:
            return ()
        return tuple(r for r in current.rules if r.segment != clear.segment)

    stored, changed = _write(clear.store_id, apply, controls)
    data = {
        "store_id": clear.store_id,
        "segment": "*" if clear.all_segments else clear.segment,
        "remaining_rules": len(stored.rules),
        "version": stored.version,
        "changed": changed,
        "reason": clear.reason,
    }
    projection = _project(projector, stored, ledger, EntryType.DEGRADATION_CLEARED, clear, now, data)
    return _result(stored, changed, projection)


def clear_incident_modes(
    request: IncidentModesRequest,
    entries: Iterable[LedgerEntry],
    controls: ControlsStore,
    ledger: Ledger,
    projectors: Callable[[str], ModesProjector],
    now: datetime,
) -> IncidentModesCleared:
    """Restore's last step: every rule this incident set and that is still in force returns to normal.

    Only the incident's own rules go: a rule that a person or another incident set for a segment
    since (a different `incident_id` on the rule) stays. Repeating the step changes nothing.
    """
    stores = sorted(
        {str(e.data["store_id"]) for e in entries if e.type is EntryType.DEGRADATION_SET and e.data.get("store_id")}
    )
    cleared: list[ClearedRule] = []
    kept = 0
    for store_id in stores:
        mine = [r for r in controls.current(store_id).rules if r.incident_id == request.incident_id]
        if not mine or request.mode is Mode.DRY_RUN:
            continue

        def apply(current: StoreControls) -> tuple[ModeRule, ...]:
            return tuple(r for r in current.rules if r.incident_id != request.incident_id)

        stored, changed = _write(store_id, apply, controls)
        kept += len(stored.rules)
        gone = [ClearedRule(store_id=store_id, segment=r.segment, modes=r.modes) for r in mine]
        clear = ModeClear(
            store_id=store_id, incident_id=request.incident_id, actor=request.actor or ACTOR, reason=request.reason
        )
        data = {
            "store_id": store_id,
            "segments": [r.segment or "*" for r in mine],
            "modes": sorted({m.value for r in mine for m in r.modes}),
            "remaining_rules": len(stored.rules),
            "version": stored.version,
            "changed": changed,
            "reason": clear.reason,
        }
        _project(projectors(store_id), stored, ledger, EntryType.DEGRADATION_CLEARED, clear, now, data)
        cleared += gone if changed else []
    return IncidentModesCleared(incident_id=request.incident_id, cleared=tuple(cleared), kept=kept)


def check_expiry(store_ids: Iterable[str], controls: ControlsStore, alarm: OverdueAlarm, now: datetime) -> ExpiryReport:
    """Find rules that outlived their expiry without renewal, and raise the alarm's metric.

    An overdue rule stays in force: a gate never drops protection on its own. Someone decides:
    `bulkhead degrade ... --ttl` renews it, `bulkhead degrade STORE --clear` ends it.
    """
    overdue: list[OverdueRule] = []
    unreachable: list[str] = []
    checked = active = 0
    for store_id in store_ids:
        try:
            current = controls.current(store_id)
        except ControlsUnavailable:
            unreachable.append(store_id)
            continue
        checked += 1
        active += len(current.rules)
        overdue.extend(
            OverdueRule(
                store_id=store_id,
                segment=r.segment,
                modes=r.modes,
                incident_id=r.incident_id,
                expires_at=r.expires_at,
                overdue_minutes=int((now - r.expires_at).total_seconds() // 60),
            )
            for r in current.rules
            if r.expires_at <= now
        )
    report = ExpiryReport(
        checked_stores=checked, active_rules=active, overdue=tuple(overdue), unreachable=tuple(unreachable)
    )
    alarm.raise_overdue(report)
    return report


def _project(
    projector: ModesProjector,
    stored: StoreControls,
    ledger: Ledger,
    entry_type: EntryType,
    request: ModeChange | ModeClear,
    now: datetime,
    data: Mapping[str, object],
) -> str:
    """Project, then record; a failed projection is recorded too (the table already holds the change)."""
    try:
        projection = projector.project(stored)
    except BulkheadError as exc:
        failed = {**data, "projection": f"failed: {type(exc).__name__}: {str(exc)[:200]}"}
        _record(ledger, entry_type, request.store_id, request.incident_id, request.actor, now, failed)
        raise
    _record(
        ledger,
        entry_type,
        request.store_id,
        request.incident_id,
        request.actor,
        now,
        {**data, "projection": projection},
    )
    return projection


def _same_rule(a: ModeRule, b: ModeRule) -> bool:
    keys = ("modes", "incident_id", "message", "payment_methods")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


def _write(
    store_id: str, apply: Callable[[StoreControls], tuple[ModeRule, ...]], controls: ControlsStore
) -> tuple[StoreControls, bool]:
    """Read, change, write with the version check; a concurrent writer makes us re-read and re-apply
    at once (no wait: the conflict means the other write already landed)."""

    def once() -> tuple[StoreControls, bool]:
        current = controls.current(store_id)
        rules = apply(current)
        if rules == current.rules:
            return current, False
        wanted = StoreControls(store_id=store_id, rules=rules, version=current.version + 1)
        return controls.put(wanted), True

    try:
        return Retrying(retry=retry_if_exception_type(ControlsConflict), stop=stop_after_attempt(WRITE_ATTEMPTS))(once)
    except RetryError as exc:
        raise TransientPlatformError(
            f"store {store_id} controls kept changing during {WRITE_ATTEMPTS} attempts"
        ) from exc


def _record(
    ledger: Ledger,
    entry_type: EntryType,
    store_id: str,
    incident_id: str | None,
    actor: str,
    now: datetime,
    data: Mapping[str, object],
) -> None:
    draft = EntryDraft(type=entry_type, actor=actor, at=now, data={**data, "incident_id": incident_id})
    if incident_id:
        ledger.append(incident_id, draft)
    ledger.append(store_chain(store_id), draft)


def _result(stored: StoreControls, changed: bool, projection: str) -> ChangeResult:
    return ChangeResult(
        store_id=stored.store_id,
        version=stored.version,
        changed=changed,
        modes={(r.segment or "*"): r.modes for r in stored.rules},
        projection=projection,
    )
