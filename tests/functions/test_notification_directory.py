"""Roster resolution against the sandbox stores: paged GraphQL, bulk operations, Magento paging."""

from collections.abc import Callable, Iterator

import httpx
import pytest

from bulkhead.sandbox import running_sandbox
from bulkhead.sandbox.audience import Contact, add_customers, fictional_email, fictional_phone
from bulkhead.sandbox.stores import SandboxStore
from functions.common.shopify_admin import ShopifyAdmin
from functions.notification.adapters.magento import MagentoCustomerDirectory
from functions.notification.adapters.shopify import ShopifyCustomerDirectory
from functions.notification.models import AudienceScope, ScopeKind

TOKEN = "shpat_test"
# An Adobe Commerce integration's OAuth 1.0a values: calls are signed (no bare Bearer by default).
INTEGRATION = (
    '{"consumer_key": "ck-test", "consumer_secret": "cs-test", "access_token": "at-test", '
    '"access_token_secret": "as-test"}'
)


@pytest.fixture
def shopify() -> Iterator[SandboxStore]:
    with running_sandbox("acme-eu", "shopify", TOKEN) as store:
        yield store


@pytest.fixture
def magento() -> Iterator[SandboxStore]:
    with running_sandbox("acme-us", "adobe_commerce", INTEGRATION) as store:
        yield store


def shopify_directory(url: str, sleep: Callable[[float], None]) -> ShopifyCustomerDirectory:
    http = httpx.Client(timeout=5)
    return ShopifyCustomerDirectory(ShopifyAdmin(http, url, TOKEN, sleep=sleep), http, sleep=sleep, poll_seconds=0)


def directory(store: SandboxStore) -> ShopifyCustomerDirectory:
    return shopify_directory(store.url, lambda _: None)


def contacts(n: int, start: int = 10_000, **extra: object) -> list[Contact]:
    return [Contact(start + i, fictional_email(start + i), **extra) for i in range(n)]  # type: ignore[arg-type]


def test_explicit_ids_are_read_with_paged_node_queries(shopify: SandboxStore) -> None:
    # Given 300 customers with contact details (more than one `nodes` page of 250)
    add_customers(shopify.state, contacts(300, phone=fictional_phone(0), locale="de-DE"))
    ids = tuple(str(10_000 + i) for i in range(300))

    # When the explicit ids are resolved
    found = list(directory(shopify).customers(AudienceScope(kind=ScopeKind.CUSTOMER_IDS, values=ids)))

    # Then every customer comes back once, with contact details and address, in two calls
    assert sorted(c.platform_id for c in found) == sorted(ids)
    assert found[0].email == fictional_email(10_000) and found[0].addresses[0].country_code == "DE"
    assert len(shopify.state.calls_to("nodes")) == 2


def test_a_small_tag_is_one_page_and_a_large_one_becomes_a_bulk_operation(shopify: SandboxStore) -> None:
    # Given 5 customers tagged "vip" and 260 tagged "newsletter"
    add_customers(shopify.state, contacts(5, start=20_000, tags=("vip",)))
    add_customers(shopify.state, contacts(260, start=30_000, tags=("newsletter",)))
    shopify_directory = directory(shopify)

    # When both tags are resolved
    vip = list(shopify_directory.customers(AudienceScope(kind=ScopeKind.TAG, values=("vip",))))
    news = list(shopify_directory.customers(AudienceScope(kind=ScopeKind.TAG, values=("newsletter",))))

    # Then the small one needed no bulk operation, the large one ran one and read its JSONL
    assert len(vip) == 5
    assert len(news) == 260 and {c.email for c in news} == {fictional_email(30_000 + i) for i in range(260)}
    assert len(shopify.state.calls_to("bulkOperationRunQuery")) == 1
    assert len(shopify.state.calls_to("bulkOperation")) >= 2  # its own operation, polled by id until COMPLETED
    assert shopify.state.calls_to("currentBulkOperation") == []


def test_all_customers_come_from_a_bulk_export(shopify: SandboxStore) -> None:
    add_customers(shopify.state, contacts(40))
    found = list(directory(shopify).customers(AudienceScope(kind=ScopeKind.ALL_CUSTOMERS)))
    assert len(found) == 40 + 6  # the 6 seeded sandbox customers are customers too
    assert len(shopify.state.calls_to("bulkOperationRunQuery")) == 1


def test_another_apps_export_widens_the_scope_to_all_customers_and_says_so(shopify: SandboxStore) -> None:
    add_customers(shopify.state, contacts(3))
    d = directory(shopify)
    scope = AudienceScope(kind=ScopeKind.BULK_OPERATION, values=("gid://shopify/BulkOperation/720575940379",))
    found = list(d.customers(scope))
    assert len(found) == 3 + 6
    assert d.exact(scope) is False


def test_our_own_readable_export_names_exactly_its_customers(shopify: SandboxStore) -> None:
    # Given an export (by this app) of the "vip" customers, finished and downloadable
    add_customers(shopify.state, contacts(4, start=40_000, tags=("vip",)))
    add_customers(shopify.state, contacts(10, start=50_000))
    d = directory(shopify)
    list(d.customers(AudienceScope(kind=ScopeKind.TAG, values=("vip",))))  # small: no bulk yet
    list(d._bulk("tag:'vip'"))  # run one, as an exfiltrating export would
    operation = next(iter(shopify.table("bulk_operations")))

    # When the incident names that bulk operation
    scope = AudienceScope(kind=ScopeKind.BULK_OPERATION, values=(operation,))
    found = list(d.customers(scope))

    # Then exactly its customers are affected, and the scope is exact
    assert sorted(c.platform_id for c in found) == [str(40_000 + i) for i in range(4)]
    assert d.exact(scope) is True


def running_export(store: SandboxStore) -> str:
    """Another export of the same app, still running (a second incident's roster, say)."""
    with store.state.lock:
        gid = f"gid://shopify/BulkOperation/{store.state.next_id()}"
        store.state.table("bulk_operations")[gid] = {
            "_app": "gid://shopify/App/580111",
            "__typename": "BulkOperation",
            "id": gid,
            "status": "RUNNING",
            "type": "QUERY",
            "errorCode": None,
            "objectCount": "0",
            "url": None,
            "_lines": [],
        }
    return gid


def test_a_busy_store_answers_limit_reached_and_the_export_is_retried(shopify: SandboxStore) -> None:
    # Given the app already runs five bulk queries (the limit from API 2026-01)
    others = [running_export(shopify) for _ in range(5)]

    def one_finishes(_: float) -> None:  # while the directory waits, one of the others completes
        with shopify.state.lock:
            shopify.state.table("bulk_operations")[others[0]]["status"] = "COMPLETED"

    d = shopify_directory(shopify.url, one_finishes)

    # When all customers are resolved
    found = list(d.customers(AudienceScope(kind=ScopeKind.ALL_CUSTOMERS)))

    # Then the first start was refused with LIMIT_REACHED, retried, and the export read in full
    assert len(found) == 6 and all(c.email for c in found)
    assert len(shopify.state.calls_to("bulkOperationRunQuery")) == 2


def test_the_directory_follows_its_own_export_when_another_starts_after_it(shopify: SandboxStore) -> None:
    started: list[str] = []

    def another_starts(_: float) -> None:  # the app's most recent export is now someone else's
        if not started:
            started.append(running_export(shopify))

    d = shopify_directory(shopify.url, another_starts)
    found = list(d.customers(AudienceScope(kind=ScopeKind.ALL_CUSTOMERS)))
    assert len(found) == 6 and started
    assert shopify.state.table("bulk_operations")[started[0]]["status"] == "RUNNING"  # never mistaken for ours


def test_a_large_segment_is_paged_by_cursor_without_an_undocumented_search_term(shopify: SandboxStore) -> None:
    # Given 300 members of segment 42 (more than one page of 250)
    add_customers(shopify.state, contacts(300, start=60_000, segments=("42",)))

    found = list(directory(shopify).customers(AudienceScope(kind=ScopeKind.SEGMENT, values=("42",))))

    # Then all of them, over two cursor pages of members, and no bulk export by `segment_id:`
    assert len({c.platform_id for c in found}) == 300
    assert len(shopify.state.calls_to("customerSegmentMembers")) == 2
    assert shopify.state.calls_to("bulkOperationRunQuery") == []


def test_magento_search_pages_at_300(magento: SandboxStore) -> None:
    # Given 700 customers in group 4 and a few in group 1
    add_customers(magento.state, contacts(700, group_id=4, country="US", province="NY", phone="+12125550100"))
    d = MagentoCustomerDirectory(httpx.Client(timeout=5), magento.url, INTEGRATION, sleep=lambda _: None)

    # When group 4 (the segment scope) is resolved
    found = list(d.customers(AudienceScope(kind=ScopeKind.SEGMENT, values=("4",))))

    # Then all 700 came back over three pages of at most 300, with their addresses
    assert len({c.platform_id for c in found}) == 700
    assert found[0].addresses[0].province_code == "NY" and found[0].phone == "+12125550100"
    assert len(magento.state.calls_to("GET /V1/customers/search")) == 3 or len(magento.calls) >= 3


def test_magento_explicit_ids_skip_missing_customers(magento: SandboxStore) -> None:
    d = MagentoCustomerDirectory(httpx.Client(timeout=5), magento.url, INTEGRATION, sleep=lambda _: None)
    found = list(d.customers(AudienceScope(kind=ScopeKind.CUSTOMER_IDS, values=("7001", "999999"))))
    assert [c.platform_id for c in found] == ["7001"]
