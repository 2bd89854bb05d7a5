"""What the ledger needs from storage, and what steps need from the ledger."""

from collections.abc import Iterator
from typing import Protocol

from functions.ledger.models import ChainVerdict, EntryDraft, EntryType, LedgerEntry


class LedgerStore(Protocol):
    def head(self, incident_id: str) -> LedgerEntry | None: ...

    def put_new(self, entry: LedgerEntry) -> bool:
        """Write the entry if its seq is still free; False when another writer took it."""
        ...

    def entries(self, incident_id: str) -> Iterator[LedgerEntry]: ...


class Ledger(Protocol):
    def append(self, incident_id: str, draft: EntryDraft) -> LedgerEntry: ...

    def open_chain(self, incident_id: str, draft: EntryDraft) -> LedgerEntry | None: ...

    def has_entry(self, incident_id: str, entry_type: EntryType) -> bool: ...

    def verify(self, incident_id: str) -> ChainVerdict: ...
