"""Every documented sample drives the rule it should, or none: what each topic can say, and no more.

The samples are the platforms' own (tests/events/SOURCES.md). Audit-trail deliveries that should
declare are built from the documented sample by changing only the request it records.
"""

import base64
import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from functions.detection.domain import detect
from functions.ingest import adobe, shopify
from functions.ingest.models import Signal
from tests.unit.test_detection_rules import CONFIG, NOW, deps

EVENTS = Path("tests/events")
STORE = CONFIG.store("acme-eu")
BULK = (
    "mutation bulkOperationRunQuery($query: String!) {\n"
    "  bulkOperationRunQuery(query: $query) { bulkOperation { id } userErrors { field } }\n}"
)
AUDIT = json.loads((EVENTS / "shopify/audit_events_admin_api_activity.json").read_text())


def delivered(topic: str, body: bytes, webhook_id: str = "w-1") -> Signal:
    headers = {
        "x-shopify-topic": topic,
        "x-shopify-shop-domain": STORE.shop_domain,
        "x-shopify-webhook-id": webhook_id,
        "x-shopify-triggered-at": (NOW - timedelta(seconds=5)).isoformat(),
    }
    return shopify.normalise(headers, body.replace(b"{shop}", STORE.shop_domain.split(".")[0].encode()), STORE, NOW)


def audit_request(query: str, variables: dict[str, Any], mutations: list[str], app: object = 4) -> dict[str, Any]:
    """The documented audit entry with another request recorded in it (and optionally another app)."""
    entry = copy.deepcopy(AUDIT["events"][0])
    entry["event"]["additional_metadata"] |= {"query": query, "variables": variables, "mutation_names": mutations}
    entry["event"]["actor"]["actor_identifier"] = app
    return dict(entry)


@pytest.mark.parametrize(
    ("sample", "topic", "outcome", "rule"),
    [
        ("audit_events_admin_api_activity.json", "audit_events/admin_api_activity", "ignored", None),
        ("bulk_operations_finish.json", "bulk_operations/finish", "ignored", None),
        ("app_scopes_update.json", "app/scopes_update", "ignored", None),
        ("app_uninstalled.json", "app/uninstalled", "ignored", None),
        ("customers_data_request.json", "customers/data_request", "ignored", "shopify-data-request-spike"),
        ("customers_redact.json", "customers/redact", "ignored", None),
        ("shop_redact.json", "shop/redact", "ignored", None),
        ("themes_publish.json", "themes/publish", "declared", "shopify-theme-published-outside-window"),
    ],
)
def test_each_documented_shopify_sample_drives_its_rule_or_none(
    sample: str, topic: str, outcome: str, rule: str | None
) -> None:
    d, _ = deps()
    disposition = detect(delivered(topic, (EVENTS / "shopify" / sample).read_bytes()), d)
    assert (disposition.outcome, disposition.rule_id) == (outcome, rule), disposition.reason


def test_the_documented_audit_sample_names_the_app_and_reads_no_customer() -> None:
    signal = delivered("audit_events/admin_api_activity", json.dumps(AUDIT).encode())
    assert (signal.actor, signal.attributes["app_name"], signal.attributes["customer_reads"]) == (
        "app:4",
        "Private app",
        "0",
    )


def test_a_thousand_customer_queries_by_an_unlisted_app_declare_mass_reads() -> None:
    # Given 1,000 customer queries by app 4 in the documented shape (the app under actor, the
    # request under additional_metadata), in four deliveries of 250
    query = "query customers($first: Int!) {\n  customers(first: $first) {\n    nodes {\n      id\n    }\n  }\n}"
    body = json.dumps({"events": [audit_request(query, {"first": 250}, [])] * 250}).encode()
    d, _ = deps()
    outcomes = [detect(delivered("audit_events/admin_api_activity", body, f"w-{n}"), d) for n in range(4)]
    # Then they count 1,000 customer reads and the fourth delivery declares
    assert [o.outcome for o in outcomes] == ["ignored", "ignored", "ignored", "declared"]
    assert outcomes[-1].rule_id == "shopify-admin-api-customer-reads"
    declared = d.bus.declared[0].incident  # type: ignore[attr-defined]
    assert (declared.actor, declared.severity.value) == ("app:4", "high")


def test_a_bulk_export_of_customers_by_an_unlisted_app_declares_and_scopes_the_whole_store() -> None:
    export = audit_request(BULK, {"query": "{ customers { edges { node { id } } } }"}, ["bulkOperationRunQuery"])
    d, _ = deps()
    disposition = detect(delivered("audit_events/admin_api_activity", json.dumps({"events": [export]}).encode()), d)
    assert (disposition.outcome, disposition.rule_id) == ("declared", "shopify-bulk-customer-export")
    incident = d.bus.declared[0].incident  # type: ignore[attr-defined]
    assert (incident.actor, incident.scope.subject_ids, incident.severity.value) == (
        "app:4",
        ("store:all",),
        "critical",
    )


def test_the_same_export_by_an_allow_listed_app_or_by_no_named_actor_declares_nothing() -> None:
    variables = {"query": "{ customers { edges { node { id } } } }"}
    listed = audit_request(BULK, variables, ["bulkOperationRunQuery"], app=580111)
    unnamed = audit_request(BULK, variables, ["bulkOperationRunQuery"])
    del unnamed["event"]["actor"]
    d, _ = deps()
    for n, entry in enumerate((listed, unnamed)):
        body = json.dumps({"events": [entry]}).encode()
        assert detect(delivered("audit_events/admin_api_activity", body, f"w-{n}"), d).outcome == "ignored"
    assert d.bus.declared == []  # type: ignore[attr-defined]


def test_a_bulk_export_of_products_is_no_customer_export() -> None:
    products = audit_request(BULK, {"query": "{ products { edges { node { id } } } }"}, ["bulkOperationRunQuery"])
    signal = delivered("audit_events/admin_api_activity", json.dumps({"events": [products]}).encode())
    assert (signal.attributes["bulk_customer_exports"], signal.subject_ids) == ("0", ())


def test_the_documented_adobe_observer_sample_drives_no_rule() -> None:
    # observer.sales_order_place_before with its default payload: one order placed, no attack
    body = (EVENTS / "adobe_commerce/observer_sales_order_place_before.json").read_bytes()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signature = key.sign(base64.b64encode(body), padding.PKCS1v15(), hashes.SHA256())
    headers = {
        "x-bulkhead-store": "acme-us",
        "x-adobe-commerce-webhook-signature": base64.b64encode(signature).decode(),
    }
    order = adobe.accept_webhook(
        headers, body, CONFIG, {"bulkhead/acme-us/webhook-public-key": pem.decode()}.__getitem__, NOW
    )
    d, _ = deps()
    disposition = detect(order, d)
    assert (order.topic, disposition.outcome) == ("observer.sales_order_place_before", "ignored")
    assert disposition.reason == "no rule reads topic observer.sales_order_place_before"
