"""The one Shopify Admin GraphQL client: one API version, one URL, one reading of throttling.

Every answer's `extensions.cost.throttleStatus` is read here: `THROTTLED` (and HTTP 429) becomes
`PlatformThrottled` carrying the wait until the bucket holds the query's cost again; 5xx and
transport errors are `TransientPlatformError`. The one retry policy (functions/common/retry.py)
repeats both briefly, then leaves them to the state machine's Retry. 401/403, other 4xx, GraphQL
errors and `userErrors` are `PermanentActionFailure`.
(https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits)
"""

import time
from collections.abc import Callable
from typing import Any

import httpx

from functions.common.clients import answered
from functions.common.errors import PermanentActionFailure, PlatformThrottled
from functions.common.retry import ATTEMPTS, retrying

API_VERSION = "2026-10"
_DEFAULT_COST = 10.0  # a query's cost when Shopify does not say (a single-object query)
_DEFAULT_RESTORE_RATE = 100.0  # points a second on the Standard plan, the lowest (rate-limits page)


def graphql_url(base_url: str) -> str:
    """`https://<shop>/admin/api/<version>/graphql.json` for a store's admin base URL."""
    return f"{base_url.rstrip('/')}/admin/api/{API_VERSION}/graphql.json"


def store_base(admin_api_url: object | None, shop_domain: str) -> str:
    """A store's admin base URL: the configured one (sandbox, proxy) or its myshopify domain."""
    return str(admin_api_url or f"https://{shop_domain}").rstrip("/")


def admin_link(shop_domain: str, path: str) -> str:
    """A deep link into the store's admin for a person (admin.shopify.com/store/<handle>/...)."""
    return f"https://admin.shopify.com/store/{shop_domain.removesuffix('.myshopify.com')}/{path}"


def throttle_wait(body: dict[str, Any]) -> float:
    """Seconds until the bucket holds this query's cost again, from `extensions.cost.throttleStatus`."""
    cost = (body.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    needed = float(cost.get("requestedQueryCost") or _DEFAULT_COST) - float(status.get("currentlyAvailable") or 0)
    rate = float(status.get("restoreRate") or _DEFAULT_RESTORE_RATE) or _DEFAULT_RESTORE_RATE
    return max(needed / rate, 0.05)


def throttled(errors: Any) -> bool:
    return isinstance(errors, list) and any(
        isinstance(e, dict) and (e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors
    )


def _first_message(errors: Any) -> str:
    if isinstance(errors, list) and errors:
        first = errors[0]
        return str(first.get("message", first) if isinstance(first, dict) else first)[:300]
    return str(errors)[:300]


class ShopifyAdmin:
    def __init__(
        self,
        http: httpx.Client,
        base_url: str,
        token: str,
        sleep: Callable[[float], None] = time.sleep,
        attempts: int = ATTEMPTS,
    ) -> None:
        self._http = http
        self._url = graphql_url(base_url)
        self._headers = {"X-Shopify-Access-Token": token, "Content-Type": "application/json"}
        self._sleep = sleep
        self._attempts = attempts

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The query's `data`, after waiting out short throttling."""
        payload = {"query": query, "variables": variables or {}}
        return retrying(lambda: self._once(payload), self._sleep, self._attempts)

    def mutate(
        self, query: str, variables: dict[str, Any], root: str, tolerate: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """Run a mutation; `userErrors` are permanent unless their message says the work is already done."""
        result = self.execute(query, variables)[root]
        problems = [
            str(e.get("message"))
            for e in result.get("userErrors") or []
            if not any(t.lower() in str(e.get("message")).lower() for t in tolerate)
        ]
        if problems:
            raise PermanentActionFailure(f"Shopify {root}: {'; '.join(problems)}"[:300])
        return dict(result)

    def _once(self, payload: dict[str, Any]) -> dict[str, Any]:
        response = answered(
            lambda: self._http.post(self._url, headers=self._headers, json=payload), "Shopify Admin API"
        )
        status = response.status_code
        if status in (401, 403):
            raise PermanentActionFailure(f"Shopify Admin API: HTTP {status}: the access token is invalid or revoked")
        if status >= 400:
            raise PermanentActionFailure(f"Shopify Admin API refused the call: HTTP {status}")
        body = response.json()
        errors = body.get("errors")
        if throttled(errors):
            raise PlatformThrottled("Shopify Admin API: THROTTLED", throttle_wait(body))
        if errors:
            raise PermanentActionFailure(f"Shopify GraphQL error: {_first_message(errors)}")
        return dict(body.get("data") or {})
