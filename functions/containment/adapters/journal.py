"""Read the incident's ledger entries (the containment steps only read; appends go through the chain)."""

from functions.ledger.models import LedgerEntry
from functions.ledger.ports import LedgerStore


class LedgerJournal:
    def __init__(self, store: LedgerStore) -> None:
        self._store = store

    def entries(self, incident_id: str) -> list[LedgerEntry]:
        return list(self._store.entries(incident_id))
