"""The ingest handlers on the local fabric (moto): every source accepted once, every fault refused with a 4xx."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from bulkhead.local.drill import bulk_export_webhook
from bulkhead.local.runtime import LocalFabric
from functions.common import clients
from functions.ingest import tokens
from functions.ingest.adapters.eventbridge import EventBridgeSignalBus
from functions.ingest.shopify import sign

EVENTS = Path("tests/events")
SHOPIFY_SECRET = "sandbox-shopify-app-secret-acme-eu"
OPERATOR_SECRET = "sandbox-operator-secret-acme-eu"


def emitted(fabric: LocalFabric) -> list[dict[str, Any]]:
    """Signals put on the bus (drained from the detection route's queue)."""
    sqs = clients.client("sqs")
    url = fabric.route_queues["SignalsToDetection"]
    found = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            found.append(json.loads(message["Body"])["detail"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def shopify_delivery(topic: str, sample: str, webhook_id: str, **headers: str) -> tuple[dict[str, str], bytes]:
    """Shopify's documented sample for the topic, delivered as Shopify does (`{shop}` filled in)."""
    body = (EVENTS / "shopify" / sample).read_bytes().replace(b"{shop}", b"acme-wealth-eu")
    base = {
        "content-type": "application/json",
        "x-shopify-topic": topic,
        "x-shopify-shop-domain": "acme-wealth-eu.myshopify.com",
        "x-shopify-webhook-id": webhook_id,
        "x-shopify-event-id": "one-merchant-action",
        "x-shopify-triggered-at": datetime.now(UTC).isoformat(),
        "x-shopify-hmac-sha256": sign(body, SHOPIFY_SECRET),
    }
    return base | headers, body


def test_each_shopify_topic_is_accepted_once_and_becomes_one_signal(fabric: LocalFabric) -> None:
    # Given signed deliveries of four topics
    for n, (topic, sample) in enumerate(
        [
            ("app/scopes_update", "app_scopes_update.json"),
            ("themes/publish", "themes_publish.json"),
            ("customers/data_request", "customers_data_request.json"),
            ("audit_events/admin_api_activity", "audit_events_admin_api_activity.json"),
        ]
    ):
        headers, body = shopify_delivery(topic, sample, f"evt-{n}")
        # When each is posted  Then it is accepted
        answer = fabric.post("/webhooks/shopify", headers, body)
        assert (answer.status, answer.body["duplicate"]) == (202, False)
    # ...and exactly four signals are on the bus, none with the customer's contact details
    signals = emitted(fabric)
    assert [s["topic"] for s in signals] == [
        "app/scopes_update",
        "themes/publish",
        "customers/data_request",
        "audit_events/admin_api_activity",
    ]
    assert "john@example.com" not in json.dumps(signals)


def test_a_retried_delivery_is_processed_once_and_a_reused_id_with_another_body_is_refused(fabric: LocalFabric) -> None:
    headers, body = bulk_export_webhook(SHOPIFY_SECRET, event_id="retry-1")
    first = fabric.post("/webhooks/shopify", headers, body)
    again = fabric.post("/webhooks/shopify", headers, body)
    assert (first.status, again.status, again.body["duplicate"]) == (202, 202, True)
    assert len(emitted(fabric)) == 1
    changed = body.replace(b"9912345", b"9912346")
    assert changed != body
    reused = fabric.post(
        "/webhooks/shopify", {**headers, "x-shopify-hmac-sha256": sign(changed, SHOPIFY_SECRET)}, changed
    )
    assert (reused.status, reused.body["error"]) == (409, "delivery id was already received with a different payload")
    assert emitted(fabric) == []


@pytest.mark.parametrize(
    ("change", "status", "reason"),
    [
        ({"x-shopify-hmac-sha256": sign(b"other", SHOPIFY_SECRET)}, 401, "signature does not match"),
        ({"x-shopify-hmac-sha256": ""}, 401, "missing X-Shopify-Hmac-Sha256 header"),
        ({"x-shopify-shop-domain": "evil.myshopify.com"}, 403, "unknown shop domain"),
        ({"content-type": "text/plain"}, 415, "content type must be application/json"),
        ({"x-shopify-triggered-at": (datetime.now(UTC) - timedelta(hours=6)).isoformat()}, 409, "stale delivery"),
        ({"x-shopify-triggered-at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}, 409, "in the future"),
        ({"x-shopify-topic": "orders/create"}, 422, "is not one Bulkhead subscribes to"),
    ],
)
def test_a_bad_delivery_gets_a_4xx_with_its_reason_and_emits_nothing(
    fabric: LocalFabric, change: dict[str, str], status: int, reason: str
) -> None:
    headers, body = bulk_export_webhook(SHOPIFY_SECRET)
    answer = fabric.post("/webhooks/shopify", headers | change, body)
    assert answer.status == status
    assert reason in answer.body["error"]
    assert emitted(fabric) == []


def test_an_oversize_body_is_refused_with_413(fabric: LocalFabric) -> None:
    headers, _ = bulk_export_webhook(SHOPIFY_SECRET)
    body = b'{"pad": "' + b"x" * 1_100_000 + b'"}'
    answer = fabric.post("/webhooks/shopify", headers | {"x-shopify-hmac-sha256": sign(body, SHOPIFY_SECRET)}, body)
    assert answer.status == 413


def test_a_bus_outage_answers_503_so_shopify_retries_and_the_retry_is_accepted(
    fabric: LocalFabric, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers, body = bulk_export_webhook(SHOPIFY_SECRET, event_id="outage-1")
    real = EventBridgeSignalBus.publish

    def unreachable(self: EventBridgeSignalBus, signal: object) -> None:
        raise EndpointConnectionError(endpoint_url="https://events.eu-west-1.amazonaws.com")

    monkeypatch.setattr(EventBridgeSignalBus, "publish", unreachable)
    assert fabric.post("/webhooks/shopify", headers, body).status == 503
    monkeypatch.setattr(EventBridgeSignalBus, "publish", real)
    # The failed attempt left no idempotency record behind: the retry is processed.
    retry = fabric.post("/webhooks/shopify", headers, body)
    assert (retry.status, retry.body["duplicate"]) == (202, False)
    assert len(emitted(fabric)) == 1


def test_flow_and_operator_declarations_are_accepted_with_tokens_and_refused_without(fabric: LocalFabric) -> None:
    body = (EVENTS / "shopify_flow" / "declare.json").read_bytes()
    body = body.replace(b"2026-11-27T08:59:58+00:00", datetime.now(UTC).isoformat().encode())
    token = tokens.issue(OPERATOR_SECRET, "acme-eu", "flow", datetime.now(UTC) + timedelta(days=90))
    json_type = {"content-type": "application/json"}
    assert fabric.post("/webhooks/shopify-flow", json_type | {"x-bulkhead-token": token}, body).status == 202
    assert fabric.post("/webhooks/shopify-flow", json_type | {"x-bulkhead-token": "nope"}, body).status == 401
    declaration = json.dumps(
        {"store_id": "acme-eu", "reference": "CASE-7", "severity": "high", "data_categories": ["contact"]}
    ).encode()
    declare = tokens.issue(OPERATOR_SECRET, "acme-eu", "declare", datetime.now(UTC) + timedelta(hours=1))
    assert fabric.post("/incidents", json_type | {"authorization": f"Bearer {declare}"}, declaration).status == 202
    assert fabric.post("/incidents", json_type | {"authorization": f"Bearer {token}"}, declaration).status == 401
    assert [s["topic"] for s in emitted(fabric)] == ["flow/declare", "manual/declare"]


def test_partner_events_and_findings_are_accepted_and_foreign_ones_rejected_without_emitting(
    fabric: LocalFabric,
) -> None:
    now = datetime.now(UTC).isoformat()
    partner = json.loads((EVENTS / "shopify_eventbridge" / "customers_data_request.json").read_text())
    partner["detail"]["metadata"]["X-Shopify-Triggered-At"] = now
    macie = json.loads((EVENTS / "aws" / "macie_sensitive_data.json").read_text())
    macie["detail"]["updatedAt"] = now
    assert fabric.invoke("ReceivePlatformEvent", partner)["status"] == "accepted"
    assert fabric.invoke("ReceivePlatformEvent", partner)["status"] == "duplicate"
    assert fabric.invoke("ReceivePlatformEvent", macie)["status"] == "accepted"
    foreign = partner | {"source": "aws.partner/shopify.com/666/other"}
    assert fabric.invoke("ReceivePlatformEvent", foreign)["status"] == "rejected"
    assert [s["source"] for s in emitted(fabric)] == ["shopify.eventbridge", "aws.macie"]


def test_a_rotated_app_secret_is_accepted_at_once_and_the_old_one_refused(fabric: LocalFabric) -> None:
    # Given a delivery verified with the current secret (now cached by the ingest function)
    headers, body = bulk_export_webhook(SHOPIFY_SECRET, event_id="before-rotation")
    assert fabric.post("/webhooks/shopify", headers, body).status == 202
    # When the secret is rotated in Secrets Manager (no previous secret configured for the store)
    rotated = "rotated-shopify-app-secret-acme-eu"
    clients.client("secretsmanager").put_secret_value(SecretId="bulkhead/acme-eu/webhook-secret", SecretString=rotated)
    # Then a delivery signed with the new secret is accepted at once, not after the cache expires
    headers, body = bulk_export_webhook(rotated, event_id="after-rotation")
    assert fabric.post("/webhooks/shopify", headers, body).status == 202
    # ...and one signed with the old secret is refused: it is no longer configured
    headers, body = bulk_export_webhook(SHOPIFY_SECRET, event_id="old-secret")
    answer = fabric.post("/webhooks/shopify", headers, body)
    assert (answer.status, answer.body["error"]) == (401, "signature does not match")
    assert [s["signal_id"] for s in emitted(fabric)] == [
        "shopify:audit_events/admin_api_activity:before-rotation",
        "shopify:audit_events/admin_api_activity:after-rotation",
    ]
