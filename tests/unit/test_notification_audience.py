"""resolve_audience on in-memory adapters: a bucket of customer exports widens to the store, on record."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bulkhead.sandbox.audience import fictional_email
from functions.common.config import FirmConfig
from functions.notification.domain import resolve_audience
from functions.notification.models import (
    AudienceScope,
    Customer,
    NotificationPlan,
    ResolveRequest,
    ScopeKind,
)
from functions.notification.roster import readable, scopes
from tests.fakes import builders
from tests.fakes.ledger import MemoryLedger
from tests.fakes.notification import MemoryRosterStore

NOW = datetime(2026, 11, 27, 9, tzinfo=UTC)


class Directory:
    """A store of six customers; records which scopes it was asked for."""

    def __init__(self) -> None:
        self.asked: list[ScopeKind] = []

    def customers(self, scope: AudienceScope) -> Iterator[Customer]:
        self.asked.append(scope.kind)
        everyone = [Customer(platform_id=str(n), email=fictional_email(n)) for n in range(7001, 7007)]
        if scope.kind is ScopeKind.ALL_CUSTOMERS:
            yield from everyone
        elif scope.kind is ScopeKind.CUSTOMER_IDS:
            yield from (c for c in everyone if c.platform_id in scope.values)

    def exact(self, scope: AudienceScope) -> bool:
        return True


class Pseudonyms:
    def of(self, store_id: str, platform_id: str) -> str:
        return f"ps_{int(platform_id):032x}"


def request(*subjects: str) -> ResolveRequest:
    incident = builders.incident(
        incident_id="inc-unit-audience-0001",
        rule_id="macie-customer-export-bucket",
        severity="critical",
        data_categories=("contact", "identity"),
        scope={"subject_ids": list(subjects)},
        aware_at=NOW,
        declared_at=NOW,
    )
    return ResolveRequest(
        incident=incident, mode="drill", notification=NotificationPlan(subject_ids=subjects, required=True)
    )


@pytest.fixture
def config() -> FirmConfig:
    return builders.firm(builders.store(jurisdictions=["DE"], customer_data_buckets=["acme-eu-customer-exports"]))


def test_a_bucket_of_the_stores_customer_exports_widens_to_all_its_customers_and_says_so(config: FirmConfig) -> None:
    # Given a Macie finding naming the store's customer-export bucket (and one exported customer)
    ledger, directory, rosters = MemoryLedger(), Directory(), MemoryRosterStore()

    # When the audience is resolved
    resolved = resolve_audience(
        request("s3:acme-eu-customer-exports", "customer:7001"),
        config,
        directory,
        rosters,
        Pseudonyms(),
        14.0,
        ledger,
        NOW,
    )

    # Then every customer of the store is on the roster, read once as "all customers"
    assert (resolved.customers, resolved.batches, resolved.scope_widened) == (6, 1, True)
    assert directory.asked == [ScopeKind.ALL_CUSTOMERS]
    # And the ledger records the widening and why, with counts only
    planned = ledger.entries["inc-unit-audience-0001"][-1]
    assert planned.data["scope_widened"] is True
    assert planned.data["widened_from"] == ["export_bucket"]
    assert planned.data["scopes"] == ["all_customers"] and planned.data["unmapped_buckets"] == 0
    assert "customer.example" not in str(planned.data)


def test_a_bucket_the_store_does_not_list_names_no_customers_and_is_counted(config: FirmConfig) -> None:
    ledger, directory = MemoryLedger(), Directory()

    resolved = resolve_audience(
        request("s3:build-artifacts", "customer:7002"),
        config,
        directory,
        MemoryRosterStore(),
        Pseudonyms(),
        14.0,
        ledger,
        NOW,
    )

    # Only the named customer is notified; the unknown bucket neither widens nor fails the step
    assert (resolved.customers, resolved.scope_widened) == (1, False)
    planned = ledger.entries["inc-unit-audience-0001"][-1]
    assert (planned.data["unmapped_buckets"], planned.data["widened_from"]) == (1, [])


def test_bucket_subjects_parse_into_an_export_bucket_scope() -> None:
    found = scopes(["s3:exports-a", "s3:exports-a", "customer:1"])
    assert [(s.kind, s.values) for s in found] == [
        (ScopeKind.CUSTOMER_IDS, ("1",)),
        (ScopeKind.EXPORT_BUCKET, ("exports-a",)),
    ]
    widened, to_all, unmapped = readable(found, ["exports-a"])
    assert ([s.kind for s in widened], to_all, unmapped) == ([ScopeKind.ALL_CUSTOMERS], True, 0)


def test_the_send_quota_is_shared_only_by_the_workers_that_can_run(config: FirmConfig) -> None:
    # Given six customers: one batch, however many Map children the state machine allows
    resolved = resolve_audience(
        request("s3:acme-eu-customer-exports"),
        config,
        Directory(),
        MemoryRosterStore(),
        Pseudonyms(),
        14.0,
        MemoryLedger(),
        NOW,
    )
    # Then that one batch may use the account's whole send rate
    assert resolved.batches == 1
    assert resolved.email_rate_per_worker == 14.0
