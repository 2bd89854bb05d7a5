"""App installations on the shop: `appInstallations`, `appInstallation`.

No Admin API lets one app remove another app's access; only the merchant can (or the app itself
with `appUninstall`). The sandbox's `uninstall_app` stands for the merchant doing it in the admin.
"""

from typing import Any

from bulkhead.sandbox.shopify.registry import connection, connection_cost, operation
from bulkhead.sandbox.state import StoreState


def installation_for_app(state: StoreState, app_id: str) -> dict[str, Any] | None:
    wanted = app_id if app_id.startswith("gid://") else f"gid://shopify/App/{app_id}"
    return next((i for i in state.table("apps").values() if i["app"]["id"] == wanted), None)


def uninstall_app(state: StoreState, app_id: str) -> bool:
    """What the merchant does in Settings > Apps and sales channels > Uninstall."""
    with state.lock:
        found = installation_for_app(state, app_id)
        if found is None:
            return False
        del state.table("apps")[found["id"]]
        return True


@operation("appInstallations", kind="query", cost=connection_cost)
def app_installations(state: StoreState, args: dict[str, Any]) -> Any:
    return connection(list(state.table("apps").values()), args)


@operation("appInstallation", kind="query", cost=1)
def app_installation(state: StoreState, args: dict[str, Any]) -> Any:
    return state.table("apps").get(str(args.get("id")))
