"""Property: nothing a sender does yields a 5xx, and no malformed or mis-signed request emits a signal.

Ten thousand generated requests go to the real handlers in-process, against the local fabric's
moto resources (configuration, secrets, idempotency table); a spy counts what reaches the bus.
"""

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bulkhead.local.lambda_seam import LocalContext
from bulkhead.local.runtime import LocalFabric, http_api_event
from functions.ingest.adapters.eventbridge import EventBridgeSignalBus
from functions.ingest.handlers import (
    declare_incident,
    receive_adobe_webhook,
    receive_flow_request,
    receive_io_event,
    receive_webhook,
)
from functions.ingest.shopify import TOPIC_CATEGORIES, sign

SECRET = "sandbox-shopify-app-secret-acme-eu"
HANDLERS = {
    "/webhooks/shopify": receive_webhook.handler,
    "/webhooks/shopify-flow": receive_flow_request.handler,
    "/webhooks/adobe-commerce": receive_adobe_webhook.handler,
    "/webhooks/adobe-io": receive_io_event.handler,
    "/incidents": declare_incident.handler,
}
CONTEXT = LocalContext("bulkhead-fuzz", "arn:aws:lambda:eu-west-1:123456789012:function:fuzz", 512, "fuzz")
HEADER_NAMES = st.sampled_from(
    [
        "content-type",
        "x-shopify-topic",
        "x-shopify-shop-domain",
        "x-shopify-event-id",
        "x-shopify-hmac-sha256",
        "x-shopify-triggered-at",
        "x-bulkhead-token",
        "authorization",
        "x-bulkhead-store",
        "x-adobe-commerce-webhook-signature",
        "x-adobe-digital-signature-1",
        "x-adobe-public-key1-path",
    ]
)
HEADER_VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "application/json",
            "acme-wealth-eu.myshopify.com",
            "acme-us",
            "Bearer bh1.acme-eu.declare.1.x",
            *TOPIC_CATEGORIES,
        ]
    ),
)
# A body that can never be a valid delivery even when correctly signed: it is not a JSON object.
NOT_AN_OBJECT = st.one_of(
    st.binary(max_size=300).filter(lambda b: not b.strip().startswith(b"{")),
    st.sampled_from([b"[]", b"null", b'"x"', b"{", b'{"a": ', b"\xff\xfe{}"]),
)
ANY_BODY = st.one_of(NOT_AN_OBJECT, st.binary(max_size=300), st.just(b'{"event_id": "x"}'))


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    path = draw(st.sampled_from(sorted(HANDLERS)))
    headers = draw(st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=8))
    if draw(st.booleans()):
        # Correctly signed, with every header a valid delivery needs, but a body that is no JSON object.
        body = draw(NOT_AN_OBJECT)
        headers |= {
            "content-type": "application/json",
            "x-shopify-shop-domain": "acme-wealth-eu.myshopify.com",
            "x-shopify-topic": draw(st.sampled_from(sorted(TOPIC_CATEGORIES))),
            "x-shopify-event-id": draw(st.text(min_size=1, max_size=20)),
            "x-shopify-hmac-sha256": sign(body, SECRET),
        }
    else:
        # Anything at all, signed with the wrong secret or not at all.
        body = draw(ANY_BODY)
        if draw(st.booleans()):
            headers["x-shopify-hmac-sha256"] = sign(body, draw(st.text(max_size=10)))
    event = http_api_event("POST", path, headers, body)
    mangle = draw(st.integers(0, 9))
    if mangle == 0:
        event["isBase64Encoded"], event["body"] = True, draw(st.text(max_size=30))  # not valid base64
    elif mangle == 1:
        event["headers"] = draw(st.sampled_from([None, [], "x", {"content-type": None}]))
    elif mangle == 2:
        event["body"] = draw(st.sampled_from([None, 7, ["x"], {"a": 1}]))
    return path, event


@pytest.fixture
def bus_spy(fabric: LocalFabric, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    published: list[object] = []
    real = EventBridgeSignalBus.publish

    def spy(self: EventBridgeSignalBus, signal: object) -> None:
        published.append(signal)
        real(self, signal)  # type: ignore[arg-type]

    monkeypatch.setattr(EventBridgeSignalBus, "publish", spy)
    return published


def test_ten_thousand_malformed_or_mis_signed_requests_get_no_5xx_and_emit_nothing(
    fabric: LocalFabric, bus_spy: list[object]
) -> None:
    statuses: list[int] = []

    @settings(
        max_examples=10_000,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(requests())
    def send(request: tuple[str, dict[str, Any]]) -> None:
        path, event = request
        answer = HANDLERS[path](event, CONTEXT)
        statuses.append(answer["statusCode"])
        assert 400 <= answer["statusCode"] < 500, (path, answer)
        assert "error" in json.loads(answer["body"])

    send()
    assert len(statuses) >= 10_000
    assert bus_spy == []
    assert fabric.pending_routed_events() == 0
    assert {401, 400, 415}.issubset(statuses)  # the generator reached the signature and body checks


def test_the_io_events_challenge_is_echoed_and_a_bad_one_is_a_4xx(fabric: LocalFabric) -> None:
    event = http_api_event("GET", "/webhooks/adobe-io", {}, b"")
    event["queryStringParameters"] = {"challenge": "8ec8d794-e0ab-42df-9017-e3dada8e84f7"}
    answer = receive_io_event.handler(event, CONTEXT)
    assert (answer["statusCode"], json.loads(answer["body"])) == (
        200,
        {"challenge": "8ec8d794-e0ab-42df-9017-e3dada8e84f7"},
    )
    event["queryStringParameters"] = {"challenge": "x" * 300}
    assert receive_io_event.handler(event, CONTEXT)["statusCode"] in {400, 401, 415}
