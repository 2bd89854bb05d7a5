"""One seam for outbound clients: AWS (boto3) and HTTP (httpx), created on first use, cached per process.

boto3 itself is imported on the first client, not when a handler module is imported: handlers
that answer from cache or refuse bad input never pay for it, and module import stays cheap.
`reset()` drops the caches so a new moto session (tests, the local runtime) gets fresh clients.

Retries (docs/retries.md): botocore retries AWS calls in its standard mode (throttling and
transient errors, `max_attempts` below, exponential back-off with jitter); the httpx client retries
nothing (`functions/common/retry.py` retries platform throttling); steps are retried by the state
machine.
"""

from functools import cache
from typing import Any

import httpx

AWS_MAX_ATTEMPTS = 3  # botocore standard mode's own default: the state machine's Retry does the rest
HTTP_TIMEOUT = httpx.Timeout(10.0, connect=3.0)  # a bulk export download streams for longer than a query


@cache
def client(service: str) -> Any:
    import boto3  # noqa: PLC0415 - deferred on purpose, see the module docstring
    from botocore.config import Config  # noqa: PLC0415

    retries = Config(retries={"mode": "standard", "max_attempts": AWS_MAX_ATTEMPTS}, connect_timeout=2, read_timeout=5)
    return boto3.client(service, config=retries)


@cache
def http() -> httpx.Client:
    """The process's HTTP client to platforms and providers: bounded timeouts, no redirects followed."""
    return httpx.Client(timeout=HTTP_TIMEOUT, follow_redirects=False, limits=httpx.Limits(max_connections=20))


def reset() -> None:
    client.cache_clear()
    http.cache_clear()
