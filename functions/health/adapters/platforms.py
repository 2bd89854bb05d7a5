"""Read a store's controls from its platform: Shopify Admin GraphQL, Adobe Commerce REST."""

from collections.abc import Callable
from typing import Any

import httpx

from functions.common.config import StoreConfig
from functions.common.errors import PermanentActionFailure
from functions.common.magento_rest import MagentoRest
from functions.common.shopify_admin import ShopifyAdmin, store_base
from functions.health.models import (
    COMPANION_MODULE,
    MODES_METAFIELD,
    PROTECTED_CUSTOMER_DATA,
    CheckoutFunction,
    CompanionStatus,
    Webhook,
)

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


class ShopifyControls:
    def __init__(self, http: httpx.Client, token: Callable[[StoreConfig], str]) -> None:
        self._http = http
        self._token = token

    def _query(self, store: StoreConfig, query: str) -> dict[str, Any]:
        admin = ShopifyAdmin(self._http, store_base(store.admin_api_url, store.shop_domain), self._token(store))
        return admin.execute(query)

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
        base = store_base(store.admin_api_url, store.shop_domain)
        return MagentoRest(self._http, base, self._token(store), prefix="/rest/all").get(path, params)

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
