"""One seam for AWS clients: created on first use, cached per process.

`reset()` drops the cache so a new moto session (tests, the local runtime) gets fresh clients.
"""

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_RETRIES = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=2, read_timeout=5)


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=_RETRIES)


def reset() -> None:
    client.cache_clear()
