"""The in-memory ledger doubles every test uses: a store with the same conditional-append contract as
DynamoDB (and writers that lose the race to it), and a ledger (the `Ledger` port) that chains
entries as the real one does."""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from functions.ledger.domain import ChainedLedger, next_entry
from functions.ledger.models import ChainVerdict, EntryDraft, EntryType, LedgerEntry

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def draft(n: int) -> EntryDraft:
    """The n-th of a run of distinct entries, a second apart."""
    return EntryDraft(type=EntryType.ACTION_APPLIED, actor="containment", at=T0 + timedelta(seconds=n), data={"n": n})


class MemoryLedgerStore:
    def __init__(self) -> None:
        self.chains: dict[str, list[LedgerEntry]] = {}
        self.refuse_next = 0  # this many appends lose the race to a rival writer

    def head(self, incident_id: str) -> LedgerEntry | None:
        chain = self.chains.get(incident_id, [])
        return chain[-1] if chain else None

    def put_new(self, entry: LedgerEntry) -> bool:
        """Append only if `entry.seq` is the next free sequence number, as the conditional PutItem does."""
        if self.refuse_next:
            # Another writer won this sequence number: its entry lands first.
            self.refuse_next -= 1
            rival = EntryDraft(type=EntryType.STEP_FAILED, actor="rival", at=T0)
            ChainedLedger(self).append(entry.incident_id, rival)
            return False
        chain = self.chains.setdefault(entry.incident_id, [])
        if len(chain) != entry.seq:
            return False
        chain.append(entry)
        return True

    def entries(self, incident_id: str) -> Iterator[LedgerEntry]:
        yield from self.chains.get(incident_id, [])

    def entries_list(self, incident_id: str) -> list[LedgerEntry]:
        return list(self.chains.get(incident_id, []))


class AlwaysTaken(MemoryLedgerStore):
    """Every sequence number is taken by someone else by the time this writer tries."""

    def __init__(self) -> None:
        super().__init__()
        self.attempts = 0

    def put_new(self, entry: LedgerEntry) -> bool:
        self.attempts += 1
        return False


class MemoryLedger:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.entries: dict[str, list[LedgerEntry]] = {}

    def append(self, incident_id: str, draft: EntryDraft) -> LedgerEntry:
        with self._lock:
            chain = self.entries.setdefault(incident_id, [])
            entry = next_entry(incident_id, chain[-1] if chain else None, draft)
            chain.append(entry)
            return entry

    def open_chain(self, incident_id: str, draft: EntryDraft) -> LedgerEntry | None:
        return None if self.entries.get(incident_id) else self.append(incident_id, draft)

    def has_entry(self, incident_id: str, entry_type: EntryType) -> bool:
        return any(e.type is entry_type for e in self.entries.get(incident_id, []))

    def verify(self, incident_id: str) -> ChainVerdict:
        chain = self.entries.get(incident_id, [])
        return ChainVerdict(incident_id=incident_id, entries=len(chain), valid=True, head_hash=chain[-1].hash)
