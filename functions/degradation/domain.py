"""Set a store's degradation modes from the response plan, with an expiry, and record it."""

from datetime import datetime, timedelta

from functions.common.config import Mode
from functions.degradation.models import DegradationOutcome, SetModeRequest, StoreControls
from functions.degradation.ports import ControlsStore
from functions.ledger.models import EntryDraft, EntryType
from functions.ledger.ports import Ledger

ACTOR = "degradation"


def set_modes(request: SetModeRequest, controls: ControlsStore, ledger: Ledger, now: datetime) -> DegradationOutcome:
    plan = request.degradation
    expires_at = now + timedelta(minutes=plan.ttl_minutes)
    data = {
        "store_id": request.store_id,
        "modes": [m.value for m in plan.modes],
        "expires_at": expires_at.isoformat(),
        "applied": request.mode is not Mode.DRY_RUN,
    }
    if not plan.modes or request.mode is Mode.DRY_RUN:
        ledger.append(request.incident_id, EntryDraft(type=EntryType.DEGRADATION_SET, actor=ACTOR, at=now, data=data))
        return DegradationOutcome(store_id=request.store_id, modes=plan.modes, applied=False)
    current = controls.current(request.store_id)
    wanted = StoreControls(
        store_id=request.store_id,
        modes=plan.modes,
        incident_id=request.incident_id,
        message=plan.message,
        expires_at=expires_at,
        version=current.version + 1,
    )
    if (current.modes, current.incident_id) != (wanted.modes, wanted.incident_id):
        current = controls.put(wanted)
    ledger.append(request.incident_id, EntryDraft(type=EntryType.DEGRADATION_SET, actor=ACTOR, at=now, data=data))
    return DegradationOutcome(
        store_id=request.store_id, modes=current.modes, applied=True, expires_at=current.expires_at
    )
