"""Retries inside one invocation: short waits only, with full jitter.

A wait longer than `max_inline_wait` is handed to the state machine as `PlatformThrottled`, whose
Retry backs off without holding a Lambda; so a throttled call never fails the incident.
"""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from functions.common.errors import PlatformThrottled, TransientPlatformError

T = TypeVar("T")


class RetryAfter(Exception):
    """Raised by an attempt that the platform asked to repeat after `seconds`."""

    def __init__(self, seconds: float, reason: str, throttled: bool) -> None:
        super().__init__(reason)
        self.seconds = seconds
        self.reason = reason
        self.throttled = throttled


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_seconds: float = 0.1
    max_inline_wait: float = 2.0
    sleep: Callable[[float], None] = time.sleep

    def run(self, attempt: Callable[[], T]) -> T:
        last: RetryAfter | None = None
        for n in range(self.attempts):
            try:
                return attempt()
            except RetryAfter as exc:
                last = exc
                if exc.seconds > self.max_inline_wait:
                    raise PlatformThrottled(exc.reason, retry_after_seconds=exc.seconds) from exc
                backoff = self.base_seconds * 2**n
                # Full jitter on top of the platform's own wait, so parallel actions do not stampede.
                self.sleep(exc.seconds + random.uniform(0, backoff))  # noqa: S311 - jitter, not cryptography
        assert last is not None
        if last.throttled:
            raise PlatformThrottled(last.reason, retry_after_seconds=max(last.seconds, 1.0))
        raise TransientPlatformError(f"{last.reason} (after {self.attempts} attempts)")
