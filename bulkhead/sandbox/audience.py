"""Contact details for sandbox customers, for notification tests and drills.

The seeded sandbox customers carry ids, names and tags; notices also need an email address,
a phone number, a locale and an address. `add_customers` writes customers with those into a
sandbox store's state, in the platform's own shape.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from bulkhead.sandbox.state import StoreState


@dataclass(frozen=True)
class Contact:
    customer_id: int
    email: str | None
    phone: str | None = None
    first_name: str = "Alex"
    locale: str | None = None
    country: str = "DE"
    province: str | None = None
    tags: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    group_id: int = 1


def add_customers(state: StoreState, contacts: Iterable[Contact]) -> None:
    with state.lock:
        table = state.table("customers")
        for c in contacts:
            if state.platform == "shopify":
                gid = f"gid://shopify/Customer/{c.customer_id}"
                table[gid] = {
                    "__typename": "Customer",
                    "id": gid,
                    "displayName": f"{c.first_name} Sandbox",
                    "firstName": c.first_name,
                    "email": c.email,  # deprecated on Shopify for defaultEmailAddress
                    "phone": c.phone,  # deprecated on Shopify for defaultPhoneNumber
                    "defaultEmailAddress": {"emailAddress": c.email} if c.email else None,
                    "defaultPhoneNumber": {"phoneNumber": c.phone} if c.phone else None,
                    "locale": c.locale,
                    "defaultAddress": {"countryCodeV2": c.country, "provinceCode": c.province},
                    "tags": list(c.tags),
                    "segments": list(c.segments),
                    "state": "ENABLED",
                }
            else:
                table[str(c.customer_id)] = {
                    "id": c.customer_id,
                    "group_id": c.group_id,
                    "email": c.email,
                    "firstname": c.first_name,
                    "lastname": "Sandbox",
                    "store_id": 1,
                    "website_id": 1,
                    "addresses": [
                        {
                            "country_id": c.country,
                            "region": {"region_code": c.province} if c.province else None,
                            "telephone": c.phone,
                            "default_billing": True,
                        }
                    ],
                }
