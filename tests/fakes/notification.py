"""In-memory adapters: the exactly-once guard, roster and a provider simulator that enforces
a send-rate quota (moto never throttles). Used by the unit tests and by scripts/bench/notify.py to
measure the pipeline itself; they keep the same semantics as the DynamoDB/S3/SES adapters. The
ledger double is tests/fakes/ledger.py's.
"""

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from functions.common.errors import PlatformThrottled
from functions.notification.models import Channel, EmailSendResult, Recipient, RenderedNotice


class MemoryDeliveryGuard:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.status: dict[tuple[str, Channel, str], str] = {}

    def claim(self, incident_id: str, channel: Channel, pseudonyms: Sequence[str]) -> set[str]:
        won = set()
        with self._lock:
            for p in pseudonyms:
                if (incident_id, channel, p) not in self.status:
                    self.status[(incident_id, channel, p)] = "claimed"
                    won.add(p)
        return won

    def confirm(self, incident_id: str, channel: Channel, pseudonyms: Sequence[str]) -> None:
        self._set(incident_id, channel, pseudonyms, "sent")

    def fail(self, incident_id: str, channel: Channel, pseudonyms: Sequence[str], reason: str) -> None:
        self._set(incident_id, channel, pseudonyms, "failed")

    def release(self, incident_id: str, channel: Channel, pseudonyms: Sequence[str]) -> None:
        with self._lock:
            for p in pseudonyms:
                if self.status.get((incident_id, channel, p)) == "claimed":
                    del self.status[(incident_id, channel, p)]

    def _set(self, incident_id: str, channel: Channel, pseudonyms: Sequence[str], status: str) -> None:
        with self._lock:
            for p in pseudonyms:
                self.status[(incident_id, channel, p)] = status


class MemoryRosterStore:
    bucket = "memory"

    def __init__(self) -> None:
        self.objects: dict[str, Any] = {}

    def put_batch(self, incident_id: str, batch: int, recipients: Sequence[Recipient]) -> str:
        key = f"rosters/{incident_id}/batch-{batch:06d}.json"
        self.objects[key] = list(recipients)
        return key

    def put_manifest(self, incident_id: str, items: Sequence[dict[str, object]]) -> str:
        key = f"rosters/{incident_id}/manifest.json"
        self.objects[key] = list(items)
        return key

    def batch(self, key: str) -> list[Recipient]:
        return list(self.objects[key])

    def put_draft(self, incident_id: str, name: str, text: str) -> str:
        key = f"drafts/{incident_id}/{name}"
        self.objects[key] = text
        return key


class SimulatedSes:
    """SES as a provider: a token bucket of `quota` recipients/s (one second of burst); a call that
    does not fit is refused whole with a throttling error, as SES answers MaxSendingRateExceeded."""

    def __init__(self, quota: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.quota = quota
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = quota or 0.0
        self._stamp = clock()
        self.delivered: Counter[str] = Counter()  # address -> deliveries
        self.throttled_calls = 0
        self.calls = 0
        self.first_send: float | None = None
        self.last_send: float | None = None

    def max_send_rate(self) -> float:
        return self.quota or 1_000_000.0

    def ensure_template(self, name: str, notice: RenderedNotice) -> None:
        return None

    def send_bulk(self, template: str, recipients: Sequence[Recipient]) -> EmailSendResult:
        with self._lock:
            now = self._clock()
            self.calls += 1
            if self.quota is not None:
                self._tokens = min(self.quota, self._tokens + (now - self._stamp) * self.quota)
                self._stamp = now
                if self._tokens < len(recipients):
                    self.throttled_calls += 1
                    raise PlatformThrottled("Maximum sending rate exceeded.")
                self._tokens -= len(recipients)
            for r in recipients:
                self.delivered[r.email or ""] += 1
            self.first_send = now if self.first_send is None else self.first_send
            self.last_send = now
        return EmailSendResult(sent=tuple(range(len(recipients))))


class NoSms:
    def send(self, phone: str, text: str) -> None:
        raise AssertionError("no SMS expected")


class UnlimitedSmsBudget:
    def reserve(self, parts: int) -> bool:
        return True
