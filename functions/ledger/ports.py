"""What the ledger needs from storage, signing and WORM storage, and what steps need from the ledger."""

from collections.abc import Iterator
from typing import Protocol

from functions.ledger.models import Anchor, ChainVerdict, EntryDraft, EntryType, LedgerEntry, SealedEntry


class LedgerStore(Protocol):
    def head(self, incident_id: str) -> LedgerEntry | None: ...

    def put_new(self, entry: LedgerEntry) -> bool:
        """Write the entry if its seq is still free; False when another writer took it."""
        ...

    def entries(self, incident_id: str) -> Iterator[LedgerEntry]: ...


class SealedSource(Protocol):
    def sealed(self, incident_id: str) -> Iterator[SealedEntry]:
        """The stored entries in `seq` order, as the exact bytes that were hashed."""
        ...


class HeadSigner(Protocol):
    """An asymmetric signing key whose private half never leaves the key service."""

    @property
    def key_id(self) -> str: ...

    def sign(self, message: bytes) -> bytes:
        """DER-encoded ECDSA P-256 / SHA-256 signature of `message`."""
        ...

    def public_key_pem(self) -> str: ...


class AnchorStore(Protocol):
    def put(self, incident_id: str, name: str, anchor: Anchor) -> bool:
        """Write once under `name`; False if an anchor of that name exists already."""
        ...

    def anchors(self, incident_id: str) -> list[Anchor]: ...


class Ledger(Protocol):
    def append(self, incident_id: str, draft: EntryDraft) -> LedgerEntry: ...

    def open_chain(self, incident_id: str, draft: EntryDraft) -> LedgerEntry | None: ...

    def has_entry(self, incident_id: str, entry_type: EntryType) -> bool: ...

    def verify(self, incident_id: str) -> ChainVerdict: ...
