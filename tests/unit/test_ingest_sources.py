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


def documented(path: str, shop: str = "acme-wealth-eu") -> bytes:
    """A documented Shopify sample, with Shopify's `{shop}` placeholder filled in."""
    return sample(path).replace(b"{shop}", shop.encode())


def delivery(topic: str, webhook_id: str = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043") -> dict[str, str]:
    return {
        "x-shopify-topic": topic,
        "x-shopify-shop-domain": "acme-wealth-eu.myshopify.com",
        "x-shopify-webhook-id": webhook_id,
        "x-shopify-triggered-at": "2026-11-27T08:59:58Z",
    }


def test_scopes_update_names_the_scopes_added_and_the_audit_trail_names_the_app() -> None:
    store = CONFIG.store("acme-eu")
    scopes = shopify.normalise(delivery("app/scopes_update"), sample("shopify/app_scopes_update.json"), store, NOW)
    assert (scopes.attributes["scopes_added"], scopes.actor) == ("write_products", None)
    activity = shopify.normalise(
        delivery("audit_events/admin_api_activity"), sample("shopify/audit_events_admin_api_activity.json"), store, NOW
    )
    # the documented sample: app 4 ("Private app") ran `query orders`: a request, but no customer read
    assert activity.actor == "app:4"
    assert activity.attributes == {
        "actor_type": "app",
        "app_name": "Private app",
        "customer_reads": "0",
        "bulk_customer_exports": "0",
        "requests": "1",
        "other_actors": "0",
    }
    assert "dev@example.com" not in activity.model_dump_json()


def test_a_data_request_keeps_the_customer_id_and_drops_the_contact_details() -> None:
    body = documented("shopify/customers_data_request.json")
    signal = shopify.normalise(delivery("customers/data_request"), body, CONFIG.store("acme-eu"), NOW)
    assert signal.subject_ids == ("customer:191167",)
    assert "john@example.com" not in signal.model_dump_json()


@pytest.mark.parametrize("topic", ["customers/data_request", "customers/redact", "shop/redact"])
def test_a_compliance_topic_naming_another_shop_than_its_header_is_refused(topic: str) -> None:
    body = documented(f"shopify/{topic.replace('/', '_')}.json", shop="someone-else")
    with pytest.raises(Rejected) as refused:
        shopify.normalise(delivery(topic), body, CONFIG.store("acme-eu"), NOW)
    assert (refused.value.status, refused.value.reason) == (
        422,
        "shop_domain in the body is not the shop the delivery comes from",
    )


# --- Shopify via EventBridge --------------------------------------------------------------------


def test_admin_api_activity_arrives_through_the_partner_event_source() -> None:
    # Shopify delivers audit_events/admin_api_activity only through EventBridge (or Pub/Sub), for
    # each auditable Admin API request; no HMAC: trust is the configured partner event source
    signal = events.accept_event(event("shopify_eventbridge/admin_api_activity.json"), CONFIG, NOW)
    assert (signal.source, signal.topic) == (SignalSource.SHOPIFY_EVENTBRIDGE, "audit_events/admin_api_activity")
    assert (signal.actor, signal.attributes["customer_reads"]) == ("app:4", "0")
    assert signal.signal_id == "shopify:audit_events/admin_api_activity:0e3c1d54-7a0b-4f8e-9a66-5b1c2d3e4f50"
    assert "dev@example.com" not in signal.model_dump_json()


def test_a_partner_event_from_the_configured_source_becomes_a_signal() -> None:
    signal = events.accept_event(event("shopify_eventbridge/customers_data_request.json"), CONFIG, NOW)
    assert signal.source is SignalSource.SHOPIFY_EVENTBRIDGE
    assert (signal.store_id, signal.topic) == ("acme-eu", "customers/data_request")
    assert signal.signal_id == "shopify:customers/data_request:b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"


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
        (tokens.issue("forged", "acme-eu", "flow", NOW + timedelta(days=1)), "does not match"),
        ("bh1.acme-eu.flow.1795856400.\u00e9t\u00e9", "not a Bulkhead token"),
        ("s\u00e9cret-\u2603", "does not match"),
    ],
)
def test_flow_refuses_a_missing_wrong_expired_or_misused_token(token: str | None, reason: str) -> None:
    headers = {"x-bulkhead-token": token} if token else {}
    with pytest.raises(Rejected) as refused:
        flow.accept_flow(headers, sample("shopify_flow/declare.json"), CONFIG, secret_of, NOW)
    assert (refused.value.status, reason in refused.value.reason) == (401, True), refused.value.reason


def test_a_valid_flow_token_of_another_store_is_refused_before_the_body_counts() -> None:
    token = tokens.issue("sandbox-operator-secret-acme-us", "acme-us", "flow", NOW + timedelta(days=1))
    with pytest.raises(Rejected) as refused:
        flow.accept_flow({"x-bulkhead-token": token}, sample("shopify_flow/declare.json"), CONFIG, secret_of, NOW)
    assert (refused.value.status, refused.value.reason) == (403, "token was issued for another store")


@pytest.mark.parametrize("accept", [flow.accept_flow, flow.accept_declaration])
def test_a_time_without_a_zone_is_a_422_naming_the_field(accept: object) -> None:
    body = json.loads(sample("shopify_flow/declare.json"))
    if accept is flow.accept_declaration:
        body = {"store_id": "acme-eu", "reference": "CASE-7", "severity": "high", "data_categories": ["contact"]}
        token = tokens.issue(flow_secret(), "acme-eu", "declare", NOW + timedelta(hours=1))
        headers = {"authorization": f"Bearer {token}"}
    else:
        headers = {"x-bulkhead-token": flow_secret()}
    body["occurred_at"] = "2026-11-27T08:59:58"
    with pytest.raises(Rejected) as refused:
        accept(headers, json.dumps(body).encode(), CONFIG, secret_of, NOW)  # type: ignore[operator]
    assert refused.value.status == 422
    assert "occurred_at" in refused.value.reason and "timezone" in refused.value.reason
    assert "2026-11-27T08:59:58" not in refused.value.reason  # never the sender's content


def test_a_non_ascii_bearer_token_is_a_401() -> None:
    body = b'{"store_id": "acme-eu"}'
    with pytest.raises(Rejected) as refused:
        flow.accept_declaration({"authorization": "Bearer caf\u00e9"}, body, CONFIG, secret_of, NOW)
    assert refused.value.status == 401


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


IO_CLIENT = "531f2f763b2f4c34b03001d8bf2bd4df"  # the documented sample's recipient_client_id
IO_CONFIG = CONFIG.model_copy(
    update={
        "stores": tuple(
            s.model_copy(update={"io_events_client_id": IO_CLIENT}) if s.store_id == "acme-us" else s
            for s in CONFIG.stores
        )
    }
)


def test_an_io_event_needs_one_valid_digital_signature_and_the_stores_client_id() -> None:
    body = sample("adobe_io/customer_login.json")  # Adobe's own sample, verbatim
    key, pem = rsa_pair()
    keys = {"bulkhead/acme-us/io-events-public-keys": pem}
    headers = {
        "x-adobe-digital-signature-1": "bm90LWEtc2lnbmF0dXJl",
        "x-adobe-digital-signature-2": rsa_sign(key, body),
    }
    signal = adobe.accept_io_event(headers, body, IO_CONFIG, keys.__getitem__, NOW)
    assert (signal.topic, signal.actor, signal.store_id) == ("observer.customer_login", None, "acme-us")
    assert signal.signal_id == "adobe:acme-us:dafb64a8-7823-4be0-8291-cf46baf66ede"
    other = body.replace(IO_CLIENT.encode(), b"someone-else")
    with pytest.raises(Rejected, match="recipient_client_id is not the registration"):
        adobe.accept_io_event(
            {"x-adobe-digital-signature-1": rsa_sign(key, other)}, other, IO_CONFIG, keys.__getitem__, NOW
        )


def test_an_io_event_is_verified_before_its_body_is_parsed() -> None:
    # Given a body no JSON parser should be asked to read (an integer past Python's digit limit)
    body = b'{"recipient_client_id": "bulkhead-acme-us-io", "n": ' + b"7" * 5000 + b"}"
    _, pem = rsa_pair()
    keys = {"bulkhead/acme-us/io-events-public-keys": pem}
    # When it arrives unsigned, then the answer is 401, not a parser error
    with pytest.raises(Rejected) as refused:
        adobe.accept_io_event({"x-adobe-digital-signature-1": "bm90"}, body, CONFIG, keys.__getitem__, NOW)
    assert refused.value.status == 401
    # and signed, it is a 400 with the reason
    key, pem = rsa_pair()
    keys = {"bulkhead/acme-us/io-events-public-keys": pem}
    with pytest.raises(Rejected) as refused:
        adobe.accept_io_event({"x-adobe-digital-signature-1": rsa_sign(key, body)}, body, CONFIG, keys.__getitem__, NOW)
    assert (refused.value.status, refused.value.reason) == (400, "body is not valid JSON")


def test_an_observer_hook_with_the_default_payload_is_named_by_its_event_name_without_prefix() -> None:
    # Adobe's default observer payload: "eventName": "sales_order_place_before" (no "observer.")
    body = sample("adobe_commerce/observer_sales_order_place_before.json")
    key, pem = rsa_pair()
    keys = {"bulkhead/acme-us/webhook-public-key": pem}
    headers = {"x-bulkhead-store": "acme-us", "x-adobe-commerce-webhook-signature": commerce_sign(key, body)}
    signal = adobe.accept_webhook(headers, body, CONFIG, keys.__getitem__, NOW)
    assert (signal.topic, signal.actor) == ("observer.sales_order_place_before", None)
    assert adobe.hook_topic("customer_login", "") == "observer.customer_login"
    assert adobe.hook_topic("customer_login", "observer.customer_login") == "observer.customer_login"
    with pytest.raises(Rejected, match="name different events"):
        adobe.hook_topic("customer_login", "observer.theme_save_after")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"integration_id": "9" * 257}, "data.integration_id is longer than 128 characters"),
        ({"integration_id": 10**400}, "data.integration_id is longer than 128 characters"),
        ({"admin_user_id": "ops\x00"}, "data.admin_user_id holds control characters"),
    ],
)
def test_an_adobe_commerce_id_too_long_to_be_one_is_refused_with_its_field(
    data: dict[str, object], reason: str
) -> None:
    body = json.dumps({"eventName": "customer_login", "data": data}).encode()
    key, pem = rsa_pair()
    keys = {"bulkhead/acme-us/webhook-public-key": pem}
    headers = {"x-bulkhead-store": "acme-us", "x-adobe-commerce-webhook-signature": commerce_sign(key, body)}
    with pytest.raises(Rejected) as refused:
        adobe.accept_webhook(headers, body, CONFIG, keys.__getitem__, NOW)
    assert (refused.value.status, refused.value.reason) == (400, reason)
