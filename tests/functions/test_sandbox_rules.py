"""Each rule of the sandbox stores, pinned to the platform behaviour it models (the page is cited).

The fakes must never be more generous than Shopify or Adobe Commerce: a test here fails the day a
sandbox rule drifts from its page. Given a running sandbox store, When Bulkhead's app (or
integration) calls it as the adapters do, Then the answer is the platform's.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bulkhead.sandbox import SandboxStore, running_sandbox
from bulkhead.sandbox.fixtures import BULKHEAD_SUBSCRIPTIONS, COMPROMISED_APP_ID
from bulkhead.sandbox.magento.routes.companion import companion
from bulkhead.sandbox.shopify.apps_model import bulkhead_installation
from bulkhead.sandbox.shopify.operations.bulk_operations import MAX_CONCURRENT_BULK_QUERIES
from bulkhead.sandbox.shopify.throttle import LeakyBucket
from functions.common.magento_auth import MagentoAuth
from functions.common.magento_rest import error_message

TOKEN = "shpat_rules"
INTEGRATION = json.dumps(
    {"consumer_key": "ck", "consumer_secret": "cs", "access_token": "at-rules", "access_token_secret": "as"}
)
EXPORT = 'mutation { bulkOperationRunQuery(query: "{ customers { edges { node { id } } } }") '
EXPORT += "{ bulkOperation { id status } userErrors { field message code } } }"


@pytest.fixture
def shopify() -> Iterator[SandboxStore]:
    with running_sandbox("acme-eu", "shopify", TOKEN) as store:
        yield store


def graphql(store: SandboxStore, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = httpx.post(
        store.graphql_url,
        headers={"X-Shopify-Access-Token": TOKEN},
        json={"query": query, "variables": variables or {}},
        timeout=5,
    )
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


# --- Shopify: an app sees only what it made ----------------------------------------------------


def test_webhook_subscriptions_list_only_the_calling_apps_own(shopify: SandboxStore) -> None:
    # https://shopify.dev/docs/api/admin-graphql/latest/queries/webhookSubscriptions:
    # "a paginated list of shop-scoped webhook subscriptions configured for the current app"
    listed = graphql(shopify, "{ webhookSubscriptions(first: 100) { nodes { id topic uri } } }")
    nodes = listed["data"]["webhookSubscriptions"]["nodes"]
    assert {n["topic"]: n["uri"] for n in nodes} == BULKHEAD_SUBSCRIPTIONS
    assert len(shopify.table("webhooks")) > len(nodes)  # the store holds other apps' too


def test_another_apps_webhook_subscription_cannot_be_read_or_deleted(shopify: SandboxStore) -> None:
    exfil = "gid://shopify/WebhookSubscription/5002"  # the compromised app's
    read = graphql(shopify, "query($id: ID!) { webhookSubscription(id: $id) { id } }", {"id": exfil})
    deleted = graphql(
        shopify,
        "mutation($id: ID!) { webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId "
        "userErrors { message } } }",
        {"id": exfil},
    )["data"]["webhookSubscriptionDelete"]
    assert read["data"]["webhookSubscription"] is None
    assert deleted["deletedWebhookSubscriptionId"] is None and deleted["userErrors"]
    assert exfil in shopify.table("webhooks")


def test_storefront_tokens_belong_to_the_app_that_created_them(shopify: SandboxStore) -> None:
    # https://shopify.dev/docs/api/admin-rest/latest/resources/storefrontaccesstoken: a token
    # inherits the scopes of "the app that creates it"; up to 100 active per app and shop.
    listed = graphql(shopify, "{ shop { storefrontAccessTokens(first: 100) { nodes { id title } } } }")
    titles = [n["title"] for n in listed["data"]["shop"]["storefrontAccessTokens"]["nodes"]]
    channel = next(g for g, t in shopify.table("storefront_tokens").items() if t["title"] == "Headless storefront")
    deleted = graphql(
        shopify,
        "mutation($input: StorefrontAccessTokenDeleteInput!) { storefrontAccessTokenDelete(input: $input) "
        "{ deletedStorefrontAccessTokenId userErrors { message } } }",
        {"input": {"id": channel}},
    )["data"]["storefrontAccessTokenDelete"]
    assert titles == ["Bulkhead status banner"]
    assert deleted["deletedStorefrontAccessTokenId"] is None and channel in shopify.table("storefront_tokens")


def test_app_installations_are_refused_to_a_public_app_without_read_apps(shopify: SandboxStore) -> None:
    # https://shopify.dev/docs/api/usage/access-scopes: `read_apps` is for custom apps only
    answer = graphql(shopify, "{ appInstallations(first: 10) { nodes { app { id } } } }")
    assert answer["data"]["appInstallations"] is None
    assert answer["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    assert "read_apps" in answer["errors"][0]["message"]


def test_even_with_read_apps_a_custom_app_is_listed_only_when_private_apps_are_asked_for(
    shopify: SandboxStore,
) -> None:
    # https://shopify.dev/docs/api/admin-graphql/latest/queries/appInstallations: `privacy` defaults to PUBLIC
    with shopify.state.lock:
        shopify.state.table("current_app")["installation"] = bulkhead_installation("custom")
    query = "query($p: AppInstallationPrivacy) { appInstallations(first: 10, privacy: $p) { nodes { app { id } } } }"
    public = graphql(shopify, query)["data"]["appInstallations"]["nodes"]
    private = graphql(shopify, query, {"p": "PRIVATE"})["data"]["appInstallations"]["nodes"]
    compromised = f"gid://shopify/App/{COMPROMISED_APP_ID}"
    assert compromised not in [n["app"]["id"] for n in public]
    assert compromised in [n["app"]["id"] for n in private]


# --- Shopify: the real throttle figures --------------------------------------------------------


@pytest.mark.parametrize(("plan", "maximum", "restore"), [("plus", 20_000, 1_000), ("standard", 2_000, 100)])
def test_throttle_status_reports_the_plans_documented_restore_rate(plan: str, maximum: int, restore: int) -> None:
    # https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits: Standard 100, Plus 1000 points/s
    with running_sandbox("acme-eu", "shopify", TOKEN, bucket=LeakyBucket.for_plan(plan)) as store:
        status = graphql(store, "{ shop { id } }")["extensions"]["cost"]["throttleStatus"]
    assert (status["maximumAvailable"], status["restoreRate"]) == (maximum, restore)


# --- Shopify: five concurrent bulk queries, then LIMIT_REACHED ----------------------------------


def test_a_sixth_concurrent_bulk_query_is_refused_with_limit_reached(shopify: SandboxStore) -> None:
    # https://shopify.dev/docs/api/admin-graphql/latest/enums/BulkOperationUserErrorCode (LIMIT_REACHED);
    # five concurrent bulk queries per app and shop from API version 2026-01.
    started = [graphql(shopify, EXPORT)["data"]["bulkOperationRunQuery"] for _ in range(MAX_CONCURRENT_BULK_QUERIES)]
    refused = graphql(shopify, EXPORT)["data"]["bulkOperationRunQuery"]
    assert all(s["bulkOperation"] and not s["userErrors"] for s in started)
    assert MAX_CONCURRENT_BULK_QUERIES == 5
    assert refused["bulkOperation"] is None and refused["userErrors"][0]["code"] == "LIMIT_REACHED"


def test_current_bulk_operation_is_the_apps_latest_so_a_caller_polls_its_own_by_id(shopify: SandboxStore) -> None:
    # https://shopify.dev/docs/api/admin-graphql/latest/queries/currentBulkOperation: the app's most recent
    first = graphql(shopify, EXPORT)["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
    second = graphql(shopify, EXPORT)["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
    current = graphql(shopify, "{ currentBulkOperation { id } }")["data"]["currentBulkOperation"]
    polled = graphql(shopify, "query($id: ID!) { bulkOperation(id: $id) { id status } }", {"id": first})
    assert current["id"] == second != first
    assert polled["data"]["bulkOperation"]["id"] == first


def test_an_undocumented_customer_search_term_matches_nobody(shopify: SandboxStore) -> None:
    # https://shopify.dev/docs/api/usage/search-syntax: `segment_id:` is not a documented customers term
    query = (
        'mutation { bulkOperationRunQuery(query: "{ customers(query: \\"segment_id:42\\") { edges { node { id } } } }")'
    )
    query += " { bulkOperation { id objectCount } userErrors { message } } }"
    run = graphql(shopify, query)["data"]["bulkOperationRunQuery"]
    assert run["bulkOperation"]["objectCount"] == "0"


# --- Adobe Commerce: OAuth 1.0a, not a bare Bearer token ---------------------------------------


def magento_get(store: SandboxStore, auth: httpx.Auth | None, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.get(f"{store.url}/rest/V1/customers/7001", auth=auth, headers=headers or {}, timeout=5)


def test_a_bare_integration_bearer_token_is_refused_by_default() -> None:
    # https://developer.adobe.com/commerce/webapi/get-started/authentication/gs-authentication-token/:
    # "This behavior has been disabled by default"
    with running_sandbox("acme-us", "adobe_commerce", INTEGRATION) as store:
        answer = magento_get(store, None, {"Authorization": "Bearer at-rules"})
    assert answer.status_code == 401
    assert answer.json()["message"] == "The consumer isn't authorized to access %resources."


def test_a_bare_bearer_token_works_only_where_the_store_enabled_the_setting() -> None:
    with running_sandbox("acme-us", "adobe_commerce", INTEGRATION, integration_as_bearer=True) as store:
        answer = magento_get(store, None, {"Authorization": "Bearer at-rules"})
    assert answer.status_code == 200


def test_an_oauth_signed_request_is_accepted_and_a_tampered_one_refused() -> None:
    # https://developer.adobe.com/commerce/webapi/get-started/authentication/gs-authentication-oauth (OAuth 1.0a)
    with running_sandbox("acme-us", "adobe_commerce", INTEGRATION) as store:
        signed = magento_get(store, MagentoAuth(INTEGRATION))
        wrong = json.dumps({**json.loads(INTEGRATION), "consumer_secret": "not-it"})
        tampered = magento_get(store, MagentoAuth(wrong))
    assert signed.status_code == 200 and signed.json()["id"] == 7001
    assert tampered.status_code == 401


# --- Adobe Commerce: both error-parameter shapes -----------------------------------------------


def test_errors_carry_parameters_as_a_dict_or_a_list_and_both_read_as_text() -> None:
    with running_sandbox("acme-us", "adobe_commerce", INTEGRATION) as store:
        auth = MagentoAuth(INTEGRATION)
        named = httpx.get(f"{store.url}/rest/V1/customers/99", auth=auth, timeout=5)
        positional = httpx.get(
            f"{store.url}/rest/V1/customers/search", params={"searchCriteria[pageSize]": "ten"}, auth=auth, timeout=5
        )
    assert isinstance(named.json()["parameters"], dict) and isinstance(positional.json()["parameters"], list)
    assert error_message(named.json()) == "No such entity with customerId = 99"
    assert (
        error_message(positional.json())
        == 'The "ten" value\'s type is invalid. The "int" type was expected. Verify and try again.'
    )


# --- The canary reads what the platforms answer ---------------------------------------------------


def test_the_canary_names_the_bearer_setting_when_a_bare_token_is_refused() -> None:
    from functions.common.config import StoreConfig
    from functions.common.errors import PermanentActionFailure
    from functions.health.adapters.platforms import AdobeCommerceControls

    with running_sandbox("acme-us", "adobe_commerce", "bare-token") as store:
        config = StoreConfig.model_validate(
            {
                "store_id": "acme-us",
                "platform": "adobe_commerce",
                "shop_domain": "shop.acme-wealth.example",
                "webhook_secret_id": "w",
                "admin_token_secret_id": "a",
                "admin_api_url": store.url,
                "jurisdictions": ["US-NY"],
            }
        )
        with httpx.Client() as http, pytest.raises(PermanentActionFailure, match="enable_integration_as_bearer"):
            AdobeCommerceControls(http, lambda _: "bare-token").customer_count(config)


def test_contact_fields_are_refused_without_level_2_protected_customer_data(shopify: SandboxStore) -> None:
    # https://shopify.dev/docs/apps/launch/protected-customer-data: Level 2 covers name, address, phone, e-mail
    query = "{ customers(first: 1) { nodes { id defaultEmailAddress { emailAddress } } } }"
    approved = graphql(shopify, query)
    with shopify.state.lock:
        shopify.state.table("current_app")["installation"] = bulkhead_installation(protected_customer_data=1)
    refused = graphql(shopify, query)
    ids_only = graphql(shopify, "{ customers(first: 1) { nodes { id } } }")
    assert approved["data"]["customers"]["nodes"][0]["defaultEmailAddress"]["emailAddress"].endswith("@example.com")
    assert refused["data"]["customers"] is None and refused["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    assert ids_only["data"]["customers"]["nodes"]


# --- What the control-health canary reads -------------------------------------------------------


def test_the_shop_metafield_is_null_until_set_and_app_namespaced(shopify: SandboxStore) -> None:
    # https://shopify.dev/docs/api/admin-graphql/latest/objects/Shop: `metafield(namespace:, key:)` is a
    # nullable Metafield (no metafield, no value); `$app:bulkhead` is converted to the calling app's
    # reserved namespace, `app--{app id}--bulkhead` (https://shopify.dev/docs/apps/build/custom-data/ownership).
    read = '{ shop { id metafield(namespace: "$app:bulkhead", key: "degradation") { type value } } }'
    before = graphql(shopify, read)["data"]["shop"]
    assert before["metafield"] is None
    written = graphql(
        shopify,
        "mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { userErrors { message } } }",
        {
            "m": [
                {
                    "ownerId": before["id"],
                    "namespace": "$app:bulkhead",
                    "key": "degradation",
                    "type": "json",
                    "value": '{"version":0,"rules":[]}',
                }
            ]
        },
    )
    assert written["data"]["metafieldsSet"]["userErrors"] == []
    after = graphql(shopify, read)["data"]["shop"]["metafield"]
    assert after == {"type": "json", "value": '{"version":0,"rules":[]}'}
    # Another namespace is another metafield
    other = graphql(shopify, '{ shop { metafield(namespace: "custom", key: "degradation") { value } } }')
    assert other["data"]["shop"]["metafield"] is None


def test_the_webhooks_list_answers_adobes_documented_shape() -> None:
    # https://developer.adobe.com/commerce/extensibility/webhooks/api ("Get a list of all subscribed
    # webhooks"): a JSON array of subscriptions keyed by webhook_method, hook_name, url, required...
    sample = Path(__file__).parent.parent / "events" / "adobe_commerce" / "webhooks_list.json"
    documented = set(json.loads(sample.read_text())[0])
    with running_sandbox("acme-us", "adobe_commerce", INTEGRATION) as store:
        store.state.table("adobe_webhooks")["m"] = {
            "webhook_method": "plugin.magento.sales.api.order_management.place",
            "webhook_type": "before",
            "batch_name": "bulkhead_degradation",
            "hook_name": "order_placement",
            "url": "https://api.example/gates/adobe-commerce/order-placement",
            "required": False,
        }
        answer = httpx.get(f"{store.url}/rest/all/V1/webhooks/list", auth=MagentoAuth(INTEGRATION), timeout=5)
    assert answer.status_code == 200
    [hook] = answer.json()
    assert set(hook) <= documented
    assert hook["webhook_method"] == "plugin.magento.sales.api.order_management.place"


def test_a_disabled_companion_module_has_no_routes() -> None:
    # Adobe documents no answer for a disabled module's route. A disabled module's etc/webapi.xml is
    # not loaded, so its routes answer as any unknown route: 404 "Request does not match any route."
    with running_sandbox("acme-us", "adobe_commerce", INTEGRATION) as store:
        auth = MagentoAuth(INTEGRATION)
        enabled = httpx.get(f"{store.url}/rest/all/V1/bulkhead/status", auth=auth, timeout=5)
        companion(store.state)["enabled"] = False
        status = httpx.get(f"{store.url}/rest/all/V1/bulkhead/status", auth=auth, timeout=5)
        lever = httpx.get(f"{store.url}/rest/V1/bulkhead/integrations/12", auth=auth, timeout=5)
        core = httpx.get(f"{store.url}/rest/V1/customers/7001", auth=auth, timeout=5)
    assert (enabled.status_code, enabled.json()) == (
        200,
        {"module": "Bulkhead_Companion", "version": "1.0.0", "enabled": True},
    )
    assert (status.status_code, lever.status_code, core.status_code) == (404, 404, 200)
    assert status.json() == {"message": "Request does not match any route."}
