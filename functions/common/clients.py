"""One seam for AWS clients: created on first use, cached per process.

boto3 itself is imported on the first client, not when a handler module is imported: handlers
that answer from cache or refuse bad input never pay for it, and module import stays cheap.
`reset()` drops the cache so a new moto session (tests, the local runtime) gets fresh clients.
"""

import os
from functools import cache
from typing import Any

# In Lambda a call that hangs 5 s is better retried; an operator's command against the local fabric
# on a busy laptop waits longer instead (the local service sets this for its clients).
READ_TIMEOUT_SETTING = "BULKHEAD_AWS_READ_TIMEOUT"


@cache
def client(service: str) -> Any:
    import boto3  # noqa: PLC0415 - deferred on purpose, see the module docstring
    from botocore.config import Config  # noqa: PLC0415

    read_timeout = float(os.environ.get(READ_TIMEOUT_SETTING, "5"))
    retries = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=2, read_timeout=read_timeout)
    return boto3.client(service, config=retries)


def reset() -> None:
    client.cache_clear()
