"""Every source's own verification and normalisation, on payloads written from the platforms' docs."""

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from functions.common.config import FirmConfig, Severity
from functions.ingest import adobe, events, flow, shopify, tokens
from functions.ingest.errors import Rejected
from functions.ingest.models import DataCategory, SignalSource

EVENTS = Path("tests/events")
CONFIG = FirmConfig.model_validate_json(Path("config/bulkhead.local.json").read_text())
SECRETS = json.loads(Path("config/local-secrets.json").read_text())
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def sample(path: str) -> bytes:
    return (EVENTS / path).read_bytes()


def event(path: str) -> dict[str, object]:
    return dict(json.loads(sample(path)))


def rsa_pair() -> tuple[rsa.RSAPrivateKey, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key, pem.decode()


def rsa_sign(key: rsa.RSAPrivateKey, body: bytes) -> str:
    return base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()


def commerce_sign(key: rsa.RSAPrivateKey, body: bytes) -> str:
    """As Adobe Commerce signs a webhook: RSA-SHA256 of the base64-encoded body."""
    return rsa_sign(key, base64.b64encode(body))


# --- Shopify HTTPS ------------------------------------------------------------------------------


def test_scopes_update_names_the_scopes_added_and_admin_activity_counts_customer_reads() -> None:
    store = CONFIG.store("acme-eu")
    headers = {"x-shopify-topic": "app/scopes_update", "x-shopify-event-id": "e-1"}
    scopes = shopify.normalise(headers, sample("shopify/app_scopes_update.json"), store, NOW)
    assert scopes.attributes["scopes_added"] == "read_customers"
    headers = {"x-shopify-topic": "audit_events/admin_api_activity", "x-shopify-event-id": "e-2"}
    activity = shopify.normalise(headers, sample("shopify/admin_api_activity.json"), store, NOW)
    assert (activity.actor, activity.attributes["customer_reads"]) == ("app:9912345", "2")


def test_a_data_request_keeps_the_customer_id_and_drops_the_contact_details() -> None:
    headers = {"x-shopify-topic": "customers/data_request", "x-shopify-event-id": "e-3"}
    signal = shopify.normalise(headers, sample("shopify/customers_data_request.json"), CONFIG.store("acme-eu"), NOW)
    assert signal.subject_ids == ("customer:191167",)
    assert "john@example.com" not in signal.model_dump_json()


# --- Shopify via EventBridge --------------------------------------------------------------------


def test_admin_api_activity_arrives_through_the_partner_event_source_one_request_per_event() -> None:
    # Shopify delivers audit_events/admin_api_activity only through EventBridge (or Pub/Sub), for
    # each auditable Admin API request; no HMAC: trust is the configured partner event source
    signal = events.accept_event(event("shopify_eventbridge/admin_api_activity.json"), CONFIG, NOW)
    assert (signal.source, signal.topic) == (SignalSource.SHOPIFY_EVENTBRIDGE, "audit_events/admin_api_activity")
    assert (signal.actor, signal.attributes["customer_reads"]) == ("app:9912345", "1")
    assert signal.signal_id == "shopify:c41f9a70-2f5d-4d8c-8b0e-7a6b5c4d3e21"
    assert "email" not in signal.model_dump_json()


def test_a_partner_event_from_the_configured_source_becomes_a_signal() -> None:
    signal = events.accept_event(event("shopify_eventbridge/customers_data_request.json"), CONFIG, NOW)
    assert signal.source is SignalSource.SHOPIFY_EVENTBRIDGE
    assert (signal.store_id, signal.topic) == ("acme-eu", "customers/data_request")
    assert signal.signal_id == "shopify:98880550-7158-44d4-b7cd-2c97c8a091b5"


@pytest.mark.parametrize(
    ("change", "status", "reason"),
    [
        ({"source": "aws.partner/shopify.com/666/attacker-app"}, 403, "not the partner event source"),
        (
            {"detail": {"payload": {}, "metadata": {"X-Shopify-Shop-Domain": "other.myshopify.com"}}},
            403,
            "unknown shop",
        ),
        ({"detail": {"payload": [], "metadata": {}}}, 400, "detail.payload is not an object"),
        ({"source": "com.example.app"}, 422, "not signals Bulkhead reads"),
    ],
)
def test_a_partner_event_from_another_source_or_shop_is_refused(
    change: dict[str, object], status: int, reason: str
) -> None:
    with pytest.raises(Rejected) as refused:
        events.accept_event(event("shopify_eventbridge/customers_data_request.json") | change, CONFIG, NOW)
    assert refused.value.status == status
    assert reason in refused.value.reason


# --- AWS findings --------------------------------------------------------------------------------


def test_guardduty_macie_and_security_hub_findings_name_the_store_by_bucket() -> None:
    guardduty = events.accept_event(event("aws/guardduty_s3_exfiltration.json"), CONFIG, NOW)
    assert (guardduty.topic, guardduty.severity_hint) == ("guardduty/Exfiltration:S3/AnomalousBehavior", Severity.HIGH)
    macie = events.accept_event(event("aws/macie_sensitive_data.json"), CONFIG, NOW)
    assert macie.attributes["customer_data_bucket"] == "true"
    assert DataCategory.FINANCIAL_ACCOUNT in macie.data_categories
    hub = events.accept_event(event("aws/securityhub_finding.json"), CONFIG, NOW)
    assert (hub.store_id, hub.severity_hint, hub.source) == ("acme-eu", Severity.HIGH, SignalSource.AWS_SECURITYHUB)


def test_a_finding_for_no_configured_bucket_or_account_is_refused() -> None:
    finding = event("aws/guardduty_s3_exfiltration.json")
    detail = dict(finding["detail"])  # type: ignore[call-overload]
    detail |= {"accountId": "999999999999", "resource": {"s3BucketDetails": [{"name": "someone-elses"}]}}
    with pytest.raises(Rejected, match="account is not one store's"):
        events.accept_event(finding | {"detail": detail}, CONFIG, NOW)


# --- Shopify Flow and operators' declarations ----------------------------------------------------


def flow_secret() -> str:
    return str(SECRETS["bulkhead/acme-eu/operator-secret"])


def secret_of(secret_id: str) -> str:
    return str(SECRETS[secret_id])


def test_flow_accepts_a_signed_unexpired_token_or_the_shared_secret() -> None:
    body = sample("shopify_flow/declare.json")
    token = tokens.issue(flow_secret(), "acme-eu", "flow", NOW + timedelta(days=30))
    signal = flow.accept_flow({"x-bulkhead-token": token}, body, CONFIG, secret_of, NOW)
    assert (signal.source, signal.severity_hint, signal.store_id) == (
        SignalSource.SHOPIFY_FLOW,
        Severity.CRITICAL,
        "acme-eu",
    )
    assert flow.accept_flow({"x-bulkhead-token": flow_secret()}, body, CONFIG, secret_of, NOW).topic == "flow/declare"


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (None, "missing X-Bulkhead-Token"),
        ("guess", "does not match"),
        (tokens.issue("sandbox-operator-secret-acme-eu", "acme-eu", "flow", NOW - timedelta(seconds=1)), "expired"),
        (tokens.issue("sandbox-operator-secret-acme-eu", "acme-eu", "declare", NOW + timedelta(days=1)), "not 'flow'"),
        (tokens.issue("sandbox-operator-secret-acme-us", "acme-us", "flow", NOW + timedelta(days=1)), "does not match"),
        (tokens.issue("forged", "acme-eu", "flow", NOW + timedelta(days=1)), "does not match"),
    ],
)
def test_flow_refuses_a_missing_wrong_expired_or_misused_token(token: str | None, reason: str) -> None:
    headers = {"x-bulkhead-token": token} if token else {}
    with pytest.raises(Rejected) as refused:
        flow.accept_flow(headers, sample("shopify_flow/declare.json"), CONFIG, secret_of, NOW)
    assert (refused.value.status, reason in refused.value.reason) == (401, True)


def test_a_declaration_needs_a_declare_token_for_its_store_and_names_a_bad_field() -> None:
    token = tokens.issue(flow_secret(), "acme-eu", "declare", NOW + timedelta(hours=1))
    body = json.dumps(
        {"store_id": "acme-eu", "reference": "CASE-42", "severity": "critical", "data_categories": ["contact"]}
    ).encode()
    signal = flow.accept_declaration({"authorization": f"Bearer {token}"}, body, CONFIG, secret_of, NOW)
    assert (signal.signal_id, signal.topic) == ("manual:acme-eu:CASE-42", "manual/declare")
    with pytest.raises(Rejected) as refused:
        flow.accept_declaration(
            {"authorization": f"Bearer {token}"}, body.replace(b"critical", b"dire"), CONFIG, secret_of, NOW
        )
    assert (refused.value.status, "severity" in refused.value.reason) == (422, True)


# --- Adobe Commerce webhooks and I/O Events ------------------------------------------------------


def test_an_adobe_commerce_webhook_verifies_with_the_current_or_the_next_public_key() -> None:
    body = sample("adobe_commerce/customer_search.json")
    old, old_pem = rsa_pair()
    new, new_pem = rsa_pair()
    keys = {"bulkhead/acme-us/webhook-public-key": old_pem + new_pem}
    for key in (old, new):
        headers = {"x-bulkhead-store": "acme-us", "x-adobe-commerce-webhook-signature": commerce_sign(key, body)}
        signal = adobe.accept_webhook(headers, body, CONFIG, keys.__getitem__, NOW)
        assert (signal.actor, signal.source) == ("integration:14", SignalSource.ADOBE_COMMERCE_WEBHOOK)
    attacker, _ = rsa_pair()
    forged = {"x-bulkhead-store": "acme-us", "x-adobe-commerce-webhook-signature": commerce_sign(attacker, body)}
    with pytest.raises(Rejected, match="does not verify"):
        adobe.accept_webhook(forged, body, CONFIG, keys.__getitem__, NOW)
    with pytest.raises(Rejected, match="does not verify"):
        adobe.accept_webhook(
            {**forged, "x-adobe-commerce-webhook-signature": commerce_sign(old, body)},
            body + b" ",
            CONFIG,
            keys.__getitem__,
            NOW,
        )


def test_an_adobe_commerce_signature_covers_the_base64_body_as_adobe_documents_not_the_raw_bytes() -> None:
    # Given a signature of the raw bytes (what a verifier written from memory would expect)
    body = sample("adobe_commerce/customer_search.json")
    key, pem = rsa_pair()
    keys = {"bulkhead/acme-us/webhook-public-key": pem}
    raw = {"x-bulkhead-store": "acme-us", "x-adobe-commerce-webhook-signature": rsa_sign(key, body)}
    # Then it does not verify: Commerce signs base64(body)
    with pytest.raises(Rejected, match="does not verify"):
        adobe.accept_webhook(raw, body, CONFIG, keys.__getitem__, NOW)
    # ...while the same key over base64(body) does, on a plugin hook named by x-bulkhead-topic
    plugin = json.dumps({"searchCriteria": {"filter_groups": [], "page_size": 300}}).encode()
    headers = {
        "x-bulkhead-store": "acme-us",
        "x-bulkhead-topic": "plugin.magento.customer.api.customer_repository.get_list",
        "x-adobe-commerce-webhook-signature": commerce_sign(key, plugin),
    }
    signal = adobe.accept_webhook(headers, plugin, CONFIG, keys.__getitem__, NOW)
    assert signal.topic == "plugin.magento.customer.api.customer_repository.get_list"


def test_an_io_event_needs_one_valid_digital_signature_and_the_stores_client_id() -> None:
    body = sample("adobe_io/customer_save_after.json")
    key, pem = rsa_pair()
    keys = {"bulkhead/acme-us/io-events-public-keys": pem}
    headers = {
        "x-adobe-digital-signature-1": "bm90LWEtc2lnbmF0dXJl",
        "x-adobe-digital-signature-2": rsa_sign(key, body),
    }
    signal = adobe.accept_io_event(headers, body, CONFIG, keys.__getitem__, NOW)
    assert (signal.topic, signal.actor) == ("observer.customer_save_after", "admin_user:3")
    assert "jane@example.com" not in signal.model_dump_json()
    other = body.replace(b"bulkhead-acme-us-io", b"someone-else")
    with pytest.raises(Rejected, match="unknown Adobe Commerce store"):
        adobe.accept_io_event(
            {"x-adobe-digital-signature-1": rsa_sign(key, other)}, other, CONFIG, keys.__getitem__, NOW
        )
