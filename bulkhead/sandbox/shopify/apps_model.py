"""Who is calling, and what Shopify lets that app see: the app-scoping rules of the sandbox.

The sandbox's admin token belongs to Bulkhead's app. Shopify shows an app only what that app made,
so every record of the scoped collections carries its owner under `_app` (never projected) and the
operations list, read and delete only the caller's. Each rule cites the page it models; the tests in
`tests/unit/test_sandbox_rules.py` pin one rule each.

- Webhook subscriptions: "Retrieves a paginated list of shop-scoped webhook subscriptions
  configured for the current app" (https://shopify.dev/docs/api/admin-graphql/latest/queries/webhookSubscriptions).
- Storefront access tokens: "An app can have a maximum of 100 active storefront access tokens for
  each shop"; a token "inherits all of the unauthenticated access scopes from the app that creates
  it" (https://shopify.dev/docs/api/admin-graphql/latest/objects/StorefrontAccessToken,
  https://shopify.dev/docs/api/admin-rest/latest/resources/storefrontaccesstoken).
- Bulk operations: `currentBulkOperation` "Returns the current app's most recent" operation
  (https://shopify.dev/docs/api/admin-graphql/latest/queries/currentBulkOperation).
- App installations: `appInstallations` needs the `read_apps` access scope, which Shopify grants to
  custom apps only (https://shopify.dev/docs/api/usage/access-scopes); its `privacy` argument
  defaults to PUBLIC, so custom (private) apps are listed only when asked for
  (https://shopify.dev/docs/api/admin-graphql/latest/queries/appInstallations).
"""

from typing import Any

from bulkhead.sandbox.state import Record, StoreState

OWNER = "_app"
BULKHEAD_APP = "gid://shopify/App/580111"
BULKHEAD_INSTALLATION = "gid://shopify/AppInstallation/580111"
# What Bulkhead's app asks for (docs/deploy.md). `read_apps` is not among them: Shopify grants it
# only to custom apps, and Bulkhead is distributed as a public app.
BULKHEAD_SCOPES = (
    "read_customers",
    "write_customers",
    "read_themes",
    "write_payment_customizations",
    "write_validations",
    "unauthenticated_read_product_listings",
)
ACCESS_SCOPES_PAGE = "https://shopify.dev/api/usage/access-scopes"
PROTECTED_DATA_PAGE = "https://shopify.dev/docs/apps/launch/protected-customer-data"
# Level 2 protected customer data: a customer's name, address, phone and e-mail fields. An app
# without Level 2 approval is refused them (the page defines the levels; the exact error text
# is not documented, the sandbox answers ACCESS_DENIED naming the field).
LEVEL_2_FIELDS = frozenset(
    {"email", "phone", "defaultEmailAddress", "defaultPhoneNumber", "firstName", "lastName", "displayName"}
    | {"defaultAddress", "addresses"}
)
PROTECTED_LEVEL = "_protected_customer_data_level"


class AccessDenied(Exception):
    """A top-level GraphQL error `ACCESS_DENIED`, as Shopify answers a field the app's scopes do not cover."""

    def __init__(self, field: str, scope: str, message: str | None = None, page: str = ACCESS_SCOPES_PAGE) -> None:
        super().__init__(message or f"Access denied for {field} field. Required access: `{scope}` access scope.")
        self.field = field
        self.scope = scope
        self.page = page


def protected_level(state: StoreState) -> int:
    installation = state.table("current_app").get("installation") or {}
    return int(installation.get(PROTECTED_LEVEL, 0))


def require_level_2(state: StoreState, root: str, fields: set[str]) -> None:
    """Refuse a query that reads Level 2 customer fields unless the app was approved for them."""
    asked = sorted(fields & LEVEL_2_FIELDS)
    if asked and protected_level(state) < 2:
        message = (
            f"This app is not approved to access the {asked[0]} field of the Customer object. "
            f"Request protected customer data (Level 2): {PROTECTED_DATA_PAGE}"
        )
        raise AccessDenied(root, "protected customer data (Level 2)", message, PROTECTED_DATA_PAGE)


def caller(state: StoreState) -> str:
    """The app whose token the request carried: always Bulkhead's app in the sandbox."""
    return str((state.table("current_app").get("installation") or {}).get("app", {}).get("id") or BULKHEAD_APP)


def owned(state: StoreState, record: Record) -> bool:
    return record.get(OWNER) == caller(state)


def visible(state: StoreState, table: str) -> list[Record]:
    """The records of `table` that the calling app created."""
    return [r for r in state.table(table).values() if owned(state, r)]


def caller_scopes(state: StoreState) -> set[str]:
    installation = state.table("current_app").get("installation") or {}
    return {s["handle"] for s in installation.get("accessScopes", [])}


def require_scope(state: StoreState, field: str, scope: str) -> None:
    if scope not in caller_scopes(state):
        raise AccessDenied(field, scope)


def bulkhead_installation(distribution: str = "public", protected_customer_data: int = 2) -> dict[str, Any]:
    """Bulkhead's own installation; a custom-distributed build may also hold `read_apps`.

    Bulkhead is approved for Level 2 protected customer data (docs/deploy.md): the roster needs e-mail
    and phone. A store where the approval is missing is `protected_customer_data=0` or 1.
    """
    scopes = (*BULKHEAD_SCOPES, "read_apps") if distribution == "custom" else BULKHEAD_SCOPES
    return {
        PROTECTED_LEVEL: protected_customer_data,
        "__typename": "AppInstallation",
        "id": BULKHEAD_INSTALLATION,
        "app": {"id": BULKHEAD_APP, "title": "Bulkhead", "handle": "bulkhead", "isPrivate": distribution == "custom"},
        "accessScopes": [{"handle": s} for s in scopes],
    }
