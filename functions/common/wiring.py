"""Adapters for what every function needs: the firm configuration, secrets, the clock.

Handlers call these to build their dependencies; domain code never does.
"""

import time
from datetime import UTC, datetime

from functions.common.clients import client
from functions.common.config import FirmConfig, load_config
from functions.common.settings import Env, env

_SECRET_SECONDS = 300.0
_secrets: dict[str, tuple[float, str]] = {}


def firm_config() -> FirmConfig:
    return load_config(env(Env.CONFIG_PARAMETER), _read_parameter)


def _read_parameter(name: str) -> str:
    response = client("ssm").get_parameter(Name=name)
    return str(response["Parameter"]["Value"])


def secret(secret_id: str) -> str:
    """A secret's string value, cached for five minutes so rotation is picked up."""
    now = time.monotonic()
    hit = _secrets.get(secret_id)
    if hit and now - hit[0] < _SECRET_SECONDS:
        return hit[1]
    value = str(client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])
    _secrets[secret_id] = (now, value)
    return value


def forget_secrets() -> None:
    _secrets.clear()


def utc_now() -> datetime:
    return datetime.now(UTC)
