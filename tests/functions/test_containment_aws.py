"""AWS-side containment on moto: WAF IP set, Secrets Manager rotation, S3 public access block.

For each action: Given the AWS resource in its pre-incident state, When containment applies it
through the domain (real executors, the real sealed pre-state vault on DynamoDB + KMS), Then it is
applied, verified, recorded in the ledger, a retry does not repeat it, a restore puts back the exact
pre-state, and a dry run changes nothing. A Stubber test shows a throttled or 5xx AWS call leave
nothing half-done and succeed on the state machine's retry.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from bulkhead.local.runtime import create_table
from functions.common.config import Mode
from functions.common.errors import PlatformThrottled, TransientPlatformError
from functions.containment.adapters import aws
from functions.containment.adapters.catalogue import PlatformCatalogue
from functions.containment.adapters.vault import DynamoPreStateVault
from functions.containment.domain import apply_action, revert_action
from functions.containment.models import (
    ActionKind,
    ActionOutcome,
    ActionStatus,
    ApplyActionRequest,
    PlannedAction,
    RevertActionRequest,
    RevertStatus,
)
from functions.ledger.domain import ChainedLedger
from functions.ledger.models import EntryType, LedgerEntry
from infra.fabric import table
from tests.fakes.ledger import MemoryLedgerStore

REGION = "eu-west-1"
INCIDENT = "inc-20261127-awslevers"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


class Journal:
    def __init__(self, store: MemoryLedgerStore) -> None:
        self._store = store

    def entries(self, incident_id: str) -> list[LedgerEntry]:
        return self._store.entries_list(incident_id)


class Containment:
    """The domain wired to moto: what ApplyContainmentAction and RevertContainmentAction run."""

    def __init__(self, wafv2: Any = None, secretsmanager: Any = None, s3: Any = None) -> None:
        dynamodb, kms = boto3.client("dynamodb", region_name=REGION), boto3.client("kms", region_name=REGION)
        create_table(dynamodb, table("PreStates"), "prestates")
        key = kms.create_key(Description="pre-states")["KeyMetadata"]["Arn"]
        self.vault = DynamoPreStateVault(dynamodb, kms, "prestates", key)
        self.store = MemoryLedgerStore()
        self.ledger = ChainedLedger(self.store)
        self.journal = Journal(self.store)
        self.catalogue = PlatformCatalogue(
            {
                ActionKind.AWS_BLOCK_IPS: lambda _: aws.WafIpBlock(wafv2),
                ActionKind.AWS_ROTATE_SECRET: lambda _: aws.SecretRotation(secretsmanager),
                ActionKind.AWS_BLOCK_BUCKET_PUBLIC_ACCESS: lambda _: aws.BucketPublicAccessBlock(s3),
            }
        )

    def apply(self, action: PlannedAction, mode: Mode = Mode.LIVE) -> ActionOutcome:
        request = ApplyActionRequest(incident_id=INCIDENT, mode=mode, action=action)
        return apply_action(request, self.catalogue, self.ledger, self.journal, self.vault, NOW)

    def revert(self, action: PlannedAction) -> RevertStatus:
        request = RevertActionRequest(
            incident_id=INCIDENT,
            mode=Mode.LIVE,
            action_id=action.action_id,
            kind=action.kind,
            restored_by="person:Maria Keller",
        )
        return revert_action(request, self.catalogue, self.ledger, self.journal, self.vault, NOW).status

    def restore_entry(self, action: PlannedAction) -> LedgerEntry:
        """The last restore entry of the action: `action.reverted`, or `action.failed` in phase restore."""
        restore = (EntryType.ACTION_REVERTED, EntryType.ACTION_FAILED)
        return [
            e for e in self.journal.entries(INCIDENT) if e.type in restore and e.data["action_id"] == action.action_id
        ][-1]

    def recorded(self, action: PlannedAction) -> list[EntryType]:
        return [e.type for e in self.journal.entries(INCIDENT) if e.data.get("action_id") == action.action_id]


def action(kind: ActionKind, target: str, subjects: tuple[str, ...] = ()) -> PlannedAction:
    name = kind.value.split(".")[-1].replace("_", "-")
    return PlannedAction(
        action_id=f"act-01-{name}", kind=kind, store_id="acme-eu", target=target, subjects=subjects, reason="test"
    )


@pytest.fixture
def moto() -> Iterator[None]:
    with mock_aws():
        yield


# --- WAF IP set ---------------------------------------------------------------------------------


def ip_set(wafv2: Any) -> str:
    created = wafv2.create_ip_set(
        Name="bulkhead-blocklist",
        Scope="REGIONAL",
        IPAddressVersion="IPV4",
        Addresses=["192.0.2.10/32"],
    )["Summary"]
    return f"REGIONAL/{created['Name']}/{created['Id']}"


def addresses(wafv2: Any, target: str) -> list[str]:
    scope, name, set_id = target.split("/")
    return sorted(wafv2.get_ip_set(Scope=scope, Name=name, Id=set_id)["IPSet"]["Addresses"])


def test_waf_block_adds_the_remote_addresses_and_restore_removes_only_those(moto: None) -> None:
    wafv2 = boto3.client("wafv2", region_name=REGION)
    target = ip_set(wafv2)
    fabric = Containment(wafv2=wafv2)
    block = action(ActionKind.AWS_BLOCK_IPS, target, ("ip:203.0.113.7/32", "ip:198.51.100.23/32"))

    dry = fabric.apply(block, Mode.DRY_RUN)
    assert dry.status is ActionStatus.WOULD_APPLY
    assert addresses(wafv2, target) == ["192.0.2.10/32"]  # dry run: untouched

    outcome = fabric.apply(block)
    assert (outcome.status, outcome.changed) == (ActionStatus.APPLIED, 2)
    assert addresses(wafv2, target) == ["192.0.2.10/32", "198.51.100.23/32", "203.0.113.7/32"]
    assert fabric.recorded(block) == [EntryType.ACTION_PLANNED, EntryType.ACTION_APPLIED, EntryType.ACTION_VERIFIED]
    applied = next(e for e in fabric.journal.entries(INCIDENT) if e.type is EntryType.ACTION_APPLIED)
    assert applied.data["pre_state_sha256"] == outcome.pre_state_sha256
    assert "203.0.113.7" not in str([e.data for e in fabric.journal.entries(INCIDENT)])  # no address in the ledger

    # A retry of the step does nothing twice.
    assert fabric.apply(block).status is ActionStatus.ALREADY_APPLIED
    assert fabric.recorded(block).count(EntryType.ACTION_APPLIED) == 1

    # Someone adds an address of their own while contained: restore removes only Bulkhead's.
    scope, name, set_id = target.split("/")
    lock = wafv2.get_ip_set(Scope=scope, Name=name, Id=set_id)["LockToken"]
    wafv2.update_ip_set(
        Scope=scope, Name=name, Id=set_id, LockToken=lock, Addresses=[*addresses(wafv2, target), "192.0.2.99/32"]
    )
    assert fabric.revert(block) is RevertStatus.REVERTED
    assert addresses(wafv2, target) == ["192.0.2.10/32", "192.0.2.99/32"]
    # The read-back matched the pre-state on what Bulkhead touched (the other writer's address stays),
    # and the record holds counts and hashes, no address; the person who restored is the actor
    reverted = fabric.restore_entry(block)
    assert reverted.data["verified"] is True and reverted.data["before"] == reverted.data["after"]
    assert reverted.data["before"]["addresses"] == 1 and reverted.actor == "person:Maria Keller"
    assert "192.0.2.10" not in str(reverted.data)
    assert fabric.revert(block) is RevertStatus.ALREADY_REVERTED


def test_a_waf_restore_that_the_platform_does_not_keep_is_recorded_as_failed_by_name(moto: None) -> None:
    # Given a contained IP set whose UpdateIPSet answers OK on restore but keeps the blocked address
    wafv2 = boto3.client("wafv2", region_name=REGION)
    fabric = Containment(wafv2=wafv2)
    block = action(ActionKind.AWS_BLOCK_IPS, TARGET, ("ip:203.0.113.7/32",))
    with Stubber(wafv2) as stub:
        stub.add_response("get_ip_set", ip_set_answer([], "lock-1"), REF)
        stub.add_response("get_ip_set", ip_set_answer([], "lock-1"), REF)
        stub.add_response("update_ip_set", {"NextLockToken": "lock-2"})
        stub.add_response("get_ip_set", ip_set_answer(["203.0.113.7/32"], "lock-2"), REF)
        assert fabric.apply(block).status is ActionStatus.APPLIED
        # When the restore runs: the write is accepted, the read-back still shows the address
        stub.add_response("get_ip_set", ip_set_answer(["203.0.113.7/32"], "lock-2"), REF)
        stub.add_response("update_ip_set", {"NextLockToken": "lock-3"})
        stub.add_response("get_ip_set", ip_set_answer(["203.0.113.7/32"], "lock-3"), REF)
        status = fabric.revert(block)
        stub.assert_no_pending_responses()
    # Then the action counts as failed, the record says why with before and after, and it is not reverted
    assert status is RevertStatus.FAILED
    failed = fabric.restore_entry(block)
    assert failed.type is EntryType.ACTION_FAILED and failed.data["phase"] == "restore"
    assert failed.data["verified"] is False
    assert failed.data["reason"] == "1 blocked addresses are still in the IP set and 0 earlier ones are gone"
    assert (failed.data["before"]["addresses"], failed.data["after"]["addresses"]) == (0, 1)
    assert EntryType.ACTION_REVERTED not in fabric.recorded(block)


# --- Secrets Manager rotation ---------------------------------------------------------------------


def current(sm: Any, secret: str) -> tuple[str, str]:
    # By stage: moto's default lookup does not follow UpdateSecretVersionStage (AWS's does).
    value = sm.get_secret_value(SecretId=secret, VersionStage="AWSCURRENT")
    return str(value["VersionId"]), str(value["SecretString"])


def test_rotating_a_leaked_secret_replaces_its_value_once_and_restore_reinstates_the_version(moto: None) -> None:
    sm = boto3.client("secretsmanager", region_name=REGION)
    arn = sm.create_secret(Name="erp/api-key", SecretString="leaked-value")["ARN"]
    before = current(sm, arn)
    fabric = Containment(secretsmanager=sm)
    rotate = action(ActionKind.AWS_ROTATE_SECRET, arn)

    assert fabric.apply(rotate, Mode.DRY_RUN).status is ActionStatus.WOULD_APPLY
    assert current(sm, arn) == before

    outcome = fabric.apply(rotate)
    assert (outcome.status, outcome.changed) == (ActionStatus.APPLIED, 1)
    rotated = current(sm, arn)
    assert rotated[0] != before[0] and rotated[1] != "leaked-value"
    assert fabric.recorded(rotate) == [EntryType.ACTION_PLANNED, EntryType.ACTION_APPLIED, EntryType.ACTION_VERIFIED]
    stored = fabric.vault.get(INCIDENT, rotate.action_id)
    assert stored is not None and "leaked-value" not in stored[0].model_dump_json()  # version ids only

    assert fabric.apply(rotate).status is ActionStatus.ALREADY_APPLIED
    assert current(sm, arn) == rotated  # not rotated twice
    assert len(sm.list_secret_version_ids(SecretId=arn)["Versions"]) == 2

    assert fabric.revert(rotate) is RevertStatus.REVERTED
    assert current(sm, arn) == before
    reverted = fabric.restore_entry(rotate)
    assert reverted.data["verified"] is True
    assert reverted.data["after"] == reverted.data["before"] == {"current_version": before[0]}
    assert fabric.revert(rotate) is RevertStatus.ALREADY_REVERTED


def test_a_lost_answer_after_rotation_does_not_rotate_again(moto: None) -> None:
    # Given the rotation went through but the step failed before recording it (a Lambda timeout)
    sm = boto3.client("secretsmanager", region_name=REGION)
    arn = sm.create_secret(Name="erp/api-key", SecretString="leaked-value")["ARN"]
    rotate = action(ActionKind.AWS_ROTATE_SECRET, arn)
    executor = aws.SecretRotation(sm)
    state = {**executor.snapshot(rotate), "incident_id": INCIDENT}
    executor.apply(rotate, state)
    rotated = current(sm, arn)
    # When the state machine retries the step with the same pre-state, Then the version is the same one
    assert executor.apply(rotate, state) == 0
    assert current(sm, arn) == rotated


# --- S3 public access block -----------------------------------------------------------------------


def test_blocking_public_access_on_a_flagged_bucket_and_restoring_no_block(moto: None) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="acme-eu-customer-exports", CreateBucketConfiguration={"LocationConstraint": REGION})
    fabric = Containment(s3=s3)
    block = action(ActionKind.AWS_BLOCK_BUCKET_PUBLIC_ACCESS, "acme-eu-customer-exports")

    def configuration() -> dict[str, bool] | None:
        try:
            return dict(s3.get_public_access_block(Bucket="acme-eu-customer-exports")["PublicAccessBlockConfiguration"])
        except s3.exceptions.ClientError:
            return None

    assert configuration() is None
    assert fabric.apply(block, Mode.DRY_RUN).status is ActionStatus.WOULD_APPLY
    assert configuration() is None

    assert fabric.apply(block).status is ActionStatus.APPLIED
    assert configuration() == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    assert fabric.recorded(block) == [EntryType.ACTION_PLANNED, EntryType.ACTION_APPLIED, EntryType.ACTION_VERIFIED]
    assert fabric.apply(block).status is ActionStatus.ALREADY_APPLIED

    assert fabric.revert(block) is RevertStatus.REVERTED
    assert configuration() is None  # exactly as before: no block at all, not an all-false one
    reverted = fabric.restore_entry(block)
    assert (reverted.data["verified"], reverted.data["after"]) == (True, {"configuration": None})


def test_a_partial_public_access_block_is_restored_as_it_was(moto: None) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="exports", CreateBucketConfiguration={"LocationConstraint": REGION})
    partial = {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": False,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": False,
    }
    s3.put_public_access_block(Bucket="exports", PublicAccessBlockConfiguration=partial)
    fabric = Containment(s3=s3)
    block = action(ActionKind.AWS_BLOCK_BUCKET_PUBLIC_ACCESS, "exports")
    assert fabric.apply(block).changed == 1
    assert fabric.revert(block) is RevertStatus.REVERTED
    assert s3.get_public_access_block(Bucket="exports")["PublicAccessBlockConfiguration"] == partial


# --- throttling and 5xx (Stubber) -----------------------------------------------------------------

SET_ID = "a1b2c3d4-0000-4000-8000-000000000001"
TARGET = f"REGIONAL/bulkhead-blocklist/{SET_ID}"
REF = {"Scope": "REGIONAL", "Name": "bulkhead-blocklist", "Id": SET_ID}


def ip_set_answer(addresses: list[str], lock: str) -> dict[str, Any]:
    return {
        "IPSet": {
            "Name": "bulkhead-blocklist",
            "Id": SET_ID,
            "ARN": f"arn:aws:wafv2:{REGION}:123456789012:regional/ipset/bulkhead-blocklist/{SET_ID}",
            "IPAddressVersion": "IPV4",
            "Addresses": addresses,
        },
        "LockToken": lock,
    }


@pytest.mark.parametrize(
    ("code", "status", "raised"),
    [
        ("ThrottlingException", 400, PlatformThrottled),
        ("WAFInternalErrorException", 500, TransientPlatformError),
    ],
)
def test_a_throttled_or_failing_waf_call_is_retried_by_the_state_machine_without_doing_it_twice(
    moto: None, code: str, status: int, raised: type[Exception]
) -> None:
    wafv2 = boto3.client("wafv2", region_name=REGION)
    fabric = Containment(wafv2=wafv2)
    block = action(ActionKind.AWS_BLOCK_IPS, TARGET, ("ip:203.0.113.7/32",))
    with Stubber(wafv2) as stub:
        # Attempt 1: snapshot, re-read, then UpdateIPSet fails (after the client's own retries).
        stub.add_response("get_ip_set", ip_set_answer([], "lock-1"), REF)
        stub.add_response("get_ip_set", ip_set_answer([], "lock-1"), REF)
        stub.add_client_error("update_ip_set", service_error_code=code, http_status_code=status)
        with pytest.raises(raised) as failed:
            fabric.apply(block)
        # ASL Retry on ApplyContainmentAction lists PlatformThrottled and TransientPlatformError by name.
        assert type(failed.value).__name__ in {"PlatformThrottled", "TransientPlatformError"}
        assert fabric.recorded(block) == [EntryType.ACTION_PLANNED]  # nothing claimed applied
        # Attempt 2 (the Retry): the stored pre-state is reused, not a fresh snapshot.
        stub.add_response("get_ip_set", ip_set_answer([], "lock-1"), REF)
        stub.add_response(
            "update_ip_set",
            {"NextLockToken": "lock-2"},
            {**REF, "Addresses": ["203.0.113.7/32"], "LockToken": "lock-1"},
        )
        stub.add_response("get_ip_set", ip_set_answer(["203.0.113.7/32"], "lock-2"), REF)
        outcome = fabric.apply(block)
        stub.assert_no_pending_responses()
    assert (outcome.status, outcome.changed) == (ActionStatus.APPLIED, 1)
    assert fabric.recorded(block) == [
        EntryType.ACTION_PLANNED,
        EntryType.ACTION_APPLIED,
        EntryType.ACTION_VERIFIED,
    ]
    stored = fabric.vault.get(INCIDENT, block.action_id)
    assert stored is not None and stored[0].state["addresses"] == []
