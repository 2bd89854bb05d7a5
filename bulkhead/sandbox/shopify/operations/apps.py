"""App installations on the shop: `currentAppInstallation`, `appInstallations`, `appInstallation`.

`currentAppInstallation` is the caller's own installation (its granted scopes). Listing other apps
needs `read_apps`, which Shopify grants only to custom apps: a public app such as Bulkhead gets
`ACCESS_DENIED`. Even with it, `appInstallations` lists public apps unless `privacy: PRIVATE` is
asked for, so a compromised custom app is invisible to the default query
(bulkhead/sandbox/shopify/apps_model.py cites the pages).

No Admin API lets one app remove another app's access; only the merchant can (or the app itself
with `appUninstall`). The sandbox's `uninstall_app` stands for the merchant doing it in the admin.
"""

from typing import Any

from bulkhead.sandbox.shopify.apps_model import require_scope
from bulkhead.sandbox.shopify.registry import connection, connection_cost, operation
from bulkhead.sandbox.state import StoreState


def installation_for_app(state: StoreState, app_id: str) -> dict[str, Any] | None:
    wanted = app_id if app_id.startswith("gid://") else f"gid://shopify/App/{app_id}"
    return next((i for i in state.table("apps").values() if i["app"]["id"] == wanted), None)


def uninstall_app(state: StoreState, app_id: str) -> bool:
    """What the merchant does in Settings > Apps and sales channels > Uninstall.

    Uninstalling removes the app's webhook subscriptions and storefront access tokens with it.
    """
    with state.lock:
        found = installation_for_app(state, app_id)
        if found is None:
            return False
        del state.table("apps")[found["id"]]
        owner = found["app"]["id"]
        for table in ("webhooks", "storefront_tokens"):
            rows = state.table(table)
            for gid in [g for g, r in rows.items() if r.get("_app") == owner]:
                del rows[gid]
        return True


@operation("currentAppInstallation", kind="query", cost=1)
def current_app_installation(state: StoreState, _args: dict[str, Any]) -> Any:
    return state.table("current_app").get("installation")


@operation("appInstallations", kind="query", cost=connection_cost)
def app_installations(state: StoreState, args: dict[str, Any]) -> Any:
    require_scope(state, "appInstallations", "read_apps")
    private = str(args.get("privacy") or "PUBLIC") == "PRIVATE"
    nodes = [i for i in state.table("apps").values() if bool(i["app"].get("isPrivate")) == private]
    return connection(nodes, args)


@operation("appInstallation", kind="query", cost=1)
def app_installation(state: StoreState, args: dict[str, Any]) -> Any:
    wanted = args.get("id")
    if wanted is None:  # no id: the caller's own installation
        return state.table("current_app").get("installation")
    require_scope(state, "appInstallation", "read_apps")
    return state.table("apps").get(str(wanted))
