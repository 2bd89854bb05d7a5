"""Detection: rules as data, correlation into one incident per window, classification, dispositions."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from functions.common.config import FirmConfig, Severity
from functions.detection.domain import (
    MAX_SCOPE_SUBJECTS,
    SUBJECT_SIGNALS,
    SUBJECTS_PER_SIGNAL,
    DetectDeps,
    detect,
    incident_id,
    match,
)
from functions.detection.models import IncidentDeclared, RuleBook, StoreProfile, Tally, WindowSummary
from functions.detection.rules import packaged_rulebook, parse_rulebook
from functions.ingest.models import DataCategory, Signal, SignalSource
from functions.ledger.domain import ChainedLedger
from functions.ledger.models import EntryType
from tests.fakes.ledger import MemoryLedgerStore

CONFIG = FirmConfig.model_validate_json(Path("config/bulkhead.local.json").read_text())
NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # a Friday night: outside every change window


class MemoryDispositions:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, object]] = {}

    def count(
        self, day: str, window: str, facts: dict[str, str | int], signal_id: str, at: datetime, weight: int
    ) -> Tally:
        item = self.items.setdefault((day, window), {**facts, "signals": 0, "weight": 0, "first": signal_id})
        item["signals"] = int(str(item["signals"])) + 1
        item["weight"] = int(str(item["weight"])) + weight
        item["last"] = signal_id
        return Tally(signals=int(str(item["signals"])), weight=int(str(item["weight"])), declared="declared" in item)

    def count_below_threshold(self, day: str, window: str) -> None:
        item = self.items[(day, window)]
        item["below"] = int(str(item.get("below", 0))) + 1

    def remember_subjects(self, day: str, window: str, subjects: tuple[str, ...]) -> None:
        remembered = self.items[(day, window)].setdefault("subjects", set())
        assert isinstance(remembered, set)
        remembered.update(subjects)

    def subjects(self, day: str, window: str) -> tuple[str, ...]:
        remembered = self.items[(day, window)].get("subjects", set())
        assert isinstance(remembered, set)
        return tuple(sorted(remembered))

    def claim(self, day: str, window: str, at: datetime, lease_seconds: int) -> bool:
        item = self.items[(day, window)]
        claimed = item.get("claimed")
        if "declared" in item or (isinstance(claimed, datetime) and claimed > at - timedelta(seconds=lease_seconds)):
            return False
        item["claimed"] = at
        return True

    def mark_declared(self, day: str, window: str, at: datetime) -> None:
        self.items[(day, window)]["declared"] = at

    def day(self, day: str) -> list[WindowSummary]:
        return [
            WindowSummary(
                day=d,
                window=w,
                store_id=str(i["store_id"]),
                rule_id=i.get("rule_id"),  # type: ignore[arg-type]
                incident_id=i.get("incident_id"),
                reason=str(i["reason"]),
                signals=int(str(i["signals"])),  # type: ignore[arg-type]
                weight=int(str(i["weight"])),
                threshold=int(str(i.get("threshold", 1))),
                declared="declared" in i,
                below_threshold=int(str(i.get("below", 0))),
                first_signal_id=str(i["first"]),
                last_signal_id=str(i["last"]),
                first_at="",
                last_at="",
            )
            for (d, w), i in self.items.items()
            if d == day
        ]


class CountingBus:
    def __init__(self, fail: bool = False) -> None:
        self.declared: list[IncidentDeclared] = []
        self.fail = fail

    def declare(self, declared: IncidentDeclared) -> None:
        if self.fail:
            raise ConnectionError("event bus unavailable")
        self.declared.append(declared)


def deps(book: RuleBook | None = None, bus: CountingBus | None = None) -> tuple[DetectDeps, MemoryLedgerStore]:
    store = MemoryLedgerStore()
    return (
        DetectDeps(
            book=book or packaged_rulebook(),
            config=CONFIG,
            ledger=ChainedLedger(store),
            dispositions=MemoryDispositions(),
            bus=bus or CountingBus(),
            now=NOW,
        ),
        store,
    )


# What the audit trail says of a bulk export by an app (functions/ingest/shopify.py reads it from
# the documented `audit_events/admin_api_activity` payload: actor, mutation_names, query).
BULK_EXPORT = {"actor_type": "app", "bulk_customer_exports": "1", "customer_reads": "0", "requests": "1"}


def signal(topic: str = "audit_events/admin_api_activity", n: int = 0, **changes: object) -> Signal:
    base: dict[str, object] = {
        "signal_id": f"shopify:evt-{n}",
        "source": SignalSource.SHOPIFY_WEBHOOK,
        "store_id": "acme-eu",
        "topic": topic,
        "actor": "app:9912345",
        "subject_ids": ("customer:1", "customer:2"),
        "data_categories": (DataCategory.CONTACT,),
        "observed_at": NOW - timedelta(seconds=5),
        "received_at": NOW,
        "raw_sha256": "a" * 64,
        "attributes": BULK_EXPORT if topic == "audit_events/admin_api_activity" else {},
    }
    return Signal.model_validate(base | changes)


def test_a_burst_of_ten_thousand_signals_opens_one_incident_with_few_entries_in_its_chain() -> None:
    # Given the bulk-export rule and an app that is not on the store's allow-list
    bus = CountingBus()
    d, ledger = deps(bus=bus)
    # When 10,000 signals of one attack arrive within the window
    outcomes = [detect(signal(n=n), d).outcome for n in range(10_000)]
    # Then one incident is declared and every other signal merges into it
    assert (outcomes.count("declared"), outcomes.count("merged")) == (1, 9_999)
    assert len(bus.declared) == 1
    incident = bus.declared[0].incident.incident_id
    types = [e.type for e in ledger.chains[incident]]
    assert types[:2] == [EntryType.SIGNAL_DISPOSITION, EntryType.INCIDENT_DECLARED]
    # ...and the ledger holds count checkpoints (10, 100, 1000, 10000), not 10,000 entries
    counted = [e.data["signals"] for e in ledger.chains[incident] if e.type is EntryType.SIGNAL_DISPOSITIONS_COUNTED]
    assert counted == [10, 100, 1000, 10_000]
    # ...and the auditor's per-day record has the exact counts
    [window] = d.dispositions.day("2026-11-27")
    assert window.outcomes == {"ignored": 0, "declared": 1, "merged": 9_999}
    assert window.incident_id == incident
    # ...and the day's chain the disposition of each signal, for the incident's evidence pack
    day = [e.data for e in ledger.chains["dispositions-2026-11-27"] if e.type is EntryType.SIGNAL_DISPOSITION]
    assert len(day) == 10_000 and {d["incident_id"] for d in day} == {incident}


def test_each_signal_correlated_into_an_incident_has_its_disposition_in_the_days_chain() -> None:
    # Given a threshold rule (20 logins in 10 minutes) and one signal that matches no rule
    d, ledger = deps()
    logins = [
        signal("observer.customer_login", n, source=SignalSource.ADOBE_COMMERCE_WEBHOOK, store_id="acme-us", actor=None)
        for n in range(22)
    ]
    # When they are disposed of
    for login in logins:
        detect(login, d)
    detect(signal(actor="app:580111"), d)  # allow-listed: matches no rule
    # Then the day's chain holds one disposition per login (19 below threshold, the declaring one, 2 merged)
    day = [e for e in ledger.chains["dispositions-2026-11-27"] if e.type is EntryType.SIGNAL_DISPOSITION]
    assert [e.data["outcome"] for e in day] == ["ignored"] * 19 + ["declared"] + ["merged"] * 2
    assert [e.data["window_signals"] for e in day] == list(range(1, 23))
    first = day[0].data
    assert first["signal_id"] == "shopify:evt-0" and first["reason"] == (
        "Burst of customer logins across the store (possible credential stuffing): 1 of 20 within 10 min"
    )
    assert (first["source"], first["topic"], first["received_at"]) == (
        "adobe_commerce.webhook",
        "observer.customer_login",
        NOW.isoformat(),
    )
    assert {e.data["incident_id"] for e in day} == {day[-1].data["incident_id"]}
    assert len({e.data["window_sha256"] for e in day}) == 1
    # ...and the signal that matched no rule only its window's count checkpoint, no disposition of its own
    assert "audit_events/admin_api_activity" not in {e.data["topic"] for e in day}
    counted = [e.data["last"] for e in ledger.chains["dispositions-2026-11-27"] if "last" in e.data]
    assert [c["outcome"] for c in counted if c["rule_id"] is None] == ["ignored"]


READS_300 = {"actor_type": "app", "customer_reads": "300"}


def test_a_threshold_rule_declares_only_when_the_weight_is_reached() -> None:
    # Given the customer-reads rule: 1000 customer reads by one app token within 10 minutes
    bus = CountingBus()
    d, _ = deps(bus=bus)
    topic = "audit_events/admin_api_activity"
    # When four deliveries of 300 reads each arrive
    outcomes = [
        detect(signal(topic, n, source=SignalSource.SHOPIFY_EVENTBRIDGE, attributes=READS_300), d) for n in range(4)
    ]
    # Then the first three are counted but ignored, the fourth declares
    assert [o.outcome for o in outcomes] == ["ignored", "ignored", "ignored", "declared"]
    assert "900 of 1000" in outcomes[2].reason
    [window] = d.dispositions.day("2026-11-27")
    assert window.outcomes == {"ignored": 3, "declared": 1, "merged": 0}
    assert bus.declared[0].incident.severity is Severity.HIGH


def test_an_incident_a_threshold_declares_covers_every_account_its_window_touched() -> None:
    # Given the credential-stuffing rule: 20 customer logins across one Adobe Commerce store in 10 minutes
    bus = CountingBus()
    d, _ = deps(bus=bus)
    logins = [
        signal(
            "observer.customer_login",
            n,
            source=SignalSource.ADOBE_COMMERCE_WEBHOOK,
            store_id="acme-us",
            actor=None,
            subject_ids=(f"customer:{7001 + n % 6}",),
            data_categories=(DataCategory.CREDENTIALS,),
        )
        for n in range(24)
    ]
    # When 24 logins against six accounts arrive within the window
    outcomes = [detect(login, d).outcome for login in logins]
    # Then the 20th declares one incident, the rest merge
    assert outcomes.count("declared") == 1 and outcomes.index("declared") == 19
    assert outcomes[20:] == ["merged"] * 4
    # And its scope is every account the window's logins named, not only the last login's
    [declared] = bus.declared
    assert declared.incident.rule_id == "adobe-commerce-credential-stuffing"
    assert sorted(declared.incident.scope.subject_ids) == [f"customer:{n}" for n in range(7001, 7007)]
    assert declared.incident.scope.customers == 6
    assert declared.incident.scope.components == ("customer_sessions",)


def test_a_windows_remembered_scope_stays_bounded() -> None:
    # Given a threshold rule and a long burst where every signal names many new accounts
    bus = CountingBus()
    d, _ = deps(bus=bus)
    logins = [
        signal(
            "observer.customer_login",
            n,
            source=SignalSource.ADOBE_COMMERCE_WEBHOOK,
            store_id="acme-us",
            actor=None,
            # the threshold's last signal alone names as many accounts as a scope may hold
            subject_ids=tuple(f"customer:{n * 10_000 + k}" for k in range(1_000 if n == 19 else 60)),
        )
        for n in range(20)
    ]
    for login in logins:
        detect(login, d)
    # Then the declared scope is cut at the bound, keeping the declaring signal's own accounts
    [declared] = bus.declared
    assert len(declared.incident.scope.subject_ids) == MAX_SCOPE_SUBJECTS
    assert declared.incident.scope.subject_ids == logins[-1].subject_ids
    [(day, window)] = d.dispositions.items  # type: ignore[attr-defined]
    assert 0 < len(d.dispositions.subjects(day, window)) <= SUBJECT_SIGNALS * SUBJECTS_PER_SIGNAL


def test_an_allow_listed_app_exporting_customers_is_ignored_with_the_reason() -> None:
    d, ledger = deps()
    disposition = detect(signal(actor="app:580111"), d)
    assert disposition.outcome == "ignored"
    # the nearest miss is the last rule that reads the topic; the export rule's own miss is the allow-list
    assert disposition.reason == "shopify-admin-api-customer-reads: at_least(customer_reads) not met"
    book = packaged_rulebook()
    export = [r for r in book.rules if r.rule_id == "shopify-bulk-customer-export"]
    _, why = match(signal(actor="app:580111"), export, book.profile("acme-eu"))
    assert why == "shopify-bulk-customer-export: actor_not_allowed not met"
    assert [e.type for e in ledger.chains["dispositions-2026-11-27"]] == [EntryType.SIGNAL_DISPOSITIONS_COUNTED]


def test_a_theme_published_inside_the_change_window_declares_nothing_but_outside_it_does() -> None:
    inside = NOW.replace(day=24, hour=9)  # Tuesday 09:00 UTC
    d, _ = deps()
    published = signal("themes/publish", attributes={"role": "main"}, observed_at=inside, received_at=inside)
    assert detect(published, d.__class__(**{**d.__dict__, "now": inside})).outcome == "ignored"
    assert detect(signal("themes/publish", 2, attributes={"role": "main"}), d).outcome == "declared"


def test_a_macie_finding_on_a_customer_export_bucket_declares_a_classified_incident() -> None:
    bus = CountingBus()
    d, _ = deps(bus=bus)
    finding = signal(
        "macie/SensitiveData:S3Object/Personal",
        source=SignalSource.AWS_MACIE,
        actor="aws-account:123456789012",
        subject_ids=("s3:acme-eu-customer-exports",),
        data_categories=(DataCategory.CONTACT, DataCategory.IDENTITY, DataCategory.FINANCIAL_ACCOUNT),
        attributes={"customer_data_bucket": "true", "bucket": "acme-eu-customer-exports"},
        severity_hint=Severity.HIGH,
    )
    assert detect(finding, d).outcome == "declared"
    incident = bus.declared[0].incident
    assert incident.severity is Severity.CRITICAL
    assert DataCategory.FINANCIAL_ACCOUNT in incident.data_categories
    assert incident.jurisdictions == ("DE", "FR")
    assert incident.scope.components == ("storefront_tokens", "webhook_subscriptions", "s3_public_access")
    assert bus.declared[0].mode.value == "drill"  # a sandbox store only ever drills


def test_an_operator_declaration_carries_the_operators_severity_and_each_reference_is_its_own_incident() -> None:
    bus = CountingBus()
    d, _ = deps(bus=bus)
    for n, reference in enumerate(("CASE-1", "CASE-2")):
        declared = signal(
            "manual/declare",
            n,
            signal_id=f"manual:acme-eu:{reference}",
            source=SignalSource.MANUAL,
            actor="operator",
            severity_hint=Severity.CRITICAL,
            attributes={"subject_count": "1200"},
        )
        assert detect(declared, d).outcome == "declared"
    assert len({b.incident.incident_id for b in bus.declared}) == 2
    assert bus.declared[0].incident.severity is Severity.CRITICAL
    assert bus.declared[0].incident.scope.customers == 1200


def test_a_bus_outage_leaves_a_failed_step_and_the_retry_declares_once_the_lease_runs_out() -> None:
    d, ledger = deps(bus=CountingBus(fail=True))
    with pytest.raises(ConnectionError):
        detect(signal(), d)
    incident = incident_id(signal(), packaged_rulebook().rules[0])
    assert [e.type for e in ledger.chains[incident]] == [EntryType.SIGNAL_DISPOSITION, EntryType.STEP_FAILED]
    # A redelivery within the claim's lease merges; after it, the retry finishes the declaration.
    working = CountingBus()
    retry = DetectDeps(**{**d.__dict__, "bus": working})
    assert detect(signal(), retry).outcome == "merged"
    later = DetectDeps(**{**d.__dict__, "bus": working, "now": NOW + timedelta(seconds=31)})
    assert detect(signal(), later).outcome == "declared"
    assert len(working.declared) == 1
    assert [e.type for e in ledger.chains[incident]][-1] is EntryType.INCIDENT_DECLARED


def test_a_store_can_replace_and_disable_rules_of_the_book() -> None:
    book = packaged_rulebook()
    rule = book.rules[0].model_copy(update={"threshold": 3})
    custom = book.model_copy(
        update={
            "stores": {
                "acme-eu": StoreProfile(rules=(rule,), disabled_rules=("shopify-theme-published-outside-window",))
            }
        }
    )
    rules = custom.rules_for("acme-eu")
    assert rules[0].threshold == 3
    assert "shopify-theme-published-outside-window" not in {r.rule_id for r in rules}
    assert match(signal("themes/publish", attributes={"role": "main"}), rules, custom.profile("acme-eu"))[0] is None


def test_the_packaged_rule_book_is_valid_and_versioned_and_a_bad_one_names_the_field() -> None:
    assert packaged_rulebook().version
    bad = json.loads(Path("functions/detection/rulebook.json").read_text())
    bad["rules"][0]["threshold"] = 0
    with pytest.raises(Exception, match=r"rules\.0\.threshold"):
        parse_rulebook(json.dumps(bad))


@pytest.mark.parametrize(
    "topic",
    ["audit_events/admin_api_activity", "plugin.magento.customer.api.customer_repository.get_list"],
)
def test_no_rule_fires_on_a_signal_that_names_no_actor(topic: str) -> None:
    # Given signals that would declare if an actor were named (a bulk export; a burst of searches)
    d, _ = deps()
    unnamed = [signal(topic, n, actor=None, store_id="acme-eu") for n in range(60)]
    # When detection disposes of them
    outcomes = {detect(s, d).outcome for s in unnamed}
    # Then nothing is declared: a missing actor is unknown, not "not on the allow-list"
    assert outcomes == {"ignored"}
    assert d.bus.declared == []  # type: ignore[attr-defined]


def test_a_bulk_operation_finishing_declares_nothing_it_reaches_only_the_app_that_started_it() -> None:
    # Shopify: an app receives bulk_operations/finish only for operations it started; the payload names no app
    d, _ = deps()
    finished = signal("bulk_operations/finish", actor=None, attributes={"status": "completed", "type": "query"})
    disposition = detect(finished, d)
    assert (disposition.outcome, disposition.reason) == ("ignored", "no rule reads topic bulk_operations/finish")
