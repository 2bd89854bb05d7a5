"""Ingest's dependencies, built per invocation from settings and the cached clients."""

from typing import Any

from functions.common.clients import client
from functions.common.settings import Env, env
from functions.common.wiring import firm_config, reread_secret, secret, utc_now
from functions.ingest.adapters.eventbridge import EventBridgeSignalBus
from functions.ingest.adapters.idempotency import PowertoolsDeduplicator
from functions.ingest.domain import IngestDeps

# Idempotency records outlive the replay window, so a replay is either stale or a known duplicate.
_RECORD_MARGIN_SECONDS = 3600
# Verification secrets are cached briefly: a secret removed in a rotation stops verifying within this.
VERIFY_SECRET_SECONDS = 30


def _verify_secret(secret_id: str) -> str:
    return secret(secret_id, max_age=VERIFY_SECRET_SECONDS)


def _reread_verify_secret(secret_id: str) -> str:
    return reread_secret(secret_id, max_age=VERIFY_SECRET_SECONDS)


def ingest_deps(context: Any = None) -> IngestDeps:
    """`context` (Lambda's) lets idempotency expire an in-progress record when the invocation would time out."""
    config = firm_config()
    expires = config.ingest.replay_window_seconds + config.ingest.max_clock_skew_seconds + _RECORD_MARGIN_SECONDS
    return IngestDeps(
        config=config,
        secret=_verify_secret,
        reread=_reread_verify_secret,
        bus=EventBridgeSignalBus(client("events"), env(Env.EVENT_BUS)),
        dedupe=PowertoolsDeduplicator(client("dynamodb"), env(Env.IDEMPOTENCY_TABLE), expires, context),
        now=utc_now(),
    )
