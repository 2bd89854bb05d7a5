"""Start the sandbox stores a configuration names and point those stores at them.

The local runtime calls `start_sandboxes` before it stores the configuration: every store with
`"sandbox": true` and no `admin_api_url` of its own gets a loopback server, and its
`admin_api_url` is rewritten to that server's URL. A store that names an `admin_api_url` (a real
development store) is left alone.
"""

import json
from collections.abc import Mapping
from contextlib import ExitStack
from typing import Any

from bulkhead.sandbox.stores import SandboxStore


def start_sandboxes(
    config_text: str, secrets: Mapping[str, str], stack: ExitStack
) -> tuple[str, dict[str, SandboxStore]]:
    """The configuration with sandbox URLs filled in, and the running stores by store id.

    The stores stop when `stack` closes. A sandbox accepts the same admin token that the store's
    `admin_token_secret_id` holds, so the handlers authenticate exactly as they would for real.
    """
    try:
        config: dict[str, Any] = json.loads(config_text)
    except json.JSONDecodeError:
        return config_text, {}  # the runtime's validation names the problem
    stores: dict[str, SandboxStore] = {}
    for store in config.get("stores", []) if isinstance(config, dict) else []:
        if not isinstance(store, dict) or not store.get("sandbox") or store.get("admin_api_url"):
            continue
        token = secrets.get(store.get("admin_token_secret_id", ""), "")
        sandbox = SandboxStore(store["store_id"], store["platform"], token, shop_domain=store["shop_domain"]).start()
        stack.callback(sandbox.stop)
        stores[store["store_id"]] = sandbox
        store["admin_api_url"] = sandbox.url
    return (json.dumps(config, indent=2) if stores else config_text), stores
