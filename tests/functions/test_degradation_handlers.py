"""Degradation handlers on moto: the Adobe Commerce gate, the headless endpoint, the expiry check."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bulkhead.local.runtime import LocalFabric, http_api_event
from functions.common import clients, wiring
from functions.degradation import adobe
from functions.degradation.adapters.dynamodb import DynamoControlsStore
from functions.degradation.adapters.shopify import NoProjection
from functions.degradation.domain import change_modes, clear_modes
from functions.degradation.models import DegradationMode, ModeChange, ModeClear
from functions.degradation.wiring import gate_cache
from functions.ledger.wiring import ledger

M = DegradationMode
TOKEN = "headless-token-for-acme-eu-0123456789"
ORDER = {"order": {"customer_group_id": 1, "payment": {"method": "braintree"}}}
ACCOUNT = {"customer": {"group_id": 1}}


@pytest.fixture
def signing_key(fabric: LocalFabric) -> Iterator[str]:
    """Given Commerce's key pair: the public half where the store's configuration says it lives."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    sm = clients.client("secretsmanager")
    sm.put_secret_value(SecretId="bulkhead/acme-us/webhook-public-key", SecretString=public.decode())
    sm.create_secret(Name="bulkhead/acme-eu/modes-token", SecretString=json.dumps({"current": TOKEN}))
    wiring.forget_secrets()
    gate_cache().forget()
    gate_cache().fresh_seconds = 0.0  # every request re-reads: the tests change modes between requests
    yield key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    gate_cache().fresh_seconds = 5.0
    gate_cache().forget()


def gate(fabric: LocalFabric, hook: str, payload: dict[str, object], private_key: str, store: str = "acme-us"):  # type: ignore[no-untyped-def]
    body = json.dumps(payload).encode()
    headers = {
        "content-type": "application/json",
        "x-bulkhead-store": store,
        adobe.SIGNATURE_HEADER: adobe.sign(body, private_key),
    }
    return fabric.post(f"/gates/adobe-commerce/{hook}", headers, body)


def headless(fabric: LocalFabric, query: dict[str, str], token: str = TOKEN) -> tuple[int, dict[str, object]]:
    event = http_api_event("GET", "/degradation/modes", {"authorization": f"Bearer {token}"}, b"")
    event["queryStringParameters"] = query
    event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in query.items())
    answer = fabric.invoke("ReadDegradationModes", event)
    return int(answer["statusCode"]), json.loads(answer["body"])


def set_modes(store: str, *modes: DegradationMode, segment: str | None = None, ttl: int = 60) -> None:
    store_controls = DynamoControlsStore(clients.client("dynamodb"), _controls_table())
    change = ModeChange(store_id=store, modes=modes, segment=segment, ttl_minutes=ttl, actor="test")
    change_modes(change, store_controls, ledger(), NoProjection("test"), datetime.now(UTC))


def clear_all(store: str) -> None:
    store_controls = DynamoControlsStore(clients.client("dynamodb"), _controls_table())
    clear_modes(
        ModeClear(store_id=store, all_segments=True, actor="test"),
        store_controls,
        ledger(),
        NoProjection("test"),
        datetime.now(UTC),
    )


def _controls_table() -> str:
    import os

    return os.environ["CONTROLS_TABLE_NAME"]


def test_the_adobe_gate_answers_each_hook_by_mode_and_restore_returns_it_to_normal(
    fabric: LocalFabric, signing_key: str
) -> None:
    # Given a normal store, every hook succeeds
    for hook, payload in (("order-placement", ORDER), ("login", {}), ("account-change", ACCOUNT)):
        answer = gate(fabric, hook, payload, signing_key)
        assert (answer.status, answer.body) == (200, {"op": "success"})

    # When checkout is paused, login stepped up and accounts read-only
    set_modes("acme-us", M.CHECKOUT_PAUSED, M.LOGIN_STEP_UP, M.ACCOUNT_READ_ONLY)
    # Then each hook is stopped with its message
    for hook, payload in (("order-placement", ORDER), ("login", {}), ("account-change", ACCOUNT)):
        answer = gate(fabric, hook, payload, signing_key)
        assert answer.status == 200 and answer.body["op"] == "exception" and answer.body["message"]

    # When restored, every hook succeeds again
    clear_all("acme-us")
    for hook, payload in (("order-placement", ORDER), ("login", {}), ("account-change", ACCOUNT)):
        assert gate(fabric, hook, payload, signing_key).body == {"op": "success"}


def test_the_adobe_gate_refuses_what_it_cannot_trust(fabric: LocalFabric, signing_key: str) -> None:
    body = json.dumps(ORDER).encode()
    forged = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    base = {"content-type": "application/json", "x-bulkhead-store": "acme-us"}
    unsigned = fabric.post("/gates/adobe-commerce/order-placement", base, body)
    wrong_key = fabric.post(
        "/gates/adobe-commerce/order-placement",
        {**base, adobe.SIGNATURE_HEADER: adobe.sign(body, forged.decode())},
        body,
    )
    shopify_store = gate(fabric, "order-placement", ORDER, signing_key, store="acme-eu")
    not_json = fabric.post(
        "/gates/adobe-commerce/order-placement", {**base, adobe.SIGNATURE_HEADER: adobe.sign(b"[1", signing_key)}, b"[1"
    )
    assert (unsigned.status, wrong_key.status, shopify_store.status, not_json.status) == (401, 401, 403, 400)
    assert unsigned.body == {"error": "missing signature header"}


def test_the_gates_follow_their_fail_rules_when_the_controls_table_is_unreachable(
    fabric: LocalFabric, signing_key: str
) -> None:
    # Given account changes are read-only, and the gates have seen it
    set_modes("acme-us", M.ACCOUNT_READ_ONLY)
    assert gate(fabric, "account-change", ACCOUNT, signing_key).body["op"] == "exception"
    # When the controls table becomes unreachable
    clients.client("dynamodb").delete_table(TableName=_controls_table())
    # Then a recent copy is still enforced (stale) ...
    assert gate(fabric, "account-change", ACCOUNT, signing_key).body["op"] == "exception"
    # ... and with no copy at all, orders and logins fail open, account changes fail closed
    gate_cache().forget()
    assert gate(fabric, "order-placement", ORDER, signing_key).body == {"op": "success"}
    assert gate(fabric, "login", {}, signing_key).body == {"op": "success"}
    closed = gate(fabric, "account-change", ACCOUNT, signing_key).body
    assert closed["op"] == "exception" and "try again later" in closed["message"]
    # ... and the headless endpoint says so, instead of guessing
    status, body = headless(fabric, {"store": "acme-eu"})
    assert (status, body) == (503, {"error": "modes are unavailable; keep the last modes you read and retry"})


def test_the_headless_endpoint_answers_token_bearers_with_the_modes_in_force(
    fabric: LocalFabric, signing_key: str
) -> None:
    clear_all("acme-eu")
    assert headless(fabric, {"store": "acme-eu"})[1]["modes"] == ["normal"]

    set_modes("acme-eu", M.PAYMENTS_RESTRICTED, segment="affected")
    status, segment_view = headless(fabric, {"store": "acme-eu", "segment": "affected"})
    _, everyone = headless(fabric, {"store": "acme-eu"})
    assert status == 200
    assert segment_view["modes"] == ["payments_restricted"]
    assert segment_view["restrictions"]["payments_restricted"] is True
    assert everyone["modes"] == ["normal"]

    clear_all("acme-eu")
    assert headless(fabric, {"store": "acme-eu", "segment": "affected"})[1]["modes"] == ["normal"]

    assert headless(fabric, {"store": "acme-eu"}, token="wrong-token-wrong-token-wrong")[0] == 401
    assert headless(fabric, {"store": "acme-us"})[0] == 403  # no token configured for that store
    assert headless(fabric, {})[1] == {"error": "query parameter 'store' is required"}
    assert headless(fabric, {"store": "acme-eu", "segment": "Not A Slug"})[0] == 400


def test_the_expiry_check_pages_on_call_for_a_mode_past_its_expiry(fabric: LocalFabric) -> None:
    sqs = clients.client("sqs")
    url = sqs.create_queue(QueueName="oncall-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    clients.client("sns").subscribe(TopicArn=fabric.topics["OnCall"], Protocol="sqs", Endpoint=arn)
    # Given a mode set an hour ago for ten minutes, never renewed
    store_controls = DynamoControlsStore(clients.client("dynamodb"), _controls_table())
    change = ModeChange(
        store_id="acme-us", modes=(M.CHECKOUT_PAUSED,), ttl_minutes=10, actor="test", incident_id="inc-x"
    )
    change_modes(change, store_controls, ledger(), NoProjection("test"), datetime.now(UTC) - timedelta(hours=1))

    report = fabric.invoke("CheckModeExpiry", {})

    (overdue,) = report["overdue"]
    assert (overdue["store_id"], overdue["modes"], overdue["overdue_minutes"]) == ("acme-us", ["checkout_paused"], 50)
    pages = [
        json.loads(m["Body"])["Message"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    ]
    assert any("acme-us store-wide: checkout_paused expired 50 min ago (incident inc-x)" in p for p in pages)
