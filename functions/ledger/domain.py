"""Hash chain arithmetic: pure, no I/O.

entry.hash = SHA-256(bytes(prev_hash) || RFC 8785 canonical JSON of the entry without its hash).
"""

import hashlib
from collections.abc import Iterable
from typing import Any

import rfc8785

from functions.common.errors import LedgerWriteConflict
from functions.ledger.models import GENESIS_HASH, ChainVerdict, EntryDraft, EntryType, LedgerEntry
from functions.ledger.ports import LedgerStore


def canonical(body: dict[str, Any]) -> bytes:
    return rfc8785.dumps(body)


def chain_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical(body)).hexdigest()


def next_entry(incident_id: str, head: LedgerEntry | None, draft: EntryDraft) -> LedgerEntry:
    """The entry that follows `head` (or opens the chain) for this draft."""
    seq = 0 if head is None else head.seq + 1
    prev_hash = GENESIS_HASH if head is None else head.hash
    unsealed = LedgerEntry(
        incident_id=incident_id,
        seq=seq,
        type=draft.type,
        actor=draft.actor,
        at=draft.at,
        data=draft.data,
        prev_hash=prev_hash,
        hash=GENESIS_HASH,
    )
    return unsealed.model_copy(update={"hash": chain_hash(prev_hash, unsealed.body())})


def verify_chain(incident_id: str, entries: Iterable[LedgerEntry]) -> ChainVerdict:
    """Recompute the chain; name the first entry that breaks it."""
    expected_prev = GENESIS_HASH
    count = 0
    for expected_seq, entry in enumerate(entries):
        count += 1
        problem = _first_problem(incident_id, expected_seq, expected_prev, entry)
        if problem:
            return ChainVerdict(
                incident_id=incident_id,
                entries=count,
                valid=False,
                head_hash=expected_prev,
                first_bad_seq=expected_seq,
                problem=problem,
            )
        expected_prev = entry.hash
    return ChainVerdict(incident_id=incident_id, entries=count, valid=True, head_hash=expected_prev)


def _first_problem(incident_id: str, seq: int, prev_hash: str, entry: LedgerEntry) -> str | None:
    if entry.incident_id != incident_id:
        return f"entry belongs to incident {entry.incident_id!r}"
    if entry.seq != seq:
        return f"expected seq {seq}, found {entry.seq} (entry missing, inserted or reordered)"
    if entry.prev_hash != prev_hash:
        return "prev_hash does not match the previous entry's hash"
    if chain_hash(entry.prev_hash, entry.body()) != entry.hash:
        return "content does not match its hash (entry modified)"
    return None


class ChainedLedger:
    """Appends to one chain per incident; concurrent writers never fork it.

    Each append is a conditional write on the next free `seq`: the loser of a race re-reads the
    head and tries again on top of the winner's entry.
    """

    def __init__(self, store: LedgerStore, max_attempts: int = 50) -> None:
        self._store = store
        self._max_attempts = max_attempts

    def append(self, incident_id: str, draft: EntryDraft) -> LedgerEntry:
        for _ in range(self._max_attempts):
            entry = next_entry(incident_id, self._store.head(incident_id), draft)
            if self._store.put_new(entry):
                return entry
        raise LedgerWriteConflict(f"no free sequence number after {self._max_attempts} attempts")

    def open_chain(self, incident_id: str, draft: EntryDraft) -> LedgerEntry | None:
        """Write the first entry of a new chain; None if the chain already exists (someone opened it)."""
        entry = next_entry(incident_id, None, draft)
        return entry if self._store.put_new(entry) else None

    def has_entry(self, incident_id: str, entry_type: EntryType) -> bool:
        return any(e.type is entry_type for e in self._store.entries(incident_id))

    def verify(self, incident_id: str) -> ChainVerdict:
        return verify_chain(incident_id, self._store.entries(incident_id))
