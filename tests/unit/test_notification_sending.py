"""send_batch on in-memory adapters: exactly once, throttling survived, drills reach only the sink."""

import logging
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from bulkhead.sandbox.audience import fictional_email, fictional_phone
from functions.common.config import FirmConfig, RegulatorConfig
from functions.common.errors import PlatformThrottled
from functions.detection.models import Incident
from functions.ledger.models import EntryDraft, EntryType
from functions.notification import domain
from functions.notification.domain import Channels, send_batch
from functions.notification.models import BatchRef, Recipient, SendBatchRequest
from tests.fakes import builders
from tests.fakes.ledger import MemoryLedger
from tests.fakes.notification import (
    MemoryDeliveryGuard,
    MemoryRosterStore,
    NoSms,
    SimulatedSes,
    UnlimitedSmsBudget,
)

SINK_EMAIL, SINK_PHONE = "sink@example.org", "+12025550199"


class Sms:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, phone: str, text: str) -> None:
        self.sent.append(phone)


class NoWait:
    def wait_for(self, units: int) -> None:
        return None

    def pause(self, seconds: float) -> None:
        return None


class ThrottlesFirst(SimulatedSes):
    """Refuses the first `n` calls as SES does when the rate is exceeded."""

    def __init__(self, n: int) -> None:
        super().__init__(quota=None)
        self.remaining = n

    def send_bulk(self, template, recipients):  # type: ignore[no-untyped-def]
        if self.remaining:
            self.remaining -= 1
            raise PlatformThrottled("Maximum sending rate exceeded.")
        return super().send_bulk(template, recipients)


def incident(store: str = "live-eu") -> Incident:
    return builders.incident(incident_id="inc-unit-notify-0001", store_id=store, severity="critical")


def roster(n: int = 50) -> tuple[MemoryRosterStore, BatchRef]:
    store = MemoryRosterStore()
    recipients = [
        Recipient(
            pseudonym=f"ps_{i:032x}",
            jurisdiction="DE",
            language="de" if i % 2 else "en",
            email=fictional_email(i),
            phone=fictional_phone(i),
            first_name="Kim",
        )
        for i in range(n)
    ]
    return store, BatchRef(batch=0, key=store.put_batch("inc-unit-notify-0001", 0, recipients), size=n)


def request(ref: BatchRef, mode: str = "live", store: str = "live-eu", channels=("email",)) -> SendBatchRequest:  # type: ignore[no-untyped-def]
    return SendBatchRequest(
        incident=incident(store),
        mode=mode,
        roster_bucket="memory",
        channels=channels,
        email_rate_per_worker=100.0,
        batch=ref,
    )


def channels(guard: MemoryDeliveryGuard, email: SimulatedSes, sms: object = None) -> Channels:
    return Channels(guard, email, NoWait(), sms or NoSms(), NoWait(), UnlimitedSmsBudget())  # type: ignore[arg-type]


def firm(**fields: Any) -> FirmConfig:
    """A live store and a sandbox store, with the drill sinks set."""
    return builders.firm(
        builders.store("live-eu"),
        builders.store("sandbox-eu", shop_domain="sandbox.myshopify.com", sandbox=True),
        notices={"drill_sink_email": SINK_EMAIL, "drill_sink_phone": SINK_PHONE},
        **fields,
    )


@pytest.fixture
def config() -> FirmConfig:
    return firm()


def now() -> datetime:
    return datetime(2026, 11, 27, 9, tzinfo=UTC)


def test_a_retried_and_a_rerun_batch_sends_each_customer_once(config: FirmConfig) -> None:
    # Given a batch of 50 whose first attempt was throttled past the in-step attempts
    rosters, ref = roster()
    guard, ledger = MemoryDeliveryGuard(), MemoryLedger()
    ses = ThrottlesFirst(domain.SEND_ATTEMPTS)
    with pytest.raises(PlatformThrottled):
        send_batch(request(ref), config, rosters, channels(guard, ses), ledger, now)
    assert sum(ses.delivered.values()) == 0 and guard.status == {}  # claims released for the Retry

    # When the state machine retries it, and later the whole execution is re-run
    first = send_batch(request(ref), config, rosters, channels(guard, ses), ledger, now)
    second = send_batch(request(ref), config, rosters, channels(guard, ses), ledger, now)

    # Then every customer got exactly one email, and the re-run counted 50 duplicates
    assert set(ses.delivered.values()) == {1} and len(ses.delivered) == 50
    assert (first.emailed, first.duplicates, second.emailed, second.duplicates) == (50, 0, 0, 50)
    assert Counter(guard.status.values()) == Counter({"sent": 50})


def test_throttling_within_the_attempts_is_survived_in_step(config: FirmConfig) -> None:
    rosters, ref = roster()
    ses = ThrottlesFirst(2)
    outcome = send_batch(request(ref), config, rosters, channels(MemoryDeliveryGuard(), ses), MemoryLedger(), now)
    assert outcome.emailed == 50 and ses.remaining == 0 and ses.calls == 2  # two refused, one per language


def test_concurrent_workers_on_the_same_batch_send_each_customer_once(config: FirmConfig) -> None:
    from concurrent.futures import ThreadPoolExecutor

    rosters, ref = roster()
    guard, ses, ledger = MemoryDeliveryGuard(), SimulatedSes(quota=None), MemoryLedger()
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(
            pool.map(lambda _: send_batch(request(ref), config, rosters, channels(guard, ses), ledger, now), range(8))
        )
    assert sum(o.emailed for o in outcomes) == 50 and set(ses.delivered.values()) == {1}


def test_a_drill_reaches_only_the_sink(config: FirmConfig) -> None:
    rosters, ref = roster(10)
    ses, sms = SimulatedSes(quota=None), Sms()
    outcome = send_batch(
        request(ref, mode="drill", channels=("email", "sms")),
        config,
        rosters,
        channels(MemoryDeliveryGuard(), ses, sms),
        MemoryLedger(),
        now,
    )
    assert set(ses.delivered) == {SINK_EMAIL} and set(sms.sent) == {SINK_PHONE}
    assert outcome.drill_redirected == 20


def test_a_sandbox_store_reaches_only_the_sink_even_in_live_mode(config: FirmConfig) -> None:
    rosters, ref = roster(5)
    ses = SimulatedSes(quota=None)
    send_batch(
        request(ref, store="sandbox-eu"), config, rosters, channels(MemoryDeliveryGuard(), ses), MemoryLedger(), now
    )
    assert set(ses.delivered) == {SINK_EMAIL}


def test_the_ledger_and_the_logs_hold_no_personal_data(config: FirmConfig, caplog: pytest.LogCaptureFixture) -> None:
    rosters, ref = roster(10)
    ledger = MemoryLedger()
    caplog.set_level(logging.DEBUG)
    send_batch(
        request(ref, channels=("email", "sms")),
        config,
        rosters,
        channels(MemoryDeliveryGuard(), SimulatedSes(None), Sms()),
        ledger,
        now,
    )
    recorded = str([e.model_dump(mode="json") for e in ledger.entries["inc-unit-notify-0001"]]) + caplog.text
    assert "customer.example" not in recorded and "+49151" not in recorded and "Kim" not in recorded
    assert ledger.entries["inc-unit-notify-0001"][-1].data["emailed"] == 10


def test_sms_over_the_spend_limit_is_not_sent_and_is_counted(config: FirmConfig) -> None:
    class Budget:
        def __init__(self) -> None:
            self.left = 3

        def reserve(self, parts: int) -> bool:
            self.left -= parts
            return self.left >= 0

    rosters, ref = roster(5)
    sms, guard = Sms(), MemoryDeliveryGuard()
    lanes = Channels(guard, SimulatedSes(None), NoWait(), sms, NoWait(), Budget())
    outcome = send_batch(request(ref, channels=("sms",)), config, rosters, lanes, MemoryLedger(), now)
    assert (outcome.texted, outcome.sms_over_budget, len(sms.sent)) == (3, 2, 3)
    assert Counter(guard.status.values()) == Counter({"sent": 3})  # the two over budget were released


class RecordingSes(SimulatedSes):
    """Keeps each template SES is given, and which template each recipient was sent."""

    def __init__(self) -> None:
        super().__init__(quota=None)
        self.templates: dict[str, Any] = {}
        self.sent_with: dict[str, str] = {}

    def ensure_template(self, name, notice):  # type: ignore[no-untyped-def]
        self.templates[name] = notice

    def send_bulk(self, template, recipients):  # type: ignore[no-untyped-def]
        for r in recipients:
            self.sent_with[r.pseudonym] = template
        return super().send_bulk(template, recipients)


class Journal:
    def __init__(self, ledger: MemoryLedger) -> None:
        self.ledger = ledger

    def entries(self, incident_id: str) -> list[Any]:
        return self.ledger.entries.get(incident_id, [])


def test_each_customer_gets_the_notice_of_their_regime_stating_what_the_ledger_records() -> None:
    config = firm(languages=["en", "de"])
    places = {"DE": "de", "GB": "en", "US-CA": "en", "US-MA": "en", "US-TX": "fr"}
    store = MemoryRosterStore()
    recipients = [
        Recipient(pseudonym=f"ps_{i:032x}", jurisdiction=place, language=lang, email=f"p{i}@customer.example")
        for i, (place, lang) in enumerate(places.items())
    ]
    ref = BatchRef(batch=0, key=store.put_batch("inc-unit-notify-0001", 0, recipients), size=len(recipients))
    ledger, ses = MemoryLedger(), RecordingSes()
    at = datetime(2026, 11, 27, 1, tzinfo=UTC)
    verified = {"action_id": "act-1", "kind": "shopify.revoke_storefront_token"}
    ledger.append("inc-unit-notify-0001", EntryDraft(type=EntryType.ACTION_VERIFIED, actor="c", at=at, data=verified))

    send_batch(request(ref), config, store, channels(MemoryDeliveryGuard(), ses), ledger, now, Journal(ledger))

    def sent(i: int) -> Any:
        return ses.templates[ses.sent_with[recipients[i].pseudonym]]

    assert "DSGVO" in sent(0).text and "UK GDPR" in sent(1).text
    assert sent(2).subject.startswith("Notice of Data Breach") and "security freeze" in sent(3).text
    assert sent(4).language == "en" and "www.identitytheft.gov" in sent(4).text  # fr is not a firm language
    assert all("storefront access token that was used has been revoked" in sent(i).text for i in (1, 2, 4))
    assert all(name.startswith("bulkhead-") and len(name) <= 64 for name in ses.templates)


def test_without_the_ledger_a_notice_claims_no_measure() -> None:
    rosters, ref = roster(2)
    ses = RecordingSes()
    send_batch(request(ref), firm(), rosters, channels(MemoryDeliveryGuard(), ses), MemoryLedger(), now)
    assert all("revoked" not in n.text and "widerrufen" not in n.text for n in ses.templates.values())


@pytest.mark.parametrize(
    ("place", "regulators", "expected"),
    [
        ("DE", [], "gdpr"),
        ("HU", [], "gdpr"),
        ("GB", ["gdpr_art33"], "uk_gdpr"),
        ("US-CA", ["gdpr_art33"], "california"),
        ("US-MA", [], "massachusetts"),
        ("US-NY", ["gdpr_art33"], "us"),
        ("CA-ON", ["gdpr_art33"], "gdpr"),  # GDPR follows the EU establishment (Art. 3(1))
        ("CA-ON", ["uk_gdpr"], "uk_gdpr"),
        ("CA-ON", ["sec_reg_sp"], "us"),
    ],
)
def test_the_notice_regime_follows_residence_then_the_firms_authorisations(
    place: str, regulators: list[str], expected: str
) -> None:
    config = firm().model_copy(
        update={"regulators": tuple(RegulatorConfig(regime=r, authority="x") for r in regulators)}
    )
    assert domain.notice_regime(place, config).value == expected


def test_a_language_the_firm_does_not_write_in_falls_back_to_the_stores_default() -> None:
    config = firm(languages=["de", "fr"])
    store = config.store("live-eu")  # default_language en, not a firm language: the firm's first
    assert [domain.notice_language(lang, config, store) for lang in ("fr", "es", "en")] == ["fr", "de", "de"]


def test_a_batch_sent_after_containment_failed_and_nothing_was_filed_claims_neither() -> None:
    rosters, ref = roster(4)
    ledger, ses = MemoryLedger(), RecordingSes()
    at = datetime(2026, 11, 27, 1, tzinfo=UTC)
    for entry_type, data in (
        (EntryType.ACTION_FAILED, {"action_id": "act-1", "kind": "shopify.revoke_storefront_token"}),
        (EntryType.CLOCK_STARTED, {"clock": "gdpr_art33", "authority": "HBDI"}),
        (EntryType.REGULATOR_NOTICE_DRAFTED, {"regime": "gdpr_art33", "authority": "HBDI", "sent": False}),
    ):
        ledger.append("inc-unit-notify-0001", EntryDraft(type=entry_type, actor="t", at=at, data=data))

    send_batch(request(ref), firm(), rosters, channels(MemoryDeliveryGuard(), ses), ledger, now, Journal(ledger))

    assert len(ses.templates) == 2  # de and en, GDPR
    for notice in ses.templates.values():
        assert "HBDI" not in notice.text
        assert not any(word in notice.text for word in ("revoked", "widerrufen", "notified", "benachrichtigt"))
