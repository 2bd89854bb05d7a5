"""The one retry policy (functions/common/retry.py) and the one reading of HTTP failures
(functions/common/clients.answered): what is retried, how long it waits, and what reaches the state
machine when retrying stops."""

from collections.abc import Callable

import httpx
import pytest

from functions.common.clients import answered
from functions.common.errors import PermanentActionFailure, PlatformThrottled, TransientPlatformError
from functions.common.retry import MAX_INLINE_WAIT, retrying


def script(*outcomes: BaseException | str) -> tuple[Callable[[], str], list[int]]:
    """A call that raises or returns each outcome in turn; `calls` counts the attempts."""
    calls: list[int] = []
    pending = list(outcomes)

    def call() -> str:
        calls.append(1)
        outcome = pending.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return call, calls


def test_short_throttling_waits_what_the_platform_asked_plus_jitter_and_succeeds() -> None:
    call, calls = script(PlatformThrottled("busy", 0.5), PlatformThrottled("busy", 1.5), "done")
    sleeps: list[float] = []
    assert retrying(call, sleeps.append) == "done"
    assert len(calls) == 3 and len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 0.5 + MAX_INLINE_WAIT and 1.5 <= sleeps[1] <= 1.5 + MAX_INLINE_WAIT


def test_a_wait_longer_than_a_lambda_should_sleep_goes_to_the_state_machine_at_once() -> None:
    call, calls = script(PlatformThrottled("bucket empty", 30.0), "never")
    sleeps: list[float] = []
    with pytest.raises(PlatformThrottled) as raised:
        retrying(call, sleeps.append)
    assert raised.value.retry_after_seconds == 30.0
    assert len(calls) == 1 and sleeps == []


def test_transient_failures_are_retried_with_jitter_alone_then_raised_as_they_were() -> None:
    call, calls = script(*(TransientPlatformError(f"HTTP 50{n}") for n in range(4)))
    sleeps: list[float] = []
    with pytest.raises(TransientPlatformError, match="HTTP 503"):  # the last one, not a RetryError
        retrying(call, sleeps.append, attempts=4)
    assert len(calls) == 4 and len(sleeps) == 3
    assert all(0.0 <= s <= MAX_INLINE_WAIT for s in sleeps)


def test_a_caller_whose_client_already_retried_transient_errors_retries_only_throttling() -> None:
    call, calls = script(TransientPlatformError("HTTP 502"), "never")
    with pytest.raises(TransientPlatformError):
        retrying(call, lambda _: None, transient=False)
    assert len(calls) == 1


def test_a_permanent_failure_is_never_retried() -> None:
    call, calls = script(PermanentActionFailure("userErrors: not found"), "never")
    with pytest.raises(PermanentActionFailure):
        retrying(call, lambda _: None)
    assert len(calls) == 1


def answer(status: int, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, headers=headers or {}, request=httpx.Request("POST", "https://x.example/"))


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}, 1.0),  # an HTTP date: the default second
        ({}, 1.0),
    ],
)
def test_a_429_is_platform_throttled_with_its_retry_after(headers: dict[str, str], wait: float) -> None:
    with pytest.raises(PlatformThrottled) as raised:
        answered(lambda: answer(429, headers), "Shop")
    assert raised.value.retry_after_seconds == wait


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_5xx_is_transient_and_not_throttled(status: int) -> None:
    with pytest.raises(TransientPlatformError, match=f"HTTP {status}") as raised:
        answered(lambda: answer(status), "Shop")
    assert not isinstance(raised.value, PlatformThrottled)


def test_a_lost_connection_is_transient() -> None:
    def lost() -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    with pytest.raises(TransientPlatformError, match="unreachable: ReadTimeout"):
        answered(lost, "Shop")


@pytest.mark.parametrize("status", [200, 202, 400, 401, 404])
def test_other_answers_are_returned_for_the_client_to_read(status: int) -> None:
    assert answered(lambda: answer(status), "Shop").status_code == status
