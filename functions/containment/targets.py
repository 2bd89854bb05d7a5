"""What each planned action acts on, from the incident: a pure mapping the planner uses."""

from functions.containment.models import ActionKind
from functions.detection.models import Incident

_CUSTOMER_KINDS = {ActionKind.SHOPIFY_TAG_CUSTOMERS, ActionKind.MAGENTO_REVOKE_CUSTOMER_TOKENS}


def plan_target(kind: ActionKind, incident: Incident) -> tuple[str, tuple[str, ...]]:
    """(target, subjects) for an action of `kind` planned for `incident` (see docs/containment.md)."""
    if kind in _CUSTOMER_KINDS:
        return "customers", tuple(s for s in incident.scope.subject_ids if s.startswith("customer:"))
    if kind is ActionKind.SHOPIFY_REVOKE_STOREFRONT_TOKEN:
        return "all", ()
    if kind is ActionKind.SHOPIFY_REMOVE_WEBHOOK:
        return "untrusted", ()
    return incident.actor or incident.store_id, ()
