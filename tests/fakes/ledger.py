"""An in-memory ledger store for domain tests: the same conditional-append contract as DynamoDB."""

from collections.abc import Iterator

from functions.ledger.models import LedgerEntry


class MemoryLedgerStore:
    def __init__(self) -> None:
        self.chains: dict[str, list[LedgerEntry]] = {}

    def head(self, incident_id: str) -> LedgerEntry | None:
        chain = self.chains.get(incident_id, [])
        return chain[-1] if chain else None

    def put_new(self, entry: LedgerEntry) -> bool:
        """Append only if `entry.seq` is the next free sequence number, as the conditional PutItem does."""
        chain = self.chains.setdefault(entry.incident_id, [])
        if len(chain) != entry.seq:
            return False
        chain.append(entry)
        return True

    def entries(self, incident_id: str) -> Iterator[LedgerEntry]:
        yield from self.chains.get(incident_id, [])

    def entries_list(self, incident_id: str) -> list[LedgerEntry]:
        return list(self.chains.get(incident_id, []))
