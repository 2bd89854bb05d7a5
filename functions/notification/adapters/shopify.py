"""Affected customers from Shopify's Admin GraphQL API.

Small sets come from paged queries (`nodes` for explicit ids, one `customers` page for a tag); a
segment's members are paged with cursors (`customerSegmentMembers`, a documented connection: no
undocumented `segment_id:` search term); a tag larger than one page, and "all customers", come from
a bulk operation whose JSONL result is downloaded (its URL is valid for 7 days). An exported bulk
operation that this app cannot read (another app's export) widens the scope to all customers, and
says so.

A busy store: from API 2026-01 an app may run five bulk queries at once, and a sixth answers
`LIMIT_REACHED` ("try again later"): that is throttling, so the directory waits and retries by the
one policy (functions/common/retry.py), then hands the wait to the state machine's Retry. It polls
its own operation with `bulkOperation(id:)`, since `currentBulkOperation` is the app's most recent
one, which may be another export of the same app.
Contacts are read from `defaultEmailAddress` / `defaultPhoneNumber` (`email` / `phone` are
deprecated); reading them needs protected customer data, Level 2 (docs/deploy.md).
"""

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from functions.common.clients import answered
from functions.common.errors import PermanentActionFailure, PlatformThrottled, TransientPlatformError
from functions.common.retry import retrying
from functions.common.shopify_admin import ShopifyAdmin
from functions.notification.models import Address, AudienceScope, Customer, ScopeKind

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
BUSY_ATTEMPTS = 5  # LIMIT_REACHED / OPERATION_IN_PROGRESS: wait and try again, then hand over to Retry
BUSY = {"LIMIT_REACHED", "OPERATION_IN_PROGRESS"}


class ShopifyCustomerDirectory:
    def __init__(
        self,
        admin: ShopifyAdmin,
        http: httpx.Client,  # downloads a bulk export's result from its signed URL, without the token
        sleep: Callable[[float], None] = time.sleep,
        poll_seconds: float = 1.0,
        bulk_timeout_seconds: float = 240.0,
        busy_wait_seconds: float = 5.0,
    ) -> None:
        self._admin = admin
        self._http = http
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
            data = self._admin.execute(NODES, {"ids": gids[start : start + PAGE]})
            for node in data.get("nodes") or []:
                if node and node.get("id"):
                    yield _customer(node)

    def _query(self, query: str | None) -> Iterator[Customer]:
        """One page if the set fits; a bulk operation if it does not (no deep cursor paging)."""
        page = self._admin.execute(PAGE_QUERY, {"q": query, "first": PAGE})["customers"]
        if not page["pageInfo"]["hasNextPage"]:
            yield from (_customer(n) for n in page["nodes"])
            return
        yield from self._bulk(query)

    def _segment(self, segment: str) -> Iterator[Customer]:
        after: str | None = None
        while True:
            variables = {"id": _gid(segment, "Segment"), "first": PAGE, "after": after}
            members = self._admin.execute(SEGMENT_QUERY, variables)["customerSegmentMembers"]
            ids = [e["node"]["id"].replace("CustomerSegmentMember", "Customer") for e in members["edges"]]
            yield from self._by_ids(ids)
            if not members["pageInfo"]["hasNextPage"]:
                return
            after = members["pageInfo"]["endCursor"]

    def _exported_by(self, operation: str) -> Iterator[Customer]:
        node = self._admin.execute(BULK_NODE, {"id": operation}).get("node") or {}
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
        return retrying(
            lambda: self._try_start(bulk_query),
            self._sleep,
            BUSY_ATTEMPTS,
            max_inline_wait=self._busy_wait,
            transient=False,  # the Admin client already retried those
        )

    def _try_start(self, bulk_query: str) -> str:
        run = self._admin.execute(RUN_BULK, {"q": bulk_query})["bulkOperationRunQuery"]
        errors = run["userErrors"] or []
        if not errors:
            return str(run["bulkOperation"]["id"])
        message = "; ".join(e["message"] for e in errors)
        if any(e.get("code") in BUSY for e in errors):
            raise PlatformThrottled(f"Shopify bulk operations busy: {message}", self._busy_wait)
        raise PermanentActionFailure(f"Shopify refused the bulk export: {message}")

    def _await(self, operation_id: str) -> str | None:
        """Poll this export by id (`currentBulkOperation` may be another export of the same app)."""
        deadline = time.monotonic() + self._bulk_timeout
        while True:
            current = self._admin.execute(POLL_BULK, {"id": operation_id})["bulkOperation"] or {}
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
        response = retrying(lambda: self._download(url), self._sleep)
        for raw in response.text.splitlines():
            if raw.strip():
                yield json.loads(raw)

    def _download(self, url: str) -> httpx.Response:
        response = answered(lambda: self._http.get(url), "bulk result download")
        if response.status_code != 200:
            raise PermanentActionFailure(f"bulk result download answered {response.status_code}")
        return response


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
