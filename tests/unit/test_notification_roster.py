"""Roster rules: scope grammar, jurisdiction and language per customer, contact checks, batching, pacing."""

import pytest

from functions.notification.models import Address, Customer, ScopeKind
from functions.notification.pacing import TokenBucket
from functions.notification.roster import (
    ScopeError,
    batched,
    e164,
    email_address,
    jurisdiction,
    language,
    scopes,
    sms_parts,
)


def test_subject_ids_become_scopes_and_store_all_swallows_the_rest() -> None:
    found = scopes(["customer:1", "customer:1", "tag:vip", "gid://shopify/BulkOperation/9", "gid://shopify/App/3"])
    assert [(s.kind, s.values) for s in found] == [
        (ScopeKind.CUSTOMER_IDS, ("1",)),
        (ScopeKind.TAG, ("vip",)),
        (ScopeKind.BULK_OPERATION, ("gid://shopify/BulkOperation/9",)),
    ]
    assert [s.kind for s in scopes(["customer:1", "store:all"])] == [ScopeKind.ALL_CUSTOMERS]


def test_a_subject_that_names_no_customers_is_refused_by_name() -> None:
    with pytest.raises(ScopeError, match="'orders:5'"):
        scopes(["orders:5"])


@pytest.mark.parametrize(
    ("addresses", "expected"),
    [
        ((Address(country_code="us", province_code="NY"),), "US-NY"),
        ((Address(country_code="US", province_code="US-CA"),), "US-CA"),
        ((Address(country_code="DE", province_code="BE"),), "DE"),
        ((Address(), Address(country_code="FR")), "FR"),
        ((), "EU"),
    ],
)
def test_jurisdiction_comes_from_the_first_located_address(addresses: tuple[Address, ...], expected: str) -> None:
    assert jurisdiction(addresses, fallback="EU") == expected


def test_language_prefers_the_customers_locale_then_the_country() -> None:
    assert language("es-MX", "DE") == "es"
    assert language("it-IT", "AT") == "de"
    assert language(None, "US-NY") == "en"
    assert language(None, "BE", default="en") == "fr"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+49 151 2345-6789", "+4915123456789"),
        ("0049 (151) 23456789", "+4915123456789"),
        ("+1 212 555 0100", "+12125550100"),  # NANP's fictional 555-01XX range, valid in New York
        ("0151 23456789", None),  # national format: not guessed
        ("+49 151 234", None),  # too short for a German mobile number
        ("+1 555 000 0001", None),  # no NANP area code 555
        ("+44 7700 900123", None),  # Ofcom's drama range: reserved, never a valid number
        ("+0123456789", None),
        ("call me", None),
        (None, None),
    ],
)
def test_phone_numbers_must_be_valid_for_their_region(raw: str | None, expected: str | None) -> None:
    assert e164(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("A.B@Example.com", "a.b@example.com"),
        (" customer7001@example.org ", "customer7001@example.org"),
        ("a b@example.com", None),
        ("nobody", None),
        ("a@b", None),
        ("a@@example.com", None),
        ("customer@sandbox.invalid", None),  # reserved names (RFC 6761) receive no mail
        ("c1@example.test", None),
        ("", None),
        (None, None),
    ],
)
def test_email_addresses_must_be_valid_without_a_dns_lookup(raw: str | None, expected: str | None) -> None:
    assert email_address(raw) == expected


def test_batches_never_exceed_fifty() -> None:
    customers = [Customer(platform_id=str(i)) for i in range(121)]
    sizes = [len(b) for b in batched(customers)]
    assert sizes == [50, 50, 21]
    with pytest.raises(ValueError, match=r"1\.\.50"):
        next(batched(customers, 51))


def test_sms_parts_count_gsm7_and_unicode() -> None:
    assert sms_parts("x" * 160) == 1 and sms_parts("x" * 161) == 2
    assert sms_parts("ê" * 70) == 1 and sms_parts("ê" * 71) == 2  # not in GSM 03.38: UCS-2
    # ü, é, ñ are in the GSM 03.38 basic set: a German, French or Spanish text stays GSM-7.
    assert sms_parts("ü" * 160) == 1 and sms_parts("é" * 161) == 2
    assert sms_parts("x" * 306) == 2 and sms_parts("x" * 307) == 3  # 153 septets a part once concatenated


def test_sms_parts_count_the_gsm7_extension_table_as_two_septets() -> None:
    # € [ ] { } ~ | ^ \ are GSM-7, but each costs an escape and the character
    assert sms_parts("€" * 80) == 1 and sms_parts("€" * 81) == 2
    # an escape is never split across parts: 152 septets and a euro leave the euro for part two
    assert sms_parts("x" * 152 + "€" + "x" * 10) == 2
    assert sms_parts("x" * 305 + "€") == 3


def test_sms_parts_count_french_spanish_and_emoji_as_ucs2_code_units() -> None:
    # ç, á, ó are outside GSM 03.38: the whole text goes as UCS-2, 70 / 67 a part
    assert sms_parts("Votre reçu" + "x" * 60) == 1 and sms_parts("Votre reçu" + "x" * 61) == 2
    assert sms_parts("información" + "x" * 123) == 2 and sms_parts("información" + "x" * 124) == 3
    # a character beyond the Basic Multilingual Plane takes two code units and is never split
    assert sms_parts("\U0001f512" * 35) == 1 and sms_parts("\U0001f512" * 36) == 2
    assert sms_parts("\U0001f512" * 33 + "\U0001f512" * 34) == 3


def test_the_token_bucket_paces_to_its_rate_on_simulated_time() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    bucket = TokenBucket(100.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(20):
        bucket.wait_for(50)  # 1,000 units at 100/s
    assert now[0] == pytest.approx(10.0)


def test_notification_pseudonyms_are_the_ledgers_customer_pseudonyms() -> None:
    from functions.ledger.pseudonym import pseudonym
    from functions.notification.adapters.pseudonym import HmacPseudonyms

    key = b"k" * 32
    # The exactly-once guard and the ledger name a customer the same way, stable per store and customer
    assert HmacPseudonyms(key).of("acme-eu", "7001") == pseudonym(key, "customer", "acme-eu/7001")
    assert HmacPseudonyms(key).of("acme-eu", "7001") != HmacPseudonyms(key).of("acme-us", "7001")
