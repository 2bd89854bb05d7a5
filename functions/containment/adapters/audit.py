"""Bulkhead's own record of the store's audit trail: the detection windows its signals counted into.

Every `audit_events/admin_api_activity` delivery (and every other signal) is counted into a
correlation window of the dispositions table (partition `day`, one item per store, rule and
incident, with `last_at`). A merchant task is verified against it: while signals of the incident's
rule keep arriving on the store after the task was raised, the app's calls have not stopped.
"""

from datetime import datetime, timedelta

from functions.detection.adapters.dynamodb import DynamoDispositionStore


class DispositionAuditTrail:
    def __init__(self, store: DynamoDispositionStore) -> None:
        self._store = store

    def activity_since(self, store_id: str, rule_id: str, since: datetime, now: datetime) -> tuple[int, str | None]:
        """Windows of `rule_id` on the store with a signal after `since`: how many, and the last signal's time."""
        windows, last = 0, None
        day = since.date()
        while day <= now.date():
            for window in self._store.day(day.isoformat()):
                if window.store_id != store_id or window.rule_id != rule_id or not window.last_at:
                    continue
                if datetime.fromisoformat(window.last_at) > since:
                    windows += 1
                    last = max(last or window.last_at, window.last_at)
            day += timedelta(days=1)
        return windows, last
