"""One seam for outbound clients: AWS (boto3) and HTTP (httpx), created on first use, cached per process.

boto3 itself is imported on the first client, not when a handler module is imported: handlers
that answer from cache or refuse bad input never pay for it, and module import stays cheap.
`reset()` drops the caches so a new moto session (tests, the local runtime) gets fresh clients.

Retries (docs/retries.md): botocore retries AWS calls in its standard mode (throttling and
transient errors, `max_attempts` below, exponential back-off with jitter); the httpx client retries
nothing (`functions/common/retry.py` retries platform throttling); steps are retried by the state
machine.
"""

import os
from collections.abc import Callable
from functools import cache
from typing import Any

import httpx

from functions.common.errors import PlatformThrottled, TransientPlatformError
from functions.common.retry import retry_after

AWS_MAX_ATTEMPTS = 3  # botocore standard mode's own default: the state machine's Retry does the rest
HTTP_TIMEOUT = httpx.Timeout(10.0, connect=3.0)  # a bulk export download streams for longer than a query
# In Lambda a call that hangs 5 s is better retried; an operator's command against the local fabric
# on a busy laptop waits longer instead (the local service sets this for its clients).
READ_TIMEOUT_SETTING = "BULKHEAD_AWS_READ_TIMEOUT"


@cache
def client(service: str) -> Any:
    import boto3  # noqa: PLC0415 - deferred on purpose, see the module docstring
    from botocore.config import Config  # noqa: PLC0415

    read_timeout = float(os.environ.get(READ_TIMEOUT_SETTING, "5"))
    retries = Config(
        retries={"mode": "standard", "max_attempts": AWS_MAX_ATTEMPTS}, connect_timeout=2, read_timeout=read_timeout
    )
    return boto3.client(service, config=retries)


@cache
def http() -> httpx.Client:
    """The process's HTTP client to platforms and providers: bounded timeouts, no redirects followed."""
    return httpx.Client(timeout=HTTP_TIMEOUT, follow_redirects=False, limits=httpx.Limits(max_connections=20))


def answered(send: Callable[[], httpx.Response], what: str) -> httpx.Response:
    """One HTTP call, its failures named the one way the retry policy and the state machine route on:
    a lost connection or a 5xx is TransientPlatformError, a 429 PlatformThrottled with its
    Retry-After; any other answer is returned for the caller to read."""
    try:
        response = send()
    except httpx.TransportError as exc:
        raise TransientPlatformError(f"{what}: unreachable: {type(exc).__name__}") from exc
    if response.status_code == 429:
        raise PlatformThrottled(f"{what}: HTTP 429", retry_after(response))
    if response.status_code >= 500:
        raise TransientPlatformError(f"{what}: HTTP {response.status_code}")
    return response


def reset() -> None:
    client.cache_clear()
    http.cache_clear()
