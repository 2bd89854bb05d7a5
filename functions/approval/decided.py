"""Who decided an approval, and when: what a second decision is told instead of a bare refusal. Pure."""

from collections.abc import Iterable

from functions.ledger.models import EntryType, LedgerEntry

_VERBS = {
    EntryType.APPROVAL_GRANTED: "approved",
    EntryType.APPROVAL_REJECTED: "rejected",
    EntryType.APPROVAL_EXPIRED: "expired unanswered",
}


def last_decision(entries: Iterable[LedgerEntry]) -> str | None:
    """`approved by NAME at TIME UTC (via cli)` for the newest decision; None when none was recorded."""
    decided = [e for e in entries if e.type in _VERBS]
    if not decided:
        return None
    last = decided[-1]
    who = last.actor.removeprefix("operator:")
    via = f" (via {last.data['via']})" if last.data.get("via") else ""
    if last.type is EntryType.APPROVAL_EXPIRED:
        return f"expired unanswered at {last.at:%Y-%m-%d %H:%M:%S} UTC"
    return f"{_VERBS[last.type]} by {who} at {last.at:%Y-%m-%d %H:%M:%S} UTC{via}"
