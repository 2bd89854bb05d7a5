"""The canary's platform reads: Adobe's documented webhooks list, the companion status, the shop metafield."""

import json
from pathlib import Path

import httpx
import pytest

from functions.common.config import StoreConfig
from functions.common.errors import PermanentActionFailure
from functions.health.adapters.platforms import AdobeCommerceControls, ShopifyControls

EVENTS = Path(__file__).parent.parent / "events"
ADOBE = StoreConfig.model_validate(
    {
        "store_id": "acme-us",
        "platform": "adobe_commerce",
        "shop_domain": "shop.acme.example",
        "webhook_secret_id": "w",
        "admin_token_secret_id": "t",
    }
)
SHOPIFY = StoreConfig.model_validate(
    {
        "store_id": "acme-eu",
        "platform": "shopify",
        "shop_domain": "acme.myshopify.com",
        "webhook_secret_id": "w",
        "admin_token_secret_id": "t",
    }
)


def adobe(answer: httpx.Response, seen: list[str]) -> AdobeCommerceControls:
    def respond(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return answer

    return AdobeCommerceControls(httpx.Client(transport=httpx.MockTransport(respond)), lambda _s: "token")


def test_the_documented_webhooks_list_is_read_by_method() -> None:
    # Given Commerce's answer to GET /V1/webhooks/list, verbatim from Adobe's webhooks API page
    body = json.loads((EVENTS / "adobe_commerce" / "webhooks_list.json").read_text())
    seen: list[str] = []
    hooks = adobe(httpx.Response(200, json=body), seen).webhooks(ADOBE)
    assert seen == ["/rest/all/V1/webhooks/list"]
    assert [(h.topic, h.kind, h.address) for h in hooks] == [
        ("observer.sales_order_place_before", "adobe_commerce", "/hook-url")
    ]


def test_the_companion_status_is_read() -> None:
    seen: list[str] = []
    answer = httpx.Response(200, json={"module": "Bulkhead_Companion", "version": "1.0.0", "enabled": True})
    status = adobe(answer, seen).companion_status(ADOBE)
    assert seen == ["/rest/all/V1/bulkhead/status"]
    assert (status.module, status.version, status.enabled) == ("Bulkhead_Companion", "1.0.0", True)


def test_a_companion_without_routes_is_named_disabled_or_not_installed() -> None:
    answer = httpx.Response(404, json={"message": "Request does not match any route."})
    with pytest.raises(PermanentActionFailure, match="Bulkhead_Companion is disabled or not installed"):
        adobe(answer, []).companion_status(ADOBE)


def test_other_companion_failures_keep_their_own_answer() -> None:
    with pytest.raises(PermanentActionFailure, match="HTTP 401"):
        adobe(httpx.Response(401, json={"message": "The consumer isn't authorized"}), []).companion_status(ADOBE)


@pytest.mark.parametrize(
    ("metafield", "read"),
    [({"type": "json", "value": '{"version":0,"rules":[]}'}, ("json", '{"version":0,"rules":[]}')), (None, None)],
)
def test_the_shop_metafield_is_read_by_namespace_and_key(
    metafield: dict[str, str] | None, read: tuple[str, str] | None
) -> None:
    queries: list[str] = []

    def respond(request: httpx.Request) -> httpx.Response:
        queries.append(json.loads(request.content)["query"])
        return httpx.Response(200, json={"data": {"shop": {"metafield": metafield}}})

    controls = ShopifyControls(httpx.Client(transport=httpx.MockTransport(respond)), lambda _s: "token")
    assert controls.modes_metafield(SHOPIFY) == read
    assert queries == ['query { shop { metafield(namespace: "$app:bulkhead", key: "degradation") { type value } } }']
