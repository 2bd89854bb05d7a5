"""The one retry policy for a platform call inside a step (tenacity, full jitter).

Which layer retries what (docs/retries.md): the state machine retries steps (`Retry` on
`TransientPlatformError` and its subclasses); a platform client retries one call, here, when the
platform throttles it or fails it transiently (5xx, timeout, lost connection); botocore retries AWS
calls in its own standard mode (functions/common/clients.py); nothing else retries.

A throttled call waits what the platform asked for (Retry-After, the leaky bucket's refill) plus
full jitter, so parallel steps do not return in step; a transient failure waits the jitter alone.
A wait longer than `max_inline_wait` is not slept: the `PlatformThrottled` goes to the state
machine, whose Retry waits without holding a Lambda. After the last attempt the last error is
raised as it was, for the state machine to route on.
"""

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from functions.common.errors import PlatformThrottled, TransientPlatformError

if TYPE_CHECKING:
    import httpx

T = TypeVar("T")

ATTEMPTS = 4
MAX_INLINE_WAIT = 2.0  # seconds a Lambda may sleep for a platform; longer waits are the state machine's
JITTER_BASE = 0.1


def _worth_retrying(max_inline_wait: float, transient: bool) -> Callable[[BaseException], bool]:
    def inline(exc: BaseException) -> bool:
        if isinstance(exc, PlatformThrottled):
            return exc.retry_after_seconds <= max_inline_wait
        return transient and isinstance(exc, TransientPlatformError)

    return inline


def _asked(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    return exc.retry_after_seconds if isinstance(exc, PlatformThrottled) else 0.0


def retrying(
    call: Callable[[], T],
    sleep: Callable[[float], None] = time.sleep,
    attempts: int = ATTEMPTS,
    max_inline_wait: float = MAX_INLINE_WAIT,
    transient: bool = True,
) -> T:
    """`call()`, repeated while it raises a short `PlatformThrottled` or (unless `transient` is off,
    for a call whose own client already retried them) a `TransientPlatformError`."""
    jitter = wait_random_exponential(multiplier=JITTER_BASE, max=max_inline_wait)
    policy = Retrying(
        retry=retry_if_exception(_worth_retrying(max_inline_wait, transient)),
        wait=lambda state: _asked(state) + jitter(state),
        stop=stop_after_attempt(max(attempts, 1)),
        sleep=sleep,
        reraise=True,
    )
    return policy(call)


def retry_after(response: "httpx.Response", default: float = 1.0) -> float:
    """The `Retry-After` header in seconds; an HTTP date or a missing header gives `default`."""
    value = response.headers.get("retry-after")
    try:
        return max(float(value), 0.0) if value is not None else default
    except ValueError:
        return default
