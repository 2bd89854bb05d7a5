"""The notification phase's own records, read back from the incident's ledger (counts only)."""

from typing import Any

from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.models import EntryType
from functions.notification.models import BatchOutcome, FeedbackCounts


class LedgerBatchRecords:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._store = DynamoLedgerStore(dynamodb, table)

    def outcomes(self, incident_id: str) -> list[BatchOutcome]:
        fields = set(BatchOutcome.model_fields)
        return [
            BatchOutcome.model_validate({k: v for k, v in e.data.items() if k in fields})
            for e in self._store.entries(incident_id)
            if e.type is EntryType.NOTIFICATION_BATCH_SENT
        ]

    def feedback(self, incident_id: str) -> FeedbackCounts:
        totals = {"bounces": 0, "permanent_bounces": 0, "complaints": 0, "deliveries": 0}
        for entry in self._store.entries(incident_id):
            if entry.type is EntryType.NOTIFICATION_FEEDBACK:
                for key in totals:
                    totals[key] += int(entry.data.get(key, 0))
        return FeedbackCounts(incident_id=incident_id, **totals)
