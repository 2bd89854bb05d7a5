"""What the approver weighs, from the ledger: the incident and the plan's blast radius. Pure.

Kept apart from the page's markup so the page can change its templating without touching this.
"""

import html
from collections.abc import Iterable

from functions.common.models import Message
from functions.ledger.models import EntryType, LedgerEntry


class Briefing(Message):
    store_id: str
    severity: str
    data_categories: tuple[str, ...]
    customers: int
    actions: tuple[str, ...]
    modes: tuple[str, ...]
    notify: bool
    reasons: tuple[str, ...]


def briefing(entries: Iterable[LedgerEntry]) -> Briefing | None:
    """The declared incident and its planned response; None before both are recorded."""
    ordered = list(entries)
    declared = next((e.data for e in ordered if e.type is EntryType.INCIDENT_DECLARED), None)
    planned = next((e.data for e in ordered if e.type is EntryType.RESPONSE_PLANNED), None)
    if declared is None or planned is None:
        return None
    return Briefing(
        store_id=str(declared.get("store_id", "")),
        severity=str(declared.get("severity", "")),
        data_categories=tuple(str(c) for c in declared.get("data_categories", [])),
        customers=int(declared.get("customers", 0)),
        actions=tuple(str(a) for a in planned.get("actions", [])),
        modes=tuple(str(m) for m in planned.get("modes", [])),
        notify=bool(planned.get("notify")),
        reasons=tuple(str(r) for r in planned.get("approval_reasons", [])),
    )


def briefing_html(b: Briefing) -> str:
    """The briefing as a definition list, every value escaped."""
    rows = {
        "Store": b.store_id,
        "Severity": b.severity,
        "Data at stake": ", ".join(b.data_categories) or "-",
        "Customers known": str(b.customers),
        "Planned actions": f"{len(b.actions)}: " + (", ".join(b.actions) or "none"),
        "Degradation modes": ", ".join(b.modes) or "none",
        "Customer notice": "planned" if b.notify else "not planned",
        "Why approval is needed": "; ".join(b.reasons) or "-",
    }
    items = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in rows.items())
    return f'<dl id="briefing">{items}</dl>'
