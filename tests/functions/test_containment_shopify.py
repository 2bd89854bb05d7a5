"""Shopify containment executors against a sandbox store with the app-scoping rules on.

Given no trusted webhook host at all (`trusted_webhook_hosts` empty, the default), When the
`untrusted` subscriptions are removed, Then only what Bulkhead's own credentials made is removed,
and never one of Bulkhead's delivery paths (HTTPS ingest and the EventBridge audit feed).
"""

from collections.abc import Iterator

import httpx
import pytest

from bulkhead.sandbox import SandboxStore, running_sandbox
from bulkhead.sandbox.fixtures import BULKHEAD_SUBSCRIPTIONS
from bulkhead.sandbox.shopify.apps_model import BULKHEAD_APP
from bulkhead.sandbox.shopify.operations.webhooks import subscription
from functions.common.shopify_admin import ShopifyAdmin
from functions.containment.adapters.shopify import WebhookSubscriptions, delivery_path
from functions.containment.models import ActionKind, PlannedAction

TOKEN = "shpat_containment"
ACTION = PlannedAction(
    action_id="act-01-remove-webhook-subscription",
    kind=ActionKind.SHOPIFY_REMOVE_WEBHOOK,
    store_id="acme-eu",
    target="untrusted",
    reason="test",
)


@pytest.fixture
def store() -> Iterator[SandboxStore]:
    with running_sandbox("acme-eu", "shopify", TOKEN) as running:
        yield running


def test_with_no_trusted_host_only_a_rogue_subscription_of_bulkheads_own_is_removed(store: SandboxStore) -> None:
    # Given a subscription made with Bulkhead's credentials to an outside host, beside its delivery paths
    rogue = "gid://shopify/WebhookSubscription/5003"
    with store.state.lock:
        store.state.table("webhooks")[rogue] = subscription(
            rogue, "CUSTOMERS_UPDATE", {"uri": "https://collector.exfil.example/c"}, BULKHEAD_APP
        )
    before = store.table("webhooks")
    executor = WebhookSubscriptions(ShopifyAdmin(httpx.Client(timeout=5), store.url, TOKEN), trusted_hosts=())

    # When the untrusted ones are snapshotted, removed and verified
    pre = {**executor.snapshot(ACTION), "incident_id": "inc-20261130-webhooks"}
    changed = executor.apply(ACTION, pre)

    # Then exactly the rogue one is gone; Bulkhead's five delivery paths and other apps' stay
    after = store.table("webhooks")
    assert changed == 1 and executor.verify(ACTION, pre)
    assert [h["id"] for h in pre["subscriptions"]] == [rogue]
    assert pre["delivery_paths_kept"] == len(BULKHEAD_SUBSCRIPTIONS)
    assert after == {g: h for g, h in before.items() if g != rogue}


@pytest.mark.parametrize(
    ("uri", "own"),
    [
        ("https://bulkhead.example/webhooks/shopify", True),
        ("arn:aws:events:eu-west-1::event-source/aws.partner/shopify.com/1/bulkhead", True),
        ("pubsub://project:topic", True),
        ("https://collector.exfil.example/webhooks", False),
    ],
)
def test_a_delivery_path_is_recognised_by_its_endpoint(uri: str, own: bool) -> None:
    assert delivery_path({"uri": uri}) is own
