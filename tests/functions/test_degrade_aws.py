"""`bulkhead degrade --target aws` against a deployment (moto, not the local fabric): the real adapters
on the named controls and ledger tables, the configuration from its SSM parameter, and the Shopify
store's metafield projection through its Admin API (a sandbox store on loopback)."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from moto import mock_aws
from typer.testing import CliRunner

from bulkhead.cli.ledger import DEFAULT_KEY
from bulkhead.cli.main import app
from bulkhead.local.runtime import DEFAULT_CONFIG, create_table
from bulkhead.sandbox.stores import SandboxStore, running_sandbox
from functions.common import clients, config, wiring
from functions.degradation.adapters.dynamodb import DynamoControlsStore
from functions.degradation.models import DegradationMode
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.models import EntryType
from infra.fabric import table

REGION = "eu-west-1"
TOKEN = "shpat_deployed_acme_eu"
PARAMETER = "/bulkhead/prod/config"
ANCHORS = "bulkhead-ledger-anchors-prod"
CONTROLS, LEDGER = "bulkhead-prod-controls", "bulkhead-prod-ledger"


@dataclass
class Deployment:
    shop: SandboxStore
    options: list[str]

    def metafield(self) -> dict[str, Any] | None:
        metafields = self.shop.state.table("metafields")
        value = next((m["value"] for m in metafields.values() if m["key"] == "degradation"), None)
        return None if value is None else dict(json.loads(value))

    def controls(self) -> list[str]:
        current = DynamoControlsStore(clients.client("dynamodb"), CONTROLS).current("acme-eu")
        return sorted(m.value for r in current.rules for m in r.modes)

    def ledger_types(self) -> list[EntryType]:
        store = DynamoLedgerStore(clients.client("dynamodb"), LEDGER)
        return [e.type for e in store.entries("controls-acme-eu")]


@pytest.fixture
def deployment(monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployment]:
    """Given a deployed fabric's tables, configuration parameter and secrets, and a Shopify store."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name in (
        "CONTROLS_TABLE_NAME",
        "LEDGER_TABLE_NAME",
        "LEDGER_ANCHOR_BUCKET_NAME",
        "BULKHEAD_CONFIG_PARAMETER",
        "ONCALL_TOPIC_ARN",
    ):
        monkeypatch.delenv(name, raising=False)
    with mock_aws(), running_sandbox("acme-eu", "shopify", TOKEN, shop_domain="acme-wealth-eu.myshopify.com") as shop:
        clients.reset()
        config.forget_config()
        wiring.forget_secrets()
        db = clients.client("dynamodb")
        create_table(db, table("Controls"), CONTROLS)
        create_table(db, table("Ledger"), LEDGER)
        firm = json.loads(DEFAULT_CONFIG.read_text())
        eu = next(s for s in firm["stores"] if s["store_id"] == "acme-eu")
        eu["admin_api_url"] = shop.url  # the deployed store's Admin API
        clients.client("ssm").put_parameter(Name=PARAMETER, Value=json.dumps(firm), Type="String")
        clients.client("secretsmanager").create_secret(Name=eu["admin_token_secret_id"], SecretString=TOKEN)
        # The ledger's signing key and write-once anchor bucket: every entry's head is signed and anchored
        kms = clients.client("kms")
        key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=DEFAULT_KEY, TargetKeyId=key)
        clients.client("s3").create_bucket(
            Bucket=ANCHORS, CreateBucketConfiguration={"LocationConstraint": REGION}, ObjectLockEnabledForBucket=True
        )
        options = [
            *("--target", "aws", "--table", CONTROLS, "--ledger-table", LEDGER, "--bucket", ANCHORS),
            *("--config-parameter", PARAMETER),  # last: tests swap in another parameter name
        ]
        yield Deployment(shop, options)
        clients.reset()
        config.forget_config()
        wiring.forget_secrets()


def degrade(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["degrade", *args], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_on_call_sets_shows_and_clears_a_mode_on_a_deployment(deployment: Deployment) -> None:
    # Given a store in normal mode
    assert deployment.controls() == []
    assert deployment.metafield() is None

    # When on-call pauses checkout on the deployment
    code, out = degrade("acme-eu", "checkout_paused", "--ttl", "60", "--reason", "leak", *deployment.options)

    # Then the controls table holds it, the store's chain records it and Shopify's metafield carries it
    assert code == 0, out
    assert "projection: shopify: metafield v1" in out
    assert deployment.controls() == [DegradationMode.CHECKOUT_PAUSED.value]
    assert deployment.ledger_types() == [EntryType.DEGRADATION_SET]
    metafield = deployment.metafield()
    assert metafield is not None and "checkout_paused" in json.dumps(metafield)

    # When on-call looks
    code, out = degrade("acme-eu", "--show", *deployment.options)
    assert code == 0, out
    assert "checkout_paused" in out and "store-wide" in out

    # When on-call clears it
    code, out = degrade("acme-eu", "--clear", "--reason", "contained", *deployment.options)

    # Then the table, the chain and the metafield all say normal again
    assert code == 0, out
    assert deployment.controls() == []
    assert deployment.ledger_types() == [EntryType.DEGRADATION_SET, EntryType.DEGRADATION_CLEARED]
    metafield = deployment.metafield()
    assert metafield is not None and "checkout_paused" not in json.dumps(metafield)

    # ...and each change is recorded under who made it: the caller's IAM principal, or beside it the
    # roster person named; a name off the roster is refused naming the option, and nothing changes
    arn = clients.client("sts").get_caller_identity()["Arn"]
    code, out = degrade("acme-eu", "login_step_up", "--by", "mallory", *deployment.options)
    assert code == 2 and "--by" in out and "'mallory' is not a person of the roster" in " ".join(out.split()), out
    assert deployment.controls() == []
    assert degrade("acme-eu", "login_step_up", "--by", "Jonas Weber", *deployment.options)[0] == 0
    store = DynamoLedgerStore(clients.client("dynamodb"), LEDGER)
    assert [e.actor for e in store.entries("controls-acme-eu")] == [f"iam:{arn}", f"iam:{arn}", "person:Jonas Weber"]


def test_the_settings_the_functions_read_name_the_deployment_too(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given only the functions' own settings in the environment
    monkeypatch.setenv("CONTROLS_TABLE_NAME", CONTROLS)
    monkeypatch.setenv("LEDGER_TABLE_NAME", LEDGER)
    monkeypatch.setenv("BULKHEAD_CONFIG_PARAMETER", PARAMETER)
    monkeypatch.setenv("LEDGER_ANCHOR_BUCKET_NAME", ANCHORS)
    # When a mode is set with --target aws alone
    code, out = degrade("acme-eu", "payments_restricted", "--target", "aws")
    # Then it reached the same table
    assert code == 0, out
    assert deployment.controls() == [DegradationMode.PAYMENTS_RESTRICTED.value]


def test_missing_or_wrong_names_are_refused_before_anything_is_written(deployment: Deployment) -> None:
    # When no controls table is named
    code, out = degrade("acme-eu", "checkout_paused", "--target", "aws", "--config-parameter", PARAMETER)
    # Then the command names what is missing, and nothing changed
    assert code == 2
    assert "--table" in out and "--ledger-table" in out
    # When the configuration parameter does not exist
    code, out = degrade("acme-eu", "checkout_paused", *deployment.options[:-1], "/bulkhead/nope")
    assert code == 2
    assert "cannot read the firm configuration" in out and "ParameterNotFound" in out
    # When the store is not configured
    code, out = degrade("acme-xx", "checkout_paused", *deployment.options)
    assert code == 2 and "unknown store 'acme-xx'" in out
    assert deployment.controls() == [] and deployment.ledger_types() == []
    assert deployment.metafield() is None


def test_expiry_check_on_a_deployment_reports_without_a_topic(deployment: Deployment) -> None:
    # Given a mode in force
    assert degrade("acme-eu", "login_step_up", "--ttl", "5", *deployment.options)[0] == 0
    # When the expiry is checked without an on-call topic
    code, out = degrade("--check-expiry", *deployment.options)
    # Then it reports every configured store and nothing is overdue yet
    assert code == 0, out
    assert "checked 2 stores, 1 active rules, 0 overdue" in out
