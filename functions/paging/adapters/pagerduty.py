"""PagerDuty Events API v2 (optional): one `trigger` per page, deduplicated on the page's key.

PagerDuty answers 202 on success, 429 when the integration is rate limited and 5xx on its own
failures: both are retryable and raised as such, so the state machine's Retry backs off.
"""

from typing import Any

import httpx

from functions.common.errors import PermanentActionFailure, PlatformThrottled, TransientPlatformError
from functions.paging.models import Page

EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
_SEVERITIES = {"critical": "critical", "high": "error", "medium": "warning", "low": "info"}


class PagerDutyPager:
    def __init__(self, http: httpx.Client, routing_key: str, source: str = "bulkhead", url: str = EVENTS_URL) -> None:
        self._http = http
        self._key = routing_key
        self._source = source
        self._url = url

    def page(self, page: Page) -> None:
        body: dict[str, Any] = {
            "routing_key": self._key,
            "event_action": "trigger",
            "dedup_key": page.dedup_key,
            "payload": {
                "summary": f"{page.subject}: {page.message}"[:1024],
                "source": self._source,
                "severity": _SEVERITIES.get(page.severity, "error"),
                "custom_details": {"incident_id": page.incident_id, "stage": page.stage},
            },
        }
        try:
            response = self._http.post(self._url, json=body, timeout=5.0)
        except httpx.TransportError as exc:
            raise TransientPlatformError(f"PagerDuty unreachable: {type(exc).__name__}") from exc
        if response.status_code == 429:
            raise PlatformThrottled("PagerDuty rate limited the integration", retry_after_seconds=2.0)
        if response.status_code >= 500:
            raise TransientPlatformError(f"PagerDuty answered {response.status_code}")
        if response.status_code != 202:
            raise PermanentActionFailure(f"PagerDuty refused the event: HTTP {response.status_code}")
