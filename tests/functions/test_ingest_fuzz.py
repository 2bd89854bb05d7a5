"""Property: nothing a sender does yields a 5xx, and no malformed or mis-signed request emits a signal.

Generated requests go to the real handlers in-process, against the local fabric's moto resources
(configuration, secrets, idempotency table); a spy counts what reaches the bus. The generators work
at the byte and header level: non-ASCII header values, integers past Python's digit limit, nesting
past the parser's depth, repeated keys, NaN, truncated documented samples; hostile bodies are also
sent *correctly signed*, so they reach the parsers behind the signature checks.

The normal suite runs a short profile (`BULKHEAD_FUZZ_EXAMPLES`, default 300 per property);
`scripts/bench/ingest_fuzz.py` runs the long one (10,000).
"""

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bulkhead.local.lambda_seam import LocalContext
from bulkhead.local.runtime import LocalFabric, http_api_event
from functions.common import clients
from functions.ingest.adapters.eventbridge import EventBridgeSignalBus
from functions.ingest.handlers import (
    declare_incident,
    receive_adobe_webhook,
    receive_flow_request,
    receive_io_event,
    receive_webhook,
)
from functions.ingest.shopify import TOPIC_CATEGORIES, sign

EXAMPLES = int(os.environ.get("BULKHEAD_FUZZ_EXAMPLES", "300"))
SECRET = "sandbox-shopify-app-secret-acme-eu"
OPERATOR_SECRET = "sandbox-operator-secret-acme-eu"
HANDLERS = {
    "/webhooks/shopify": receive_webhook.handler,
    "/webhooks/shopify-flow": receive_flow_request.handler,
    "/webhooks/adobe-commerce": receive_adobe_webhook.handler,
    "/webhooks/adobe-io": receive_io_event.handler,
    "/incidents": declare_incident.handler,
}
CONTEXT = LocalContext("bulkhead-fuzz", "arn:aws:lambda:eu-west-1:123456789012:function:fuzz", 512, "fuzz")
SAMPLES = [p.read_bytes().rstrip() for p in sorted(Path("tests/events/shopify").glob("*.json"))]
HEADER_NAMES = st.sampled_from(
    [
        "content-type",
        "x-shopify-topic",
        "x-shopify-shop-domain",
        "x-shopify-webhook-id",
        "x-shopify-event-id",
        "x-shopify-hmac-sha256",
        "x-shopify-triggered-at",
        "x-bulkhead-token",
        "x-bulkhead-topic",
        "authorization",
        "x-bulkhead-store",
        "x-adobe-commerce-webhook-signature",
        "x-adobe-digital-signature-1",
        "x-adobe-public-key1-path",
    ]
)
HEADER_VALUES = st.one_of(
    st.text(max_size=40),  # any Unicode, not only ASCII
    st.text(st.characters(min_codepoint=0x80), min_size=1, max_size=20),
    st.sampled_from(
        [
            "application/json",
            "acme-wealth-eu.myshopify.com",
            "acme-us",
            "Bearer bh1.acme-eu.declare.1.x",
            "Bearer caf\u00e9",
            "2026-11-27T08:59:58",  # a time without a zone
            OPERATOR_SECRET + "\u00e9",
            *TOPIC_CATEGORIES,
        ]
    ),
)
# A body that can never be a valid delivery even when correctly signed.
HOSTILE = st.one_of(
    st.binary(max_size=300).filter(lambda b: not b.strip().startswith(b"{")),
    st.sampled_from([b"[]", b"null", b'"x"', b"{", b'{"a": ', b"\xff\xfe{}"]),
    st.integers(4_301, 8_000).map(lambda n: b'{"events": [], "n": ' + b"7" * n + b"}"),
    st.integers(1_100, 60_000).map(lambda n: b'{"events": ' + b"[" * n + b"]" * n + b"}"),
    st.sampled_from([b'{"a": NaN}', b'{"a": Infinity}', b'{"a": -Infinity}', b'{"a": 1, "a": 2}']),
    st.sampled_from(SAMPLES).flatmap(lambda s: st.integers(1, len(s) - 1).map(lambda cut: s[:cut])),
)
ANY_BODY = st.one_of(HOSTILE, st.binary(max_size=300), st.just(b'{"event_id": "x"}'))


def commerce_key() -> rsa.RSAPrivateKey:
    pem = clients.client("secretsmanager").get_secret_value(SecretId="sandbox/acme-us/commerce-webhook-signing-key")
    key = serialization.load_pem_private_key(pem["SecretString"].encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def signed_as_the_platform(path: str, body: bytes, key: rsa.RSAPrivateKey, draw: st.DrawFn) -> dict[str, str]:
    """Every header a valid delivery to `path` needs, with a correct signature or token."""
    if path == "/webhooks/shopify":
        return {
            "x-shopify-shop-domain": "acme-wealth-eu.myshopify.com",
            "x-shopify-topic": draw(st.sampled_from(sorted(TOPIC_CATEGORIES))),
            "x-shopify-webhook-id": draw(st.text(min_size=1, max_size=20)),
            "x-shopify-triggered-at": "2026-11-27T08:59:58Z",
            "x-shopify-hmac-sha256": sign(body, SECRET),
        }
    if path == "/webhooks/adobe-commerce":
        signature = base64.b64encode(key.sign(base64.b64encode(body), padding.PKCS1v15(), hashes.SHA256()))
        return {"x-bulkhead-store": "acme-us", "x-adobe-commerce-webhook-signature": signature.decode()}
    if path == "/webhooks/shopify-flow":
        return {"x-bulkhead-token": OPERATOR_SECRET}
    return {}  # I/O Events and declarations: their keys and tokens are not the sender's to have here


@st.composite
def requests(draw: st.DrawFn, key: rsa.RSAPrivateKey) -> tuple[str, dict[str, Any], bool]:
    """(path, HTTP API event, whether the body is hostile and correctly signed)."""
    path = draw(st.sampled_from(sorted(HANDLERS)))
    headers = draw(st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=8))
    signed = draw(st.booleans())
    if signed:
        body = draw(HOSTILE)
        headers |= {"content-type": "application/json", **signed_as_the_platform(path, body, key, draw)}
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
    return path, event, signed and mangle > 2


@pytest.fixture
def bus_spy(fabric: LocalFabric, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    published: list[object] = []
    real = EventBridgeSignalBus.publish

    def spy(self: EventBridgeSignalBus, signal: object) -> None:
        published.append(signal)
        real(self, signal)  # type: ignore[arg-type]

    monkeypatch.setattr(EventBridgeSignalBus, "publish", spy)
    return published


def test_hostile_bytes_and_headers_get_a_4xx_with_a_reason_and_emit_nothing(
    fabric: LocalFabric, bus_spy: list[object]
) -> None:
    statuses: list[int] = []
    reached_parsers: list[int] = []
    key = commerce_key()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(requests(key))
    def send(request: tuple[str, dict[str, Any], bool]) -> None:
        path, event, hostile_but_signed = request
        answer = HANDLERS[path](event, CONTEXT)
        statuses.append(answer["statusCode"])
        assert 400 <= answer["statusCode"] < 500, (path, answer)
        reason = json.loads(answer["body"])["error"]
        assert "Traceback" not in reason and "input_value" not in reason
        if hostile_but_signed and path in ("/webhooks/shopify", "/webhooks/adobe-commerce"):
            reached_parsers.append(answer["statusCode"])
            assert answer["statusCode"] != 401, (path, reason)  # the signature held: the parser refused

    send()
    assert len(statuses) >= EXAMPLES
    assert bus_spy == []
    assert fabric.pending_routed_events() == 0
    assert {401, 400}.issubset(statuses)  # the generator reached the signature and body checks
    assert 400 in reached_parsers


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
