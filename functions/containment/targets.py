"""What each planned action acts on, from the incident's scope: a pure mapping the planner uses.

Every action kind reads its own kind of reference from the scope (the incident's actor and its
`subject_ids`, typed by prefix), so one incident can lock an admin user *and* disable an
integration. A kind whose reference the scope does not name is planned against `UNIDENTIFIED`:
containment then hands a person a recorded manual task instead of guessing (docs/containment.md).
"""

from dataclasses import dataclass

from functions.containment.models import ActionKind
from functions.detection.models import Incident

UNIDENTIFIED = "unidentified"

CUSTOMER = "customer:"
ADDRESS = "ip:"

_CUSTOMER_KINDS = {ActionKind.SHOPIFY_TAG_CUSTOMERS, ActionKind.MAGENTO_REVOKE_CUSTOMER_TOKENS}

# Kinds that act on one named object each: the reference prefixes that name it, in the scope.
REFERENCES: dict[ActionKind, tuple[str, ...]] = {
    ActionKind.SHOPIFY_REVOKE_APP_ACCESS: ("app:",),
    ActionKind.MAGENTO_LOCK_ADMIN_USER: ("admin_user:", "admin:"),
    ActionKind.MAGENTO_DISABLE_INTEGRATION: ("integration:",),
    ActionKind.MAGENTO_DISABLE_PAYMENT_METHOD: ("payment_method:",),
    ActionKind.AWS_BLOCK_BUCKET_PUBLIC_ACCESS: ("s3:",),
    ActionKind.AWS_ROTATE_SECRET: ("secret:",),
}


@dataclass(frozen=True)
class Target:
    target: str
    subjects: tuple[str, ...] = ()


def references(incident: Incident, prefixes: tuple[str, ...]) -> tuple[str, ...]:
    """The values of the scope's references with one of `prefixes` (actor first), each once."""
    named = (incident.actor or "", *incident.scope.subject_ids)
    found = (ref.removeprefix(p) for ref in named for p in prefixes if ref.startswith(p))
    return tuple(dict.fromkeys(value for value in found if value))


def plan_targets(kind: ActionKind, incident: Incident, waf_ip_set: str | None = None) -> tuple[Target, ...]:
    """One target per object the action acts on (docs/containment.md).

    At least one, except for the per-customer kinds: a scope that names no customer one by one (a
    whole-store export, `store:all`) gets no tagging or token revocation of nobody; the store-wide
    degradation and the notice to every customer cover it.
    """
    if kind in _CUSTOMER_KINDS:
        customers = tuple(s for s in incident.scope.subject_ids if s.startswith(CUSTOMER))
        return (Target("customers", customers),) if customers else ()
    if kind is ActionKind.SHOPIFY_REVOKE_STOREFRONT_TOKEN:
        return (Target("all"),)  # every token Bulkhead's own app issued: the only ones it can see
    if kind is ActionKind.SHOPIFY_ROTATE_CHANNEL_TOKENS:
        return (Target("storefront channels"),)
    if kind is ActionKind.SHOPIFY_REMOVE_WEBHOOK:
        return (Target("untrusted"),)
    if kind is ActionKind.AWS_BLOCK_IPS:
        addresses = tuple(f"{ADDRESS}{a}" for a in references(incident, (ADDRESS,)))
        return (Target(waf_ip_set if waf_ip_set and addresses else UNIDENTIFIED, addresses),)
    named = references(incident, REFERENCES[kind])
    return tuple(Target(value) for value in named) or (Target(UNIDENTIFIED),)
