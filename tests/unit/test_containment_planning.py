"""The planner gives each containment action its own target from the incident's scope.

Given incidents as detection declares them (Adobe Commerce principals, AWS findings naming a bucket,
remote addresses or a secret), When the response is planned, Then every action kind acts on the
object of its own kind, the blast-radius limits ask for approval, and an action whose object the
scope does not name becomes a recorded manual task rather than a guess.
"""

from datetime import UTC, datetime
from typing import Any

from functions.common.config import FirmConfig, Mode, Platform
from functions.containment.domain import apply_action
from functions.containment.models import ActionKind, ActionStatus, ApplyActionRequest, PlannedAction, PreState
from functions.containment.targets import UNIDENTIFIED
from functions.detection.models import AffectedScope, Incident
from functions.ledger.domain import ChainedLedger
from functions.ledger.models import EntryType, LedgerEntry
from functions.response.domain import DRILL_SEGMENT, plan_response
from functions.response.models import PlanRequest
from tests.fakes import builders
from tests.fakes.ledger import MemoryLedgerStore

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
IP_SET = "REGIONAL/bulkhead-blocklist/a1b2c3d4-0000-4000-8000-000000000001"


def config(**policy: Any) -> FirmConfig:
    return builders.firm(
        builders.store(shop_domain="acme-eu.myshopify.com"),
        builders.store("acme-us", "adobe_commerce"),
        policy={"auto_approve_from": "high", **policy},
        waf_ip_set=IP_SET,
    )


def incident(platform: Platform, components: tuple[str, ...], subjects: tuple[str, ...], actor: str | None) -> Incident:
    return builders.incident(
        incident_id="inc-20261127-planning",
        store_id="acme-us" if platform is Platform.ADOBE_COMMERCE else "acme-eu",
        platform=platform,
        scope=AffectedScope(subject_ids=subjects, components=components),
        jurisdictions=("EU",),
        actor=actor,
        aware_at=NOW,
        declared_at=NOW,
    )


def plan(found: Incident, firm: FirmConfig | None = None) -> tuple[tuple[PlannedAction, ...], tuple[str, ...]]:
    ledger = ChainedLedger(MemoryLedgerStore())
    planned = plan_response(PlanRequest(incident=found, mode=Mode.LIVE), firm or config(), ledger, NOW)
    return planned.actions, planned.approval_reasons


def targets(actions: tuple[PlannedAction, ...]) -> list[tuple[str, str]]:
    return [(a.kind.value, a.target) for a in actions]


def test_an_insider_incident_locks_the_admin_user_and_disables_the_integration_it_used() -> None:
    # Given an Adobe Commerce incident whose actor is an integration and whose scope names an admin user
    insider = incident(
        Platform.ADOBE_COMMERCE,
        ("admin_users", "integration_tokens", "customer_sessions"),
        ("admin_user:7", "customer:7001", "customer:7002"),
        actor="integration:12",
    )
    # When it is planned
    actions, _ = plan(insider)
    # Then each kind acts on its own object; customers stay the token revocation's subjects
    assert targets(actions) == [
        ("magento.lock_admin_user", "7"),
        ("magento.disable_integration", "12"),
        ("magento.revoke_customer_tokens", "customers"),
    ]
    assert actions[2].subjects == ("customer:7001", "customer:7002")
    assert all(a.subjects == () for a in actions[:2])


def test_two_admin_users_named_in_the_scope_are_two_lock_actions() -> None:
    actions, _ = plan(
        incident(Platform.ADOBE_COMMERCE, ("admin_users",), ("admin_user:ops.contractor",), actor="admin_user:7")
    )
    assert targets(actions) == [("magento.lock_admin_user", "7"), ("magento.lock_admin_user", "ops.contractor")]
    assert len({a.action_id for a in actions}) == 2


def test_a_macie_finding_blocks_public_access_on_the_bucket_it_names_not_on_the_actor() -> None:
    macie = incident(
        Platform.SHOPIFY,
        ("storefront_tokens", "s3_public_access"),
        ("s3:acme-eu-customer-exports",),
        actor="aws-account:123456789012",
    )
    actions, _ = plan(macie)
    assert ("aws.block_bucket_public_access", "acme-eu-customer-exports") in targets(actions)


def test_a_guardduty_finding_blocks_its_remote_addresses_in_the_configured_ip_set() -> None:
    guardduty = incident(
        Platform.SHOPIFY,
        ("waf_ip_set",),
        ("s3:acme-eu-customer-exports", "ip:198.51.100.23", "ip:203.0.113.7"),
        actor="aws-account:123456789012",
    )
    (block,), _ = plan(guardduty)
    assert (block.kind, block.target) == (ActionKind.AWS_BLOCK_IPS, IP_SET)
    assert block.subjects == ("ip:198.51.100.23", "ip:203.0.113.7")


def test_without_a_configured_ip_set_the_block_is_unidentified() -> None:
    guardduty = incident(Platform.SHOPIFY, ("waf_ip_set",), ("ip:203.0.113.7",), actor=None)
    firm = config().model_copy(update={"waf_ip_set": None})
    (block,), _ = plan(guardduty, firm)
    assert block.target == UNIDENTIFIED


def test_a_leaked_secret_finding_rotates_that_secret() -> None:
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:erp/api-key-AbCdEf"
    hub = incident(Platform.SHOPIFY, ("leaked_secrets",), (f"secret:{arn}",), actor="aws-account:123456789012")
    actions, _ = plan(hub)
    assert targets(actions) == [("aws.rotate_secret", arn)]


def test_disabling_more_integrations_than_the_policy_allows_needs_approval() -> None:
    # Given a policy that lets one run disable at most 2 integrations
    firm = config(max_integrations_per_run=2)
    three = ("integration:12", "integration:14", "integration:15")
    # When an incident names three, Then approval is required and says why
    actions, reasons = plan(incident(Platform.ADOBE_COMMERCE, ("integrations",), three, actor=None), firm)
    assert [a.target for a in actions] == ["12", "14", "15"]
    assert reasons == ("3 integrations to disable exceed the blast radius of 2",)
    # And two stay within it
    _, within = plan(incident(Platform.ADOBE_COMMERCE, ("integrations",), three[:2], actor=None), firm)
    assert within == ()


class NeverCalled:
    def executor(self, action: PlannedAction) -> None:
        raise AssertionError("an unidentified target must not reach a platform")


class NoVault:
    def put(self, pre: PreState) -> str:
        raise AssertionError("nothing to snapshot")

    def get(self, incident_id: str, action_id: str) -> None:
        return None


class Journal:
    def __init__(self, store: MemoryLedgerStore) -> None:
        self._store = store

    def entries(self, incident_id: str) -> list[LedgerEntry]:
        return list(self._store.entries(incident_id))


def test_an_action_whose_object_the_scope_does_not_name_becomes_a_recorded_manual_task() -> None:
    # Given an admin-user incident whose actor is not a typed reference
    (action,), _ = plan(incident(Platform.ADOBE_COMMERCE, ("admin_users",), (), actor="ops.contractor"))
    assert action.target == UNIDENTIFIED
    store = MemoryLedgerStore()
    request = ApplyActionRequest(incident_id="inc-20261127-planning", mode=Mode.LIVE, action=action)
    # When containment runs it
    outcome = apply_action(request, NeverCalled(), ChainedLedger(store), Journal(store), NoVault(), NOW)
    # Then a person gets exact instructions, and the ledger records the task (no platform call)
    assert outcome.status is ActionStatus.MANUAL_TASK
    assert "does not name the object to act on" in outcome.detail
    assert f"bulkhead action done inc-20261127-planning {action.action_id}" in outcome.detail
    types = [e.type for e in store.chains["inc-20261127-planning"]]
    assert types == [EntryType.ACTION_PLANNED, EntryType.ACTION_MANUAL_TASK]


def test_a_drill_on_a_live_store_degrades_only_the_drill_segment_and_on_a_sandbox_the_store() -> None:
    # Given an incident whose scope calls for the account dashboards to be read-only
    found = incident(Platform.SHOPIFY, ("customer_tags",), ("customer:7001",), None)
    live_store = config()
    firm = live_store.model_dump(mode="json")
    firm["stores"][0]["sandbox"] = True  # the same firm, acme-eu as a sandbox
    sandbox_store = FirmConfig.model_validate(firm)
    ledger = ChainedLedger(MemoryLedgerStore())
    # When a drill is planned on the live store, on the sandbox, and a live incident on the live store
    drill_live = plan_response(PlanRequest(incident=found, mode=Mode.DRILL), live_store, ledger, NOW)
    drill_sandbox = plan_response(PlanRequest(incident=found, mode=Mode.DRILL), sandbox_store, ledger, NOW)
    live = plan_response(PlanRequest(incident=found, mode=Mode.LIVE), live_store, ledger, NOW)
    # Then the drill on the live store touches only its test segment; nothing else is store-wide but real
    assert drill_live.degradation.modes and drill_live.degradation.segment == DRILL_SEGMENT
    assert drill_sandbox.degradation.segment is None
    assert live.degradation.segment is None
