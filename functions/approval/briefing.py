"""What the approver weighs, from the ledger: the incident and the plan's blast radius. Pure.

Kept apart from the page's markup so the page can change its templating without touching this.
"""

import html
from collections.abc import Iterable
from typing import Any

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
    escalation = _escalation_asked(ordered)
    if escalation is not None:
        # The approval asked for what an escalation adds: the approver weighs that difference only.
        return Briefing(
            store_id=str(declared.get("store_id", "")),
            severity=str(escalation.get("severity", "")),
            data_categories=tuple(
                dict.fromkeys(
                    str(c)
                    for e in ordered
                    if e.type in (EntryType.INCIDENT_DECLARED, EntryType.INCIDENT_ESCALATED)
                    for c in e.data.get("data_categories" if e.type is EntryType.INCIDENT_DECLARED else "added", [])
                )
            ),
            customers=int(escalation.get("customers") or declared.get("customers", 0)),
            actions=tuple(f"{a['kind']} (added by escalation)" for a in escalation.get("actions_added", [])),
            modes=tuple(f"{m} (added by escalation)" for m in escalation.get("modes_added", [])),
            notify=bool(planned.get("notify")),
            reasons=tuple(str(r) for r in escalation.get("approval_reasons", [])),
        )
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


def _escalation_asked(entries: list[LedgerEntry]) -> dict[str, Any] | None:
    """The escalation whose added actions the latest approval request is for, if it is for one."""
    asked = [n for n, e in enumerate(entries) if e.type is EntryType.APPROVAL_REQUESTED]
    gated = [
        n for n, e in enumerate(entries) if e.type is EntryType.INCIDENT_ESCALATED and e.data.get("approval_required")
    ]
    if not asked or not gated or asked[-1] < gated[-1]:
        return None
    return entries[gated[-1]].data


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
