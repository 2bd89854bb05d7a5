"""Shopify Flow "Send HTTP request" and operator declarations: bodies Bulkhead defines, token-checked.

Flow does not sign its requests, so each carries `X-Bulkhead-Token`: a signed, expiring token
(`tokens.py`) or the store's shared operator secret. The body is the JSON the shipped workflow
writes (integrations/shopify-flow/); an operator's declaration (POST /incidents) has the same
fields and a Bearer token for purpose `declare`.
"""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated, Literal, TypeVar

from pydantic import AwareDatetime, Field, ValidationError

from functions.common.config import FirmConfig, Severity, StoreConfig
from functions.common.models import Message
from functions.ingest import tokens
from functions.ingest.errors import Rejected
from functions.ingest.models import DataCategory, Signal, SignalSource
from functions.ingest.normal import sha256, subjects

M = TypeVar("M", bound=Message)
Reference = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$")]


class FlowRequest(Message):
    """What the shipped Flow workflow sends; `reason` is a code, never free text."""

    event_id: Reference
    shop_domain: str = Field(min_length=3, max_length=255)
    # flow/heartbeat: the daily workflow whose arrival tells the canary Flow still reaches Bulkhead
    topic: Literal["flow/declare", "flow/alert", "flow/heartbeat"]
    occurred_at: AwareDatetime
    reason: Reference = "unspecified"
    severity: Severity | None = None
    data_categories: tuple[DataCategory, ...] = ()
    subject_ids: tuple[Reference, ...] = Field(default=(), max_length=1000)


class Declaration(Message):
    """An operator's declaration (CLI, Flow admin action, Magento companion module)."""

    store_id: str = Field(min_length=1, max_length=64)
    reference: Reference = Field(description="the operator's ticket or case id; repeats are one declaration")
    severity: Severity
    data_categories: tuple[DataCategory, ...] = Field(min_length=1)
    reason: Reference = "operator-declared"
    subject_count: int = Field(default=0, ge=0, le=100_000_000)
    occurred_at: AwareDatetime | None = None


def accept_flow(
    headers: Mapping[str, str], body: bytes, config: FirmConfig, secret: Callable[[str], str], now: datetime
) -> Signal:
    """The token is checked before the body is read: a signed token names its store; the shared
    secret is matched against every store's operator secret. Then the body must name that store."""
    given = headers.get("x-bulkhead-token", "")
    if not given:
        raise Rejected(401, "missing X-Bulkhead-Token header")
    if given.startswith(f"{tokens.PREFIX}."):
        store = _store(config, tokens.store_of(given))
        tokens.verify(given, [secret(store.operator_secret_id or "")], "flow", now)
    else:
        holders = [s for s in config.stores if s.operator_secret_id]
        matched = [s for s in holders if tokens.matches_shared_secret(given, [secret(s.operator_secret_id or "")])]
        if not matched:
            raise Rejected(401, "X-Bulkhead-Token does not match")
        store = matched[0]
    request = _parse(FlowRequest, body)
    if config.store_for_domain(request.shop_domain) is not store:
        raise Rejected(403, "token was issued for another store")
    return Signal(
        signal_id=f"flow:{store.store_id}:{request.event_id}",
        source=SignalSource.SHOPIFY_FLOW,
        store_id=store.store_id,
        topic=request.topic,
        actor="flow",
        subject_ids=subjects(*request.subject_ids),
        data_categories=request.data_categories,
        observed_at=request.occurred_at,
        received_at=now,
        raw_sha256=sha256(body),
        attributes={"reason": request.reason},
        severity_hint=request.severity,
    )


def accept_declaration(
    headers: Mapping[str, str], body: bytes, config: FirmConfig, secret: Callable[[str], str], now: datetime
) -> Signal:
    authorization = headers.get("authorization", "")
    if not authorization.lower().startswith("bearer "):
        raise Rejected(401, "missing Authorization: Bearer <token> header")
    token = authorization[7:].strip()
    store = _store(config, tokens.store_of(token))
    tokens.verify(token, [secret(store.operator_secret_id or "")], "declare", now)
    declaration = _parse(Declaration, body)
    if declaration.store_id != store.store_id:
        raise Rejected(403, "token was issued for another store")
    return Signal(
        signal_id=f"manual:{store.store_id}:{declaration.reference}",
        source=SignalSource.MANUAL,
        store_id=store.store_id,
        topic="manual/declare",
        actor="operator",
        data_categories=declaration.data_categories,
        observed_at=declaration.occurred_at or now,
        received_at=now,
        raw_sha256=sha256(body),
        attributes={"reason": declaration.reason, "subject_count": str(declaration.subject_count)},
        severity_hint=declaration.severity,
    )


def _store(config: FirmConfig, store_id: str) -> StoreConfig:
    store = next((s for s in config.stores if s.store_id == store_id), None)
    if store is None or not store.operator_secret_id:
        raise Rejected(403, "unknown store, or no operator secret configured for it")
    return store


def _parse(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(body)'}: {e['msg']}" for e in exc.errors()[:5])
        raise Rejected(422 if body.strip().startswith(b"{") else 400, f"invalid body: {problems}") from exc
