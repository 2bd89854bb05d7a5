"""HTTP API (payload format 2.0) in and out: Powertools' resolver, the raw request for verification,
a JSON answer back.

Nothing a sender does produces a 5xx: refusals are 4xx with a reason and no payload content (the
resolver's exception handlers map `Rejected`). An outage of the bus or a store we depend on is a
503, so the platform retries the delivery.
"""

import json
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

from functions.common.errors import ConfigurationError, TransientPlatformError
from functions.common.http import MalformedBody, raw_body
from functions.common.observability import logger, tracer
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


UNAVAILABLE = "temporarily unable to accept deliveries; retry"
# Ours, not the sender's: 503 makes Shopify, Adobe and Flow deliver again later.
_OURS: list[type[Exception]] = [TransientPlatformError, BotoCoreError, ClientError, ConfigurationError]


def resolver() -> APIGatewayHttpResolver:
    """One ingest route's resolver, with the project's errors mapped to answers."""
    app = APIGatewayHttpResolver()

    @app.exception_handler(Rejected)  # type: ignore[untyped-decorator]
    def refused(exc: Rejected) -> Response[dict[str, str]]:
        logger.warning("delivery rejected", status=exc.status, reason=exc.reason)
        return Response(exc.status, "application/json", {"error": exc.reason})

    @app.exception_handler(_OURS)  # type: ignore[untyped-decorator]
    def unavailable(exc: Exception) -> Response[dict[str, str]]:
        logger.exception("delivery not processed", error=type(exc).__name__)
        return Response(503, "application/json", {"error": UNAVAILABLE})

    return app


def resolve(app: APIGatewayHttpResolver, event: Any, context: LambdaContext) -> dict[str, Any]:
    """Route `event`; anything that is not an HTTP API event at all is a 400, as a sender's fault."""
    if not isinstance(event, Mapping) or not isinstance(event.get("requestContext"), Mapping):
        return respond(400, {"error": "not an HTTP request"})
    # Powertools reads headers and the query as text maps; a sender's junk there is made the same
    # text map the request is built from, so the route (and its 4xx) sees what the resolver sees.
    cleaned = {
        **event,
        "headers": as_text_map(event.get("headers")),
        "queryStringParameters": as_text_map(event.get("queryStringParameters")) or None,
    }
    return app.resolve(cleaned, context)


Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def entry_point(
    path: str, receive: Callable[[HttpRequest, LambdaContext], Any], status: int = 202
) -> tuple[APIGatewayHttpResolver, Handler]:
    """A POST route for `path` whose answer is `receive`'s result, and the Lambda handler for it."""
    app = resolver()

    @app.post(path)
    def post() -> Response[Any]:
        return accepted(receive(current_request(app), app.lambda_context), status)

    @logger.inject_lambda_context(clear_state=True)
    @tracer.capture_lambda_handler
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return resolve(app, event, context)

    return app, handler


def current_request(app: APIGatewayHttpResolver) -> HttpRequest:
    return request_from(app.current_event.raw_event)


def accepted(result: Any, status: int = 202) -> Response[Any]:
    body = result.model_dump(mode="json") if hasattr(result, "model_dump") else result
    return Response(status, "application/json", body)


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
