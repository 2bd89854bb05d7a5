"""The last Shopify Flow delivery per store, read from the dispositions detection records for every signal."""

from datetime import datetime, timedelta

from functions.detection.adapters.dynamodb import DynamoDispositionStore

FLOW_SIGNAL_PREFIX = "flow:"  # functions/ingest/flow.py names every Flow signal flow:<store>:<event id>


class DispositionFlowDeliveries:
    def __init__(self, store: DynamoDispositionStore) -> None:
        self._store = store

    def last_delivery(self, store_id: str, since: datetime, until: datetime) -> datetime | None:
        last: datetime | None = None
        day = since.date()
        while day <= until.date():
            for window in self._store.day(day.isoformat()):
                if window.store_id != store_id or not window.last_signal_id.startswith(FLOW_SIGNAL_PREFIX):
                    continue
                at = datetime.fromisoformat(window.last_at) if window.last_at else None
                if at is not None and since <= at <= until and (last is None or at > last):
                    last = at
            day += timedelta(days=1)
        return last
