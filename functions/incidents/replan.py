"""What an escalation adds to the response: the plan at the new severity, less what was planned. Pure.

The response recorded its plan (`response.planned`), and each earlier escalation what it added
(`incident.escalated`: `actions_added`, `modes_added`). The plan the incident would have had at the
new severity, with the added data categories and customers, comes from the planner the response
uses (`response.domain.plan_for`). An action of a kind planned before (applied, failed, waiting,
reverted or still to run) is not planned again, nor a mode planned before: only the rest runs.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from functions.common.config import FirmConfig, Mode
from functions.containment.models import PlannedAction
from functions.degradation.models import DegradationMode
from functions.detection.models import Incident
from functions.ledger.models import EntryType, LedgerEntry
from functions.response.domain import approval_reasons, plan_for
from functions.response.models import ResponsePlan

_ACTION_ENTRIES = {
    EntryType.ACTION_PLANNED,
    EntryType.ACTION_APPLIED,
    EntryType.ACTION_VERIFIED,
    EntryType.ACTION_FAILED,
    EntryType.ACTION_MANUAL_TASK,
    EntryType.ACTION_REVERTED,
}


@dataclass(frozen=True)
class Difference:
    """The added actions and modes, and the plan the Escalation state machine runs."""

    actions: tuple[PlannedAction, ...]
    modes: tuple[DegradationMode, ...]
    plan: ResponsePlan

    @property
    def empty(self) -> bool:
        return not self.actions and not self.modes


def planned_before(entries: Iterable[LedgerEntry]) -> tuple[set[str], tuple[str, ...]]:
    """The action kinds and the modes the incident's record planned so far."""
    kinds: set[str] = set()
    modes: list[str] = []
    for e in entries:
        if e.type is EntryType.RESPONSE_PLANNED:
            kinds |= {str(k) for k in e.data.get("actions", [])}
            modes += [str(m) for m in e.data.get("modes", [])]
        elif e.type is EntryType.INCIDENT_ESCALATED:
            kinds |= {str(a["kind"]) for a in e.data.get("actions_added", [])}
            modes += [str(m) for m in e.data.get("modes_added", [])]
        elif e.type in _ACTION_ENTRIES and e.data.get("kind"):
            kinds.add(str(e.data["kind"]))
    return kinds, tuple(dict.fromkeys(modes))


def difference(
    incident: Incident, mode: Mode, entries: Iterable[LedgerEntry], config: FirmConfig, escalation: int
) -> Difference:
    """The plan at the incident's (new) facts, less what was planned; its actions get ids of their
    own (`act-e<escalation>-...`), so their idempotency keys and pre-states never meet the response's."""
    full = plan_for(incident, mode, config)
    kinds, modes = planned_before(entries)
    actions = tuple(
        a.model_copy(update={"action_id": f"act-e{escalation}-{a.action_id.removeprefix('act-')}"})
        for a in full.actions
        if a.kind.value not in kinds
    )
    added = tuple(m for m in full.degradation.modes if m.value not in modes)
    # A mode rule replaces its segment's rule: the machine sets the modes in force and the added ones.
    in_force = tuple(DegradationMode(m) for m in modes if m in {d.value for d in DegradationMode})
    reasons = approval_reasons(incident, actions, config) if actions or added else ()
    if reasons:
        reasons = (_what(escalation, incident, actions, added), *reasons)
    plan = full.model_copy(
        update={
            "actions": actions,
            "degradation": full.degradation.model_copy(update={"modes": tuple(dict.fromkeys((*in_force, *added)))}),
            "approval_required": bool(reasons) and mode is not Mode.DRY_RUN,
            "approval_reasons": reasons,
        }
    )
    return Difference(actions=actions, modes=added, plan=plan)


def _what(
    escalation: int, incident: Incident, actions: tuple[PlannedAction, ...], modes: tuple[DegradationMode, ...]
) -> str:
    """What the approver is asked about: the added actions and modes only."""
    kinds = ", ".join(dict.fromkeys(a.kind.value for a in actions)) or "none"
    return (
        f"escalation {escalation} to {incident.severity.value} adds {len(actions)} actions ({kinds}) "
        f"and modes {', '.join(m.value for m in modes) or 'none'}"
    )
