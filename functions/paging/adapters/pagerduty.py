"""PagerDuty Events API v2 (optional): one `trigger` per page, deduplicated per incident and stage.

PagerDuty answers 202 when it accepted the event, 400 when the event is invalid, 429 when the
integration is rate limited and 5xx on its own failures. 429, 5xx and a connection that fails are
retried here by the one retry policy (functions/common/retry.py), honouring `Retry-After`; if they
persist they are raised as PlatformThrottled / TransientPlatformError for the state machine's Retry
(docs/retries.md). A 4xx other than 429 is never retried: the same event would be refused again.

The dedup key is the page's key plus its escalation stage: a retried step re-sends the same key
(PagerDuty folds it into the open alert), while an escalation to the next stage opens a new alert
even when both stages share one routing key. Only the page's subject and message (which the domain
writes without personal data), the incident id and the stage are sent.
"""

import time
from collections.abc import Callable
from typing import Any

import httpx

from functions.common.clients import answered
from functions.common.errors import PermanentActionFailure
from functions.common.retry import retrying
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


class PagerDutyPager:
    def __init__(
        self,
        http: httpx.Client,
        routing_key: str,
        source: str = "bulkhead",
        url: str = EVENTS_URL,
        attempts: int = 3,
        max_wait: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = http
        self._key = routing_key
        self._source = source
        self._url = url
        self._attempts = attempts
        self._max_wait = max_wait
        self._sleep = sleep

    def page(self, page: Page) -> None:
        body = trigger_event(page, self._key, self._source)
        retrying(lambda: self._send(body), self._sleep, self._attempts, max_inline_wait=self._max_wait)

    def _send(self, body: dict[str, Any]) -> None:
        response = answered(lambda: self._http.post(self._url, json=body, timeout=5.0), "PagerDuty")
        status = response.status_code
        if status == 202:
            return
        raise PermanentActionFailure(f"PagerDuty refused the event: HTTP {status}")
