"""Who decided an approval, and when: what a second decision is told instead of a bare refusal. Pure."""

from collections.abc import Iterable

from functions.ledger.models import EntryType, LedgerEntry

_VERBS = {
    EntryType.APPROVAL_GRANTED: "approved",
    EntryType.APPROVAL_REJECTED: "rejected",
    EntryType.APPROVAL_EXPIRED: "expired unanswered",
}
_REVIEW_VERBS = {
    EntryType.NOTICE_REVIEW_APPROVED: "approved",
    EntryType.NOTICE_REVIEW_REJECTED: "rejected",
    EntryType.NOTICE_REVIEW_EXPIRED: "expired unanswered",
}
_EXPIRED = (EntryType.APPROVAL_EXPIRED, EntryType.NOTICE_REVIEW_EXPIRED)


def last_decision(entries: Iterable[LedgerEntry], notice: bool = False) -> str | None:
    """`approved by NAME at TIME UTC (via cli)` for the newest decision (of the response's approval,
    or with `notice` of the customer-notice review); None when none was recorded."""
    verbs = _REVIEW_VERBS if notice else _VERBS
    decided = [e for e in entries if e.type in verbs]
    if not decided:
        return None
    last = decided[-1]
    who = str(last.data.get("person") or last.data.get("approved_by") or last.actor.split(":", 1)[-1])
    via = f" (via {last.data['via']})" if last.data.get("via") else ""
    if last.type in _EXPIRED:
        return f"expired unanswered at {last.at:%Y-%m-%d %H:%M:%S} UTC"
    return f"{verbs[last.type]} by {who} at {last.at:%Y-%m-%d %H:%M:%S} UTC{via}"
