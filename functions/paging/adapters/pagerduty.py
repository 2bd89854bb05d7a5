"""PagerDuty Events API v2 (optional): one `trigger` per page, deduplicated per incident and stage.

PagerDuty answers 202 when it accepted the event, 400 when the event is invalid, 429 when the
integration is rate limited and 5xx on its own failures. 429 and 5xx (and a connection that fails)
are retried here a few times with exponential backoff and jitter, honouring `Retry-After`; if they
persist they are raised as retryable errors, so the state machine's Retry backs off further. A 4xx
other than 429 is never retried: the same event would be refused again.

The dedup key is the page's key plus its escalation stage: a retried step re-sends the same key
(PagerDuty folds it into the open alert), while an escalation to the next stage opens a new alert
even when both stages share one routing key. Only the page's subject and message (which the domain
writes without personal data), the incident id and the stage are sent.
"""

import random
import time
from collections.abc import Callable
from typing import Any

import httpx

from functions.common.errors import PermanentActionFailure, PlatformThrottled, TransientPlatformError
from functions.paging.models import Page

EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
_SEVERITIES = {"critical": "critical", "high": "error", "medium": "warning", "low": "info", "info": "info"}
MAX_DEDUP_KEY = 255
MAX_SUMMARY = 1024


def trigger_event(page: Page, routing_key: str, source: str) -> dict[str, Any]:
    """The Events API v2 `trigger` body for one page."""
    return {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": f"{page.dedup_key}/{page.stage}"[:MAX_DEDUP_KEY],
        "payload": {
            "summary": f"{page.subject}: {page.message}"[:MAX_SUMMARY],
            "source": source,
            "severity": _SEVERITIES.get(page.severity, "error"),
            "custom_details": {"incident_id": page.incident_id, "stage": page.stage},
        },
    }


class _Retry(Exception):
    def __init__(self, reason: str, throttled: bool, wait: float | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.throttled = throttled
        self.wait = wait


class PagerDutyPager:
    def __init__(
        self,
        http: httpx.Client,
        routing_key: str,
        source: str = "bulkhead",
        url: str = EVENTS_URL,
        attempts: int = 3,
        base_seconds: float = 0.5,
        max_wait: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = http
        self._key = routing_key
        self._source = source
        self._url = url
        self._attempts = max(attempts, 1)
        self._base = base_seconds
        self._max_wait = max_wait
        self._sleep = sleep

    def page(self, page: Page) -> None:
        body = trigger_event(page, self._key, self._source)
        last: _Retry | None = None
        for attempt in range(self._attempts):
            try:
                self._send(body)
            except _Retry as exc:
                last = exc
            else:
                return
            if attempt + 1 < self._attempts:
                self._sleep(self._backoff(attempt, last.wait))
        assert last is not None
        if last.throttled:
            raise PlatformThrottled(last.reason, retry_after_seconds=max(last.wait or 0.0, 2.0))
        raise TransientPlatformError(f"{last.reason} (after {self._attempts} attempts)")

    def _send(self, body: dict[str, Any]) -> None:
        try:
            response = self._http.post(self._url, json=body, timeout=5.0)
        except httpx.TransportError as exc:
            raise _Retry(f"PagerDuty unreachable: {type(exc).__name__}", throttled=False, wait=None) from exc
        status = response.status_code
        if status == 202:
            return
        if status == 429:
            raise _Retry("PagerDuty rate limited the integration", throttled=True, wait=_retry_after(response))
        if status >= 500:
            raise _Retry(f"PagerDuty answered {status}", throttled=False, wait=_retry_after(response))
        raise PermanentActionFailure(f"PagerDuty refused the event: HTTP {status}")

    def _backoff(self, attempt: int, wait: float | None) -> float:
        """Exponential with jitter (so parallel pagers do not retry in step), at least `Retry-After`."""
        exponential = self._base * 2.0**attempt * (1 + random.random() / 2)  # noqa: S311 - jitter, not cryptography
        return min(max(exponential, wait or 0.0), self._max_wait)


def _retry_after(response: httpx.Response) -> float | None:
    value: str | None = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff
