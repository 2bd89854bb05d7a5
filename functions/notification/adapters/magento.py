"""Affected customers from Magento / Adobe Commerce REST: `/V1/customers/search`, paged.

Page size stays at 300, the most Magento's input limiting accepts. Explicit ids are read one by
one (`/V1/customers/{id}`); a customer group (the `segment:` scope) and "all customers" are
searched page by page until `total_count` is reached. Tags do not exist in Magento: that scope
is refused by name.
"""

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from functions.common.errors import PermanentActionFailure
from functions.common.magento_rest import MagentoRest
from functions.notification.models import Address, AudienceScope, Customer, ScopeKind

PAGE_SIZE = 300


class MagentoCustomerDirectory:
    def __init__(
        self, http: httpx.Client, base_url: str, token: str, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._rest = MagentoRest(http, base_url, token, prefix="/rest", sleep=sleep)

    def customers(self, scope: AudienceScope) -> Iterator[Customer]:
        match scope.kind:
            case ScopeKind.CUSTOMER_IDS:
                for customer_id in scope.values:
                    found = self._get(f"/V1/customers/{int(customer_id)}", allow_missing=True)
                    if found:
                        yield _customer(found)
            case ScopeKind.SEGMENT:
                filters = {
                    "searchCriteria[filter_groups][0][filters][0][field]": "group_id",
                    "searchCriteria[filter_groups][0][filters][0][value]": ",".join(scope.values),
                    "searchCriteria[filter_groups][0][filters][0][condition_type]": "in",
                }
                yield from self._search(filters)
            case ScopeKind.ALL_CUSTOMERS | ScopeKind.BULK_OPERATION:
                yield from self._search({})
            case ScopeKind.TAG:
                raise PermanentActionFailure(
                    "Adobe Commerce has no customer tags: name a customer group (segment:<id>)"
                )

    def exact(self, scope: AudienceScope) -> bool:
        return scope.kind is not ScopeKind.BULK_OPERATION

    def _search(self, filters: dict[str, str]) -> Iterator[Customer]:
        page = 1
        seen = 0
        while True:
            params = {**filters, "searchCriteria[pageSize]": str(PAGE_SIZE), "searchCriteria[currentPage]": str(page)}
            body = self._get("/V1/customers/search", params=params) or {}
            items = body.get("items") or []
            for item in items:
                yield _customer(item)
            seen += len(items)
            if not items or seen >= int(body.get("total_count") or 0):
                return
            page += 1

    def _get(self, path: str, params: dict[str, str] | None = None, allow_missing: bool = False) -> Any:
        return self._rest.get(path, params, allow_missing)


def _customer(item: dict[str, Any]) -> Customer:
    addresses = item.get("addresses") or []
    ordered = sorted(addresses, key=lambda a: not a.get("default_billing"))
    phone = next((a.get("telephone") for a in ordered if a.get("telephone")), None)
    return Customer(
        platform_id=str(item["id"]),
        email=item.get("email"),
        phone=phone,
        first_name=item.get("firstname"),
        addresses=tuple(
            Address(country_code=a.get("country_id"), province_code=(a.get("region") or {}).get("region_code"))
            for a in ordered
        ),
    )
