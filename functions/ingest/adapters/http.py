"""HTTP API (payload format 2.0) in and out: the raw request for verification, a JSON answer back.

Nothing a sender does produces a 5xx: refusals are 4xx with a reason and no payload content. An
outage of the bus or a store we depend on is a 503, so the platform retries the delivery.
"""

import json
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from functions.common.errors import ConfigurationError, TransientPlatformError
from functions.common.http import MalformedBody, raw_body
from functions.common.observability import logger
from functions.ingest.errors import Rejected
from functions.ingest.models import HttpRequest, as_text_map
from functions.ingest.normal import mapping


def request_from(event: Any) -> HttpRequest:
    """The request exactly as sent: the signature covers these bytes. A malformed event is a 400."""
    if not isinstance(event, Mapping):
        raise Rejected(400, "not an HTTP request")
    http = mapping(mapping(event.get("requestContext")).get("http"))
    try:
        raw = raw_body(event)
    except MalformedBody as exc:
        raise Rejected(400, str(exc)) from exc
    return HttpRequest(
        method=str(http.get("method", "POST")),
        path=str(event.get("rawPath", "")),
        headers=as_text_map(event.get("headers")),
        query=as_text_map(event.get("queryStringParameters")),
        body=raw,
    )


def answer(work: Callable[[], Any], accepted: int = 202) -> dict[str, Any]:
    """Run `work` and turn its result or failure into an HTTP API response."""
    try:
        result = work()
    except Rejected as refused:
        logger.warning("delivery rejected", status=refused.status, reason=refused.reason)
        return respond(refused.status, {"error": refused.reason})
    except (TransientPlatformError, BotoCoreError, ClientError, ConfigurationError) as exc:
        # Ours, not the sender's: 503 makes Shopify, Adobe and Flow deliver again later.
        logger.exception("delivery not processed", error=type(exc).__name__)
        return respond(503, {"error": "temporarily unable to accept deliveries; retry"})
    body = result.model_dump(mode="json") if hasattr(result, "model_dump") else result
    return respond(accepted, body)


def respond(status: int, body: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }


def challenge_of(event: Any) -> str | None:
    """Adobe I/O Events' registration check: a GET with `?challenge=...`, which must be echoed."""
    if not isinstance(event, Mapping):
        return None
    method = mapping(mapping(event.get("requestContext")).get("http")).get("method")
    challenge = mapping(event.get("queryStringParameters")).get("challenge")
    if method == "GET" and isinstance(challenge, str) and 0 < len(challenge) <= 256 and challenge.isprintable():
        return challenge
    return None
