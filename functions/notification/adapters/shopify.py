"""Affected customers from Shopify's Admin GraphQL API.

Small sets come from paged queries (`nodes` for explicit ids, one `customers` page for a tag); a
segment's members are paged with cursors (`customerSegmentMembers`, a documented connection: no
undocumented `segment_id:` search term); a tag larger than one page, and "all customers", come from
a bulk operation whose JSONL result is downloaded (its URL is valid for 7 days). An exported bulk
operation that this app cannot read (another app's export) widens the scope to all customers, and
says so.

A busy store: from API 2026-01 an app may run five bulk queries at once, and a sixth answers
`LIMIT_REACHED` ("try again later"): the directory waits and retries, then hands the wait to the
state machine's Retry. It polls its own operation with `bulkOperation(id:)`, since
`currentBulkOperation` is the app's most recent one, which may be another export of the same app.
Contacts are read from `defaultEmailAddress` / `defaultPhoneNumber` (`email` / `phone` are
deprecated); reading them needs protected customer data, Level 2 (docs/deploy.md).
"""

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from functions.common.errors import PermanentActionFailure, PlatformThrottled, TransientPlatformError
from functions.notification.adapters import http_retry
from functions.notification.models import Address, AudienceScope, Customer, ScopeKind

API_VERSION = "2026-10"
PAGE = 250  # Shopify's maximum `first`
FIELDS = (
    "id defaultEmailAddress { emailAddress } defaultPhoneNumber { phoneNumber } firstName locale "
    "defaultAddress { countryCodeV2 provinceCode }"
)
NODES = f"query Nodes($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Customer {{ {FIELDS} }} }} }}"
PAGE_QUERY = (
    "query Page($q: String, $first: Int!) { customers(first: $first, query: $q) "
    f"{{ pageInfo {{ hasNextPage }} nodes {{ {FIELDS} }} }} }}"
)
SEGMENT_QUERY = (
    "query Segment($id: ID!, $first: Int!, $after: String) { "
    "customerSegmentMembers(segmentId: $id, first: $first, after: $after) "
    "{ pageInfo { hasNextPage endCursor } edges { node { id } } } }"
)
RUN_BULK = (
    "mutation Run($q: String!) { bulkOperationRunQuery(query: $q) "
    "{ bulkOperation { id status } userErrors { field message code } } }"
)
POLL_BULK = "query Op($id: ID!) { bulkOperation(id: $id) { id status errorCode objectCount url } }"
BULK_NODE = "query Op($id: ID!) { node(id: $id) { ... on BulkOperation { id status url } } }"
THROTTLE_ATTEMPTS = 6
BUSY_ATTEMPTS = 5  # LIMIT_REACHED / OPERATION_IN_PROGRESS: wait and try again, then hand over to Retry
BUSY = {"LIMIT_REACHED", "OPERATION_IN_PROGRESS"}


class ShopifyCustomerDirectory:
    def __init__(
        self,
        http: httpx.Client,
        base_url: str,
        token: str,
        sleep: Callable[[float], None] = time.sleep,
        poll_seconds: float = 1.0,
        bulk_timeout_seconds: float = 240.0,
        busy_wait_seconds: float = 5.0,
    ) -> None:
        self._http = http
        self._url = f"{base_url}/admin/api/{API_VERSION}/graphql.json"
        self._headers = {"X-Shopify-Access-Token": token, "Content-Type": "application/json"}
        self._sleep = sleep
        self._poll = poll_seconds
        self._bulk_timeout = bulk_timeout_seconds
        self._busy_wait = busy_wait_seconds
        self._widened: set[ScopeKind] = set()

    # --- CustomerDirectory ------------------------------------------------------------------

    def customers(self, scope: AudienceScope) -> Iterator[Customer]:
        match scope.kind:
            case ScopeKind.CUSTOMER_IDS:
                yield from self._by_ids([_gid(v) for v in scope.values])
            case ScopeKind.TAG:
                for tag in scope.values:
                    yield from self._query(f"tag:'{_quoted(tag)}'")
            case ScopeKind.SEGMENT:
                for segment in scope.values:
                    yield from self._segment(segment)
            case ScopeKind.BULK_OPERATION:
                for operation in scope.values:
                    yield from self._exported_by(operation)
            case ScopeKind.ALL_CUSTOMERS:
                yield from self._bulk(None)

    def exact(self, scope: AudienceScope) -> bool:
        if scope.kind is ScopeKind.BULK_OPERATION:
            # Known only after resolution: the export is readable or the scope was widened.
            return ScopeKind.BULK_OPERATION not in self._widened
        return True

    # --- paged queries ----------------------------------------------------------------------

    def _by_ids(self, gids: list[str]) -> Iterator[Customer]:
        for start in range(0, len(gids), PAGE):
            data = self._graphql(NODES, {"ids": gids[start : start + PAGE]})
            for node in data.get("nodes") or []:
                if node and node.get("id"):
                    yield _customer(node)

    def _query(self, query: str | None) -> Iterator[Customer]:
        """One page if the set fits; a bulk operation if it does not (no deep cursor paging)."""
        page = self._graphql(PAGE_QUERY, {"q": query, "first": PAGE})["customers"]
        if not page["pageInfo"]["hasNextPage"]:
            yield from (_customer(n) for n in page["nodes"])
            return
        yield from self._bulk(query)

    def _segment(self, segment: str) -> Iterator[Customer]:
        after: str | None = None
        while True:
            variables = {"id": _gid(segment, "Segment"), "first": PAGE, "after": after}
            members = self._graphql(SEGMENT_QUERY, variables)["customerSegmentMembers"]
            ids = [e["node"]["id"].replace("CustomerSegmentMember", "Customer") for e in members["edges"]]
            yield from self._by_ids(ids)
            if not members["pageInfo"]["hasNextPage"]:
                return
            after = members["pageInfo"]["endCursor"]

    def _exported_by(self, operation: str) -> Iterator[Customer]:
        node = self._graphql(BULK_NODE, {"id": operation}).get("node") or {}
        url = node.get("url")
        if not url:  # another app's export: its result is not ours to read
            self._widened.add(ScopeKind.BULK_OPERATION)
            yield from self._bulk(None)
            return
        ids = [line["id"] for line in self._jsonl(url) if str(line.get("id", "")).startswith("gid://shopify/Customer/")]
        yield from self._by_ids(list(dict.fromkeys(ids)))

    # --- bulk operations ----------------------------------------------------------------------

    def _bulk(self, query: str | None) -> Iterator[Customer]:
        argument = f"(query: {json.dumps(query)})" if query else ""
        bulk_query = f"{{ customers{argument} {{ edges {{ node {{ {FIELDS} }} }} }} }}"
        operation_id = self._start_bulk(bulk_query)
        url = self._await(operation_id)
        if url:
            yield from (_customer(line) for line in self._jsonl(url) if "__parentId" not in line)

    def _start_bulk(self, bulk_query: str) -> str:
        """Start an export; while the app already runs its limit of bulk queries, wait and try again."""
        message = ""
        for attempt in range(BUSY_ATTEMPTS):
            run = self._graphql(RUN_BULK, {"q": bulk_query})["bulkOperationRunQuery"]
            errors = run["userErrors"] or []
            if not errors:
                return str(run["bulkOperation"]["id"])
            message = "; ".join(e["message"] for e in errors)
            if not any(e.get("code") in BUSY for e in errors):
                raise PermanentActionFailure(f"Shopify refused the bulk export: {message}")
            if attempt < BUSY_ATTEMPTS - 1:
                self._sleep(self._busy_wait * (attempt + 1))
        raise TransientPlatformError(f"Shopify bulk operations busy: {message}")

    def _await(self, operation_id: str) -> str | None:
        """Poll this export by id (`currentBulkOperation` may be another export of the same app)."""
        deadline = time.monotonic() + self._bulk_timeout
        while True:
            current = self._graphql(POLL_BULK, {"id": operation_id})["bulkOperation"] or {}
            status = current.get("status")
            if status == "COMPLETED":
                return current.get("url")  # None when the export is empty
            if status == "FAILED" and current.get("errorCode") == "ACCESS_DENIED":
                raise PermanentActionFailure(
                    "Shopify bulk export ACCESS_DENIED: the app lacks protected customer data (Level 2) "
                    "or a scope; see docs/deploy.md"
                )
            if status in {"FAILED", "CANCELED", "EXPIRED"}:
                raise TransientPlatformError(f"Shopify bulk export {status}: {current.get('errorCode')}")
            if time.monotonic() > deadline:
                raise TransientPlatformError("Shopify bulk export did not finish in time")
            self._sleep(self._poll)

    def _jsonl(self, url: str) -> Iterator[dict[str, Any]]:
        response = http_retry.call(lambda: self._http.get(url), "bulk result download", self._sleep)
        if response.status_code != 200:
            raise PermanentActionFailure(f"bulk result download answered {response.status_code}")
        for raw in response.text.splitlines():
            if raw.strip():
                yield json.loads(raw)

    # --- transport ----------------------------------------------------------------------------

    def _graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        payload = {"query": query, "variables": variables}
        for _ in range(THROTTLE_ATTEMPTS):
            response = http_retry.call(
                lambda: self._http.post(self._url, json=payload, headers=self._headers),
                "Shopify Admin API",
                self._sleep,
            )
            if response.status_code in (401, 403):
                raise PermanentActionFailure(f"Shopify Admin API refused the token ({response.status_code})")
            if response.status_code != 200:
                raise PermanentActionFailure(f"Shopify Admin API answered {response.status_code}")
            body = response.json()
            errors = body.get("errors") or []
            if any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors):
                self._sleep(_refill_seconds(body))
                continue
            if errors:
                raise PermanentActionFailure(f"Shopify GraphQL error: {errors[0].get('message', errors[0])}")
            return dict(body.get("data") or {})
        raise PlatformThrottled("Shopify Admin API still throttled", retry_after_seconds=2.0)


def _refill_seconds(body: dict[str, Any]) -> float:
    """How long until the bucket holds this query's cost, from extensions.cost.throttleStatus."""
    cost = (body.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    needed = float(cost.get("requestedQueryCost") or 50) - float(status.get("currentlyAvailable") or 0)
    rate = float(status.get("restoreRate") or 50) or 50.0
    return max(needed / rate, 0.05)


def _gid(value: str, kind: str = "Customer") -> str:
    return value if value.startswith("gid://") else f"gid://shopify/{kind}/{value}"


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _customer(node: dict[str, Any]) -> Customer:
    address = node.get("defaultAddress") or {}
    return Customer(
        platform_id=str(node["id"]).rsplit("/", 1)[-1],
        email=(node.get("defaultEmailAddress") or {}).get("emailAddress"),
        phone=(node.get("defaultPhoneNumber") or {}).get("phoneNumber"),
        first_name=node.get("firstName"),
        locale=node.get("locale"),
        addresses=(Address(country_code=address.get("countryCodeV2"), province_code=address.get("provinceCode")),)
        if address
        else (),
    )
