"""Adapters for what every function needs: the firm configuration, secrets, the clock.

Handlers call these to build their dependencies; domain code never does. Configuration and secrets
come through Powertools Parameters, which caches each value for `max_age` seconds per process; the
providers use the clients of functions/common/clients.py, so a new moto session gets fresh ones.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from time import monotonic
from typing import TYPE_CHECKING, Any, TypeVar

from functions.common.clients import client
from functions.common.config import FirmConfig, load_config, on_forget
from functions.common.settings import Env, env

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider, SSMProvider

T = TypeVar("T")

CONFIG_SECONDS = 60
SECRET_SECONDS = 300
# A failed verification may re-read a secret (a rotation just happened), but a stream of forged
# requests must not turn into a stream of Secrets Manager reads: at most one per secret this often.
_REREAD_FLOOR_SECONDS = 2.0
_rereads: dict[str, float] = {}


@cache
def _ssm(ssm: Any) -> "SSMProvider":
    from aws_lambda_powertools.utilities.parameters import SSMProvider  # noqa: PLC0415 - imports boto3

    return SSMProvider(boto3_client=ssm)


@cache
def _secrets(secretsmanager: Any, max_age: int) -> "SecretsProvider":  # noqa: ARG001 - max_age keys the cache
    """One provider per freshness: Powertools fixes an entry's expiry when it stores it."""
    from aws_lambda_powertools.utilities.parameters import SecretsProvider  # noqa: PLC0415 - imports boto3

    return SecretsProvider(boto3_client=secretsmanager)


def _as_sent(read: Callable[[], T]) -> T:
    """Powertools wraps a failed read in GetParameterError; callers route on the AWS error itself
    (a ClientError is a 503 at ingest, a named cause in the CLI), so it is raised as it came."""
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError  # noqa: PLC0415

    try:
        return read()
    except GetParameterError as exc:
        cause = exc.__context__
        raise (cause if isinstance(cause, Exception) else exc) from None


def _read_parameter(name: str) -> str:
    return str(_as_sent(lambda: _ssm(client("ssm")).get(name, max_age=CONFIG_SECONDS)))


def firm_config() -> FirmConfig:
    return load_config(env(Env.CONFIG_PARAMETER), _read_parameter)


def secret(secret_id: str, max_age: float = SECRET_SECONDS) -> str:
    """A secret's string value, cached (five minutes unless the caller asks for fresher)."""
    seconds = int(max_age)
    provider = _secrets(client("secretsmanager"), seconds)
    return str(_as_sent(lambda: provider.get(secret_id, max_age=seconds)))


def reread_secret(secret_id: str, max_age: float = SECRET_SECONDS) -> str:
    """The secret read again now (and cached afresh for `max_age`), unless it was already re-read in
    the last two seconds (bounded)."""
    now = monotonic()
    if now - _rereads.get(secret_id, float("-inf")) < _REREAD_FLOOR_SECONDS:
        return secret(secret_id, max_age)
    _rereads[secret_id] = now
    seconds = int(max_age)
    provider = _secrets(client("secretsmanager"), seconds)
    return str(_as_sent(lambda: provider.get(secret_id, max_age=seconds, force_fetch=True)))


def forget_secrets() -> None:
    _secrets.cache_clear()
    _rereads.clear()


def _forget_parameters() -> None:
    _ssm.cache_clear()


on_forget(_forget_parameters)


def utc_now() -> datetime:
    return datetime.now(UTC)
