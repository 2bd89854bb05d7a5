"""Contact details for sandbox customers, for notification tests and drills.

The seeded sandbox customers carry ids, names and tags; notices also need an email address,
a phone number, a locale and an address. `add_customers` writes customers with those into a
sandbox store's state, in the platform's own shape.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from bulkhead.sandbox.state import StoreState

# Sandbox contacts reach no real person, and still pass the roster's checks (a contact the checks
# refuse would be skipped, and the drill would never exercise sending):
# - e-mail under example.com, reserved for documentation by RFC 2606 (email-validator refuses the
#   other reserved names, .test and .invalid, as names that receive no mail);
# - phone numbers in 555-0100..555-0199, which the NANP sets aside for fictional use in every area
#   code, and which libphonenumber accepts as valid. Ofcom's drama range (+44 7700 900000-900999)
#   would do as well, but libphonenumber refuses it as not a valid number.
FICTIONAL_AREA_CODES = ("212", "202", "415", "312", "617")


def fictional_email(n: int) -> str:
    return f"customer{n}@example.com"


def fictional_phone(n: int) -> str:
    """A distinct fictional number for each n in 0..499 (then they repeat), in E.164."""
    area = FICTIONAL_AREA_CODES[n // 100 % len(FICTIONAL_AREA_CODES)]
    return f"+1{area}55501{n % 100:02d}"


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
