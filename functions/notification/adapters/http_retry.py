"""One HTTP call with bounded retries: 429 and 5xx back off (honouring Retry-After), others return."""

import random
import time
from collections.abc import Callable
from typing import Any

import httpx

from functions.common.errors import PlatformThrottled, TransientPlatformError

ATTEMPTS = 5


def call(
    send: Callable[[], httpx.Response],
    what: str,
    sleep: Callable[[float], None] = time.sleep,
    attempts: int = ATTEMPTS,
) -> httpx.Response:
    last = ""
    for attempt in range(attempts):
        try:
            response = send()
        except httpx.TransportError as exc:
            last = type(exc).__name__
            sleep(_delay(attempt))
            continue
        if response.status_code == 429:
            last = "429"
            sleep(_retry_after(response) or _delay(attempt))
            continue
        if response.status_code >= 500:
            last = str(response.status_code)
            sleep(_delay(attempt))
            continue
        return response
    if last == "429":
        raise PlatformThrottled(f"{what}: still throttled after {attempts} attempts")
    raise TransientPlatformError(f"{what}: failed after {attempts} attempts ({last})")


def _delay(attempt: int) -> float:
    return float(random.uniform(0, min(8.0, 0.2 * 2**attempt)))  # noqa: S311 - jitter


def _retry_after(response: httpx.Response) -> float | None:
    value: Any = response.headers.get("retry-after")
    try:
        return min(float(value), 30.0) if value is not None else None
    except ValueError:
        return None
