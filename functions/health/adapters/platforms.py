"""Read a store's controls from its platform: Shopify Admin GraphQL, Adobe Commerce REST."""

from collections.abc import Callable
from typing import Any

import httpx

from functions.common.config import StoreConfig
from functions.common.errors import PermanentActionFailure, PlatformThrottled, TransientPlatformError
from functions.common.magento_auth import BEARER_SETTING, MagentoAuth
from functions.health.models import (
    COMPANION_MODULE,
    MODES_METAFIELD,
    PROTECTED_CUSTOMER_DATA,
    CheckoutFunction,
    CompanionStatus,
    Webhook,
)

API_VERSION = "2026-10"
_TIMEOUT = httpx.Timeout(5.0, connect=2.0)

_SCOPES = "query { currentAppInstallation { accessScopes { handle } } }"
_WEBHOOKS = (
    "query { webhookSubscriptions(first: 100) { nodes { topic endpoint { __typename "
    "... on WebhookHttpEndpoint { callbackUrl } ... on WebhookEventBridgeEndpoint { arn } } } } }"
)
_FUNCTIONS = (
    "query { paymentCustomizations(first: 25) { nodes { enabled shopifyFunction { id title } } } "
    "validations(first: 25) { nodes { enabled shopifyFunction { id title } } } }"
)
_CONTACT = "query { customers(first: 1) { nodes { id defaultEmailAddress { emailAddress } } } }"
_COUNT = "query { customersCount { count } }"
_NAMESPACE, _KEY = MODES_METAFIELD
_MODES = f'query {{ shop {{ metafield(namespace: "{_NAMESPACE}", key: "{_KEY}") {{ type value }} }} }}'
COMPANION_STATUS = "/V1/bulkhead/status"
_ENDPOINT_KINDS = {"WebhookHttpEndpoint": "http", "WebhookEventBridgeEndpoint": "eventbridge"}


def _answer(response: httpx.Response, what: str) -> Any:
    if response.status_code == 429:
        raise PlatformThrottled(f"{what}: HTTP 429", float(response.headers.get("retry-after", "1")))
    if response.status_code >= 500:
        raise TransientPlatformError(f"{what}: HTTP {response.status_code}")
    if response.status_code in (401, 403):
        raise PermanentActionFailure(f"{what}: HTTP {response.status_code}: the access token is invalid or revoked")
    if response.status_code >= 400:
        raise PermanentActionFailure(f"{what}: HTTP {response.status_code}: {response.text[:200]}")
    return response.json()


class ShopifyControls:
    def __init__(self, http: httpx.Client, token: Callable[[StoreConfig], str]) -> None:
        self._http = http
        self._token = token

    def _query(self, store: StoreConfig, query: str) -> dict[str, Any]:
        base = str(store.admin_api_url or f"https://{store.shop_domain}").rstrip("/")
        response = self._http.post(
            f"{base}/admin/api/{API_VERSION}/graphql.json",
            json={"query": query},
            headers={"X-Shopify-Access-Token": self._token(store)},
            timeout=_TIMEOUT,
        )
        body = _answer(response, "Shopify Admin API")
        errors = body.get("errors") or []
        if any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors if isinstance(e, dict)):
            raise PlatformThrottled("Shopify Admin API: THROTTLED")
        if errors:
            first = errors[0].get("message") if isinstance(errors[0], dict) else errors
            raise PermanentActionFailure(f"Shopify Admin API: {first}")
        return dict(body.get("data") or {})

    def granted_scopes(self, store: StoreConfig) -> set[str]:
        installation = self._query(store, _SCOPES).get("currentAppInstallation") or {}
        return {s["handle"] for s in installation.get("accessScopes", [])}

    def webhooks(self, store: StoreConfig) -> list[Webhook]:
        nodes = self._query(store, _WEBHOOKS)["webhookSubscriptions"]["nodes"]
        hooks = []
        for node in nodes:
            endpoint = node.get("endpoint") or {}
            kind = _ENDPOINT_KINDS.get(endpoint.get("__typename", ""), "other")
            address = endpoint.get("callbackUrl") or endpoint.get("arn") or ""
            hooks.append(Webhook(topic=node["topic"], kind=kind, address=address))
        return hooks

    def checkout_functions(self, store: StoreConfig) -> list[CheckoutFunction]:
        data = self._query(store, _FUNCTIONS)
        nodes = [*data["paymentCustomizations"]["nodes"], *data["validations"]["nodes"]]
        return [CheckoutFunction(function_id=n["shopifyFunction"]["title"], enabled=bool(n["enabled"])) for n in nodes]

    def reads_contacts(self, store: StoreConfig) -> bool:
        """Whether the app may read customers' e-mail (protected customer data, Level 2): ACCESS_DENIED if not."""
        try:
            self._query(store, _CONTACT)
        except PermanentActionFailure as exc:
            raise PermanentActionFailure(f"{PROTECTED_CUSTOMER_DATA} not granted to the app: {exc}") from exc
        return True

    def customer_count(self, store: StoreConfig) -> int:
        return int(self._query(store, _COUNT)["customersCount"]["count"])

    def modes_metafield(self, store: StoreConfig) -> tuple[str, str] | None:
        found = (self._query(store, _MODES).get("shop") or {}).get("metafield")
        return (str(found["type"]), str(found["value"])) if found else None

    def companion_status(self, store: StoreConfig) -> CompanionStatus:  # noqa: ARG002 - Adobe Commerce only
        raise PermanentActionFailure("a Shopify store has no companion module")


class AdobeCommerceControls:
    def __init__(self, http: httpx.Client, token: Callable[[StoreConfig], str]) -> None:
        self._http = http
        self._token = token

    def _get(self, store: StoreConfig, path: str, params: dict[str, str] | None = None) -> Any:
        base = str(store.admin_api_url or f"https://{store.shop_domain}").rstrip("/")
        response = self._http.get(
            f"{base}/rest/all{path}",
            params=params,
            auth=MagentoAuth(self._token(store)),
            timeout=_TIMEOUT,
        )
        if response.status_code == 401:
            raise PermanentActionFailure(
                f"Adobe Commerce GET {path}: HTTP 401: the integration is not authorised. Give Bulkhead the "
                "integration's OAuth values (consumer key and secret, access token and secret) as JSON, or "
                f"enable {BEARER_SETTING} for a bare access token"
            )
        return _answer(response, f"Adobe Commerce GET {path}")

    def granted_scopes(self, store: StoreConfig) -> set[str]:  # noqa: ARG002 - ACLs are not readable by REST
        return set()

    def webhooks(self, store: StoreConfig) -> list[Webhook]:
        return [
            Webhook(topic=h["webhook_method"], kind="adobe_commerce", address=str(h.get("url", "")))
            for h in self._get(store, "/V1/webhooks/list")
        ]

    def checkout_functions(self, store: StoreConfig) -> list[CheckoutFunction]:  # noqa: ARG002 - Shopify only
        return []

    def reads_contacts(self, store: StoreConfig) -> bool:  # noqa: ARG002 - the integration's ACL governs it
        return True

    def customer_count(self, store: StoreConfig) -> int:
        found = self._get(store, "/V1/customers/search", {"searchCriteria[pageSize]": "1"})
        return int(found.get("total_count", 0))

    def modes_metafield(self, store: StoreConfig) -> tuple[str, str] | None:  # noqa: ARG002 - Shopify only
        return None

    def companion_status(self, store: StoreConfig) -> CompanionStatus:
        """A disabled or removed module has no routes: Commerce answers 404 for its status."""
        try:
            return CompanionStatus.model_validate(self._get(store, COMPANION_STATUS))
        except PermanentActionFailure as exc:
            if "HTTP 404" not in str(exc):
                raise
            raise PermanentActionFailure(
                f"{COMPANION_MODULE} is disabled or not installed: GET {COMPANION_STATUS} answered 404"
            ) from exc
