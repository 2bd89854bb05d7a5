"""Adapters for what every function needs: the firm configuration, secrets, the clock.

Handlers call these to build their dependencies; domain code never does.
"""

import time
from datetime import UTC, datetime

from functions.common.clients import client
from functions.common.config import FirmConfig, load_config
from functions.common.settings import Env, env

_SECRET_SECONDS = 300.0
# A failed verification may re-read a secret (a rotation just happened), but a stream of forged
# requests must not turn into a stream of Secrets Manager reads: at most one per secret this often.
_REREAD_FLOOR_SECONDS = 2.0
_secrets: dict[str, tuple[float, str]] = {}
_rereads: dict[str, float] = {}


def firm_config() -> FirmConfig:
    return load_config(env(Env.CONFIG_PARAMETER), _read_parameter)


def _read_parameter(name: str) -> str:
    response = client("ssm").get_parameter(Name=name)
    return str(response["Parameter"]["Value"])


def secret(secret_id: str, max_age: float = _SECRET_SECONDS) -> str:
    """A secret's string value, cached (five minutes unless the caller asks for fresher)."""
    now = time.monotonic()
    hit = _secrets.get(secret_id)
    if hit and now - hit[0] < max_age:
        return hit[1]
    value = str(client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])
    _secrets[secret_id] = (now, value)
    return value


def reread_secret(secret_id: str) -> str:
    """The secret read again now, unless it was already re-read in the last two seconds (bounded)."""
    now = time.monotonic()
    if now - _rereads.get(secret_id, float("-inf")) < _REREAD_FLOOR_SECONDS:
        return secret(secret_id)
    _rereads[secret_id] = now
    return secret(secret_id, max_age=0.0)


def forget_secrets() -> None:
    _secrets.clear()
    _rereads.clear()


def utc_now() -> datetime:
    return datetime.now(UTC)
