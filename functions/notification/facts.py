"""What a notice may state, read from the incident's ledger at sending time. Pure.

A customer notice says "we revoked", "we restricted" or "we have informed" only when the ledger
records it: a containment action applied and verified (and not reverted since), a degradation mode
set and still in force, a filing recorded (and not withdrawn) against a clock that notifies an authority. Anything
planned, waiting for approval, failed or drafted is not a fact yet, and the sentence is left out.
"""

from collections.abc import Iterable
from datetime import date, datetime

from functions.clocks.rules import informs_authority
from functions.ledger.models import EntryType, LedgerEntry
from functions.notification.models import NoticeFacts

_FILED = (EntryType.CLOCK_MET, EntryType.CLOCK_FILED_LATE)


def notice_facts(entries: Iterable[LedgerEntry], now: datetime) -> NoticeFacts:
    """The recorded facts of one incident's chain, as of `now`."""
    verified: dict[str, tuple[str, datetime]] = {}
    reverted: set[str] = set()
    modes: dict[tuple[str, str], tuple[str, ...]] = {}
    authorities: dict[str, str] = {}
    filings: list[tuple[str, datetime]] = []
    dora_major = False
    classified_at: datetime | None = None
    for entry in entries:
        data = entry.data
        if entry.type is EntryType.ACTION_VERIFIED:
            verified[str(data.get("action_id"))] = (str(data.get("kind")), entry.at)
        elif entry.type is EntryType.ACTION_REVERTED:
            reverted.add(str(data.get("action_id")))
        elif entry.type is EntryType.DEGRADATION_SET:
            key = (str(data.get("store_id")), str(data.get("segment")))
            modes[key] = _in_force(data, now)
        elif entry.type is EntryType.DEGRADATION_CLEARED:
            segment = str(data.get("segment"))
            for key in [k for k in modes if k[0] == data.get("store_id") and segment in ("*", k[1])]:
                modes[key] = ()
        elif entry.type is EntryType.CLOCK_STARTED:
            authorities[str(data.get("clock"))] = str(data.get("authority"))
        elif entry.type in _FILED or (entry.type is EntryType.CLOCK_MISSED and data.get("reference")):
            filings.append((str(data.get("clock")), datetime.fromisoformat(str(data.get("filed_at", entry.at)))))
        elif entry.type is EntryType.CLOCK_WITHDRAWN:  # a filing recorded in error informed no one
            filings = [(c, at) for c, at in filings if c != data.get("clock")]
        elif entry.type is EntryType.INCIDENT_CLASSIFIED and data.get("regime") == "dora":
            dora_major = bool(data.get("major"))
            at = data.get("classified_at")
            classified_at = datetime.fromisoformat(str(at)) if dora_major and at else None
    kept = [(kind, at) for action_id, (kind, at) in verified.items() if action_id not in reverted]
    informed = [(authorities[c], at) for c, at in filings if c in authorities and informs_authority(c)]
    return NoticeFacts(
        measures=tuple(dict.fromkeys(kind for kind, _ in kept)),
        measures_on=_last_day([at for _, at in kept]),
        modes=tuple(dict.fromkeys(m for ms in modes.values() for m in ms)),
        informed=tuple(dict.fromkeys(a for a, _ in informed)),
        informed_on=_last_day([at for _, at in informed]),
        dora_major=dora_major,
        classified_at=classified_at,
    )


def _last_day(times: list[datetime]) -> date | None:
    return max(times).date() if times else None


def _in_force(data: dict[str, object], now: datetime) -> tuple[str, ...]:
    if not data.get("applied") or str(data.get("projection", "")).startswith("failed"):
        return ()
    expires = data.get("expires_at")
    if expires and datetime.fromisoformat(str(expires)) <= now:
        return ()
    modes = data.get("modes")
    return tuple(str(m) for m in modes if m != "normal") if isinstance(modes, list) else ()
