"""Pure roster rules: scope grammar, jurisdiction and language per customer, contact checks, batching."""

from collections.abc import Iterable, Iterator
from itertools import islice

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from functions.notification.models import MAX_BATCH, Address, AudienceScope, Customer, ScopeKind

EU = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)  # EU-27; GDPR also covers the EEA
EEA = EU | {"IS", "LI", "NO"}
SUBDIVIDED = frozenset({"US", "CA", "AU"})  # where notice law is per state or province
LANGUAGE_BY_COUNTRY = {
    **dict.fromkeys(("DE", "AT", "LI"), "de"),
    **dict.fromkeys(("FR", "BE", "MC", "LU"), "fr"),
    **dict.fromkeys(("ES", "MX", "AR", "CO", "CL", "PE"), "es"),
}
SUPPORTED_LANGUAGES = frozenset({"en", "de", "fr", "es"})


class ScopeError(ValueError):
    """A subject id that no scope kind accepts."""


def scopes(subject_ids: Iterable[str]) -> list[AudienceScope]:
    """Group the incident's subject ids into scopes; `store:all` swallows every other scope."""
    ids: list[str] = []
    tags: list[str] = []
    segments: list[str] = []
    bulk: list[str] = []
    buckets: list[str] = []
    for subject in subject_ids:
        kind, _, value = subject.partition(":")
        if subject.startswith("gid://shopify/BulkOperation/"):
            bulk.append(subject)
        elif subject == "store:all":
            return [AudienceScope(kind=ScopeKind.ALL_CUSTOMERS)]
        elif kind == "customer" and value:
            ids.append(value)
        elif kind == "tag" and value:
            tags.append(value)
        elif kind == "segment" and value:
            segments.append(value)
        elif kind == "s3" and value:
            buckets.append(value)
        elif subject.startswith("gid://"):
            continue  # other platform objects (tokens, webhooks) name no customers
        elif kind in ("ip", "secret", "integration", "admin_user", "admin", "app", "payment_method") and value:
            continue  # what containment acts on (docs/containment.md): addresses, secrets, principals
        else:
            raise ScopeError(f"subject {subject!r} names no customers (use customer:, tag:, segment:, s3:, store:all)")
    found = [
        AudienceScope(kind=ScopeKind.CUSTOMER_IDS, values=tuple(dict.fromkeys(ids))) if ids else None,
        AudienceScope(kind=ScopeKind.TAG, values=tuple(dict.fromkeys(tags))) if tags else None,
        AudienceScope(kind=ScopeKind.SEGMENT, values=tuple(dict.fromkeys(segments))) if segments else None,
        AudienceScope(kind=ScopeKind.BULK_OPERATION, values=tuple(dict.fromkeys(bulk))) if bulk else None,
        AudienceScope(kind=ScopeKind.EXPORT_BUCKET, values=tuple(dict.fromkeys(buckets))) if buckets else None,
    ]
    return [s for s in found if s is not None]


def readable(found: list[AudienceScope], customer_data_buckets: Iterable[str]) -> tuple[list[AudienceScope], bool, int]:
    """Scopes a platform directory can resolve; whether they were widened to all customers; and how
    many named buckets hold no known customer data.

    A bucket of customer exports cannot be read back into customer ids (its objects are the leak, and
    Bulkhead is not given read access to them), so a bucket the store lists in `customer_data_buckets`
    widens the audience to all of the store's customers. A bucket it does not list names no customers.
    """
    known = set(customer_data_buckets)
    exported = [s for s in found if s.kind is ScopeKind.EXPORT_BUCKET]
    rest = [s for s in found if s.kind is not ScopeKind.EXPORT_BUCKET]
    named = [b for s in exported for b in s.values]
    unmapped = sum(1 for b in named if b not in known)
    if len(named) > unmapped:
        return [AudienceScope(kind=ScopeKind.ALL_CUSTOMERS)], True, unmapped
    return rest, False, unmapped


def jurisdiction(addresses: Iterable[Address], fallback: str) -> str:
    """Where the customer lives for notice law: US-NY, CA-ON, DE, GB... the first located address wins."""
    for address in addresses:
        country = (address.country_code or "").strip().upper()
        if len(country) != 2:
            continue
        province = (address.province_code or "").strip().upper()
        if country in SUBDIVIDED and province:
            return f"{country}-{province.removeprefix(country + '-')}"
        return country
    return fallback


def language(locale: str | None, place: str, default: str = "en") -> str:
    """The customer's own locale if we have a template for it, else the country's, else the default."""
    if locale:
        own = locale.replace("_", "-").split("-")[0].lower()
        if own in SUPPORTED_LANGUAGES:
            return own
    return LANGUAGE_BY_COUNTRY.get(place.split("-", maxsplit=1)[0], default)


def e164(phone: str | None) -> str | None:
    """The number in E.164 form when it is a valid number of its region (libphonenumber's metadata),
    else None. It must carry its country code (+ or 00): national formats are not guessed."""
    if not phone:
        return None
    written = phone.strip()
    if written.startswith("00"):
        written = "+" + written[2:]
    try:
        number = phonenumbers.parse(written, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_address(address: str | None) -> str | None:
    """The address, lower case, when its syntax is valid and its domain may receive mail (no
    reserved names such as .test or .invalid), else None. No DNS lookup: a roster of thousands is
    checked offline, and SES reports what bounces."""
    if not address:
        return None
    try:
        checked = validate_email(address.strip(), check_deliverability=False)
    except EmailNotValidError:
        return None
    return checked.normalized.lower()


def batched(customers: Iterable[Customer], size: int = MAX_BATCH) -> Iterator[list[Customer]]:
    if not 1 <= size <= MAX_BATCH:
        raise ValueError(f"batch size must be 1..{MAX_BATCH}")
    iterator = iter(customers)
    while chunk := list(islice(iterator, size)):
        yield chunk


# The GSM 03.38 basic character set: one septet each.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Its extension table: two septets each (ESC and the character); an escape is never split across parts.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
# (single part, each part of a concatenated message): GSM-7 in septets, UCS-2 in 16-bit code units,
# after the 6-octet user data header that concatenation takes from every part (3GPP TS 23.040).
GSM7_PART = (160, 153)
UCS2_PART = (70, 67)


def sms_parts(text: str) -> int:
    """SMS parts the text needs: GSM-7 when every character is in GSM 03.38 (basic or extension),
    otherwise UCS-2, where a character beyond the Basic Multilingual Plane takes two code units."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        sizes = [2 if c in GSM7_EXTENSION else 1 for c in text]
        single, multi = GSM7_PART
    else:
        sizes = [2 if ord(c) > 0xFFFF else 1 for c in text]
        single, multi = UCS2_PART
    if sum(sizes) <= single:
        return 1
    parts, used = 1, 0
    for size in sizes:  # a character that does not fit whole starts the next part
        if used + size > multi:
            parts, used = parts + 1, 0
        used += size
    return parts
