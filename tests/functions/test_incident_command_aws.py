"""`bulkhead incident ... --target aws` and `task sweep --target aws` against a deployment (moto, not the
local fabric): the same readers and domain code on the named tables, the configuration from its SSM
parameter, every entry signed and anchored.

Given a deployed ledger holding a declared incident with a running Art. 33 clock, When on-call runs
the incident commands with --target aws, Then they read and append to the deployment's ledger,
naming the person.
"""

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from moto import mock_aws
from typer.testing import CliRunner

from bulkhead.cli.main import app
from bulkhead.local.runtime import DEFAULT_CONFIG, create_table
from functions.clocks.adapters.dynamodb import DynamoClockStore
from functions.clocks.models import Clock, ClockStatus, StartEvent
from functions.common import clients, config, wiring
from functions.common.config import Mode, Regime, Severity
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.models import EntryDraft, EntryType
from functions.ledger.wiring import ledger
from infra.fabric import table

REGION = "eu-west-1"
INC = "inc-20261130-deployed1"
TABLES = {"Ledger": "bh-prod-ledger", "Clocks": "bh-prod-clocks", "Controls": "bh-prod-controls"}
runner = CliRunner()


@pytest.fixture
def deployment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("COLUMNS", "200")
    settings = {
        "LEDGER_TABLE_NAME": TABLES["Ledger"],
        "CLOCKS_TABLE_NAME": TABLES["Clocks"],
        "CONTROLS_TABLE_NAME": TABLES["Controls"],
        "LEDGER_ANCHOR_BUCKET_NAME": "bh-prod-anchors",
        "BULKHEAD_CONFIG_PARAMETER": "/bulkhead/prod/config",
    }
    with mock_aws():
        clients.reset()
        config.forget_config()
        wiring.forget_secrets()
        db = clients.client("dynamodb")
        for logical, name in TABLES.items():
            create_table(db, table(logical), name)
        kms = clients.client("kms")
        key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        settings["LEDGER_SIGNING_KEY_ID"] = key
        clients.client("s3").create_bucket(
            Bucket="bh-prod-anchors",
            CreateBucketConfiguration={"LocationConstraint": REGION},
            ObjectLockEnabledForBucket=True,
        )
        ssm = clients.client("ssm")
        ssm.put_parameter(Name="/bulkhead/prod/config", Value=DEFAULT_CONFIG.read_text(), Type="String")
        sns = clients.client("sns")
        settings["ONCALL_TOPIC_ARN"] = sns.create_topic(Name="bh-prod-oncall")["TopicArn"]
        dpo_inbox(settings["ONCALL_TOPIC_ARN"])
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        declare_with_a_running_clock()
        yield
        clients.reset()
        config.forget_config()


def dpo_inbox(topic: str) -> None:
    """The DPO's subscription to the on-call topic: only pages of the stage `dpo`."""
    sqs = clients.client("sqs")
    url = sqs.create_queue(QueueName="dpo-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"stage": ["dpo"]})
    clients.client("sns").subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"FilterPolicy": policy, "RawMessageDelivery": "true"}
    )


def dpo_pages() -> list[str]:
    sqs = clients.client("sqs")
    url = sqs.get_queue_url(QueueName="dpo-inbox")["QueueUrl"]
    return [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])]


def declare_with_a_running_clock() -> None:
    now = datetime.now(UTC)
    ledger().append(
        INC,
        EntryDraft(
            type=EntryType.INCIDENT_DECLARED,
            actor="detection",
            at=now - timedelta(hours=1),
            data={"store_id": "acme-eu", "severity": "high", "data_categories": ["contact"], "mode": "live"},
        ),
    )
    DynamoClockStore(clients.client("dynamodb"), TABLES["Clocks"]).put_new(
        Clock(
            incident_id=INC,
            clock_id="gdpr_art33",
            regime=Regime.GDPR_ART33,
            authority="HBDI",
            notify="the supervisory authority",
            rule="72 hours",
            start_event=StartEvent.AWARENESS,
            started_at=now - timedelta(hours=1),
            deadline=now + timedelta(hours=71),
            status=ClockStatus.OPEN,
            severity=Severity.HIGH,
            store_id="acme-eu",
            mode=Mode.LIVE,
        )
    )


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 200-column terminal for every command's console, whatever the test runner's own width."""
    from bulkhead.cli import incident_command

    monkeypatch.setattr(incident_command.console, "width", 200)


def bulkhead(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--target", "aws"])
    return result.exit_code, " ".join(result.output.split())


def entries() -> list[tuple[str, str, dict[str, object]]]:
    store = DynamoLedgerStore(clients.client("dynamodb"), TABLES["Ledger"])
    return [(e.type.value, e.actor, e.data) for e in store.entries(INC)]


@pytest.mark.usefixtures("deployment")
def test_on_call_runs_the_incident_against_the_deployment() -> None:
    code, output = bulkhead("incident", "list")
    assert code == 0 and re.search(rf"{INC} acme-eu high live responding", output), output
    code, output = bulkhead("incident", "show", INC)
    assert code == 0 and "gdpr_art33 HBDI open" in output and "next: file gdpr_art33 with HBDI" in output, output

    assert bulkhead("incident", "note", INC, "Bridge opened", "--by", "Maria Keller")[0] == 0
    code, output = bulkhead("task", "sweep")
    assert code == 0 and f"{INC}/task-gdpr-art33" in output, output
    created = next(d for t, _, d in entries() if t == "task.created")
    assert (created["role"], created["person"]) == ("dpo", "Dr. Anna Schmidt")
    # ...and the DPO's task was paged on the DPO's stage, so the time the DPO was told is recorded
    [page] = dpo_pages()
    assert f"Incident {INC}: decide on the gdpr_art33 filing" in page, page
    informed = next(d for t, _, d in entries() if t == "dpo.informed")
    assert (informed["person"], informed["channel"], informed["source"]) == (
        "Dr. Anna Schmidt",
        "page",
        "task task-gdpr-art33",
    )

    code, output = bulkhead("incident", "close", INC, "--by", "Maria Keller")
    assert code == 1 and "clock gdpr_art33 (open)" in output, output
    assert bulkhead("incident", "close", INC, "--by", "Maria Keller", "--reason", "filed by group DPO")[0] == 0
    recorded = [(t, a) for t, a, _ in entries()]
    assert recorded[1:] == [
        ("incident.noted", "person:Maria Keller"),
        ("task.created", "tasks"),
        ("dpo.informed", "tasks"),
        ("incident.resolved", "person:Maria Keller"),
    ]
    code, output = bulkhead("incident", "note", INC, "x", "--by", "mallory")
    assert code == 2 and "--by" in output and "'mallory' is not a person of the roster" in output, output
    assert json.dumps(entries()[-1][2]["open_items"]) == '["clock gdpr_art33 (open)", "task task-gdpr-art33 (dpo)"]'


@pytest.mark.usefixtures("deployment")
def test_the_dpo_time_and_the_art33_record_are_recorded_against_the_deployment() -> None:
    declared_at = next(e.at for e in DynamoLedgerStore(clients.client("dynamodb"), TABLES["Ledger"]).entries(INC))
    told = (
        "incident",
        "dpo-informed",
        INC,
        "--by",
        "Maria Keller",
        "--at",
        declared_at.isoformat(),
        "--channel",
        "phone",
    )
    code, output = bulkhead(*told)
    assert code == 0 and "Dr. Anna Schmidt (DPO) told at" in output, output
    record = ("--facts", "Export of 40 customers", "--effects", "Phishing risk", "--remedial", "Token revoked")
    code, output = bulkhead("incident", "facts", INC, "--by", "Dr. Anna Schmidt", *record)
    assert code == 0 and "revision 1" in output, output
    code, output = bulkhead("incident", "facts", INC, "--by", "Dr. Anna Schmidt", *record[:5], "Call +49 69 555 0101")
    assert code == 2 and "--remedial: it holds a phone number" in output, output

    recorded = [(t, a, d) for t, a, d in entries() if t in {"dpo.informed", "breach.facts"}]
    assert [(t, a) for t, a, _ in recorded] == [
        ("dpo.informed", "person:Maria Keller"),
        ("breach.facts", "person:Dr. Anna Schmidt"),
    ]
    assert recorded[1][2]["remedial"] == "Token revoked"
    # ...and beside the roster person named, the IAM principal that ran the command (sts:GetCallerIdentity)
    arn = clients.client("sts").get_caller_identity()["Arn"]
    assert (recorded[1][2]["by"], recorded[1][2]["person_id"], recorded[1][2]["iam_principal"]) == (
        "Dr. Anna Schmidt", "dr-anna-schmidt", arn,
    )  # fmt: skip
    assert (recorded[0][2]["recorded_by"], recorded[0][2]["recorded_by_iam"]) == ("Maria Keller", arn)


STRANGER = "mallory"
REFUSED = [
    ("incident", "note", INC, "x", "--by", STRANGER),
    ("incident", "assign", INC, "--to", "Maria Keller", "--by", STRANGER),
    ("incident", "assign", INC, "--to", STRANGER, "--by", "Tom Baker"),
    ("incident", "close", INC, "--by", STRANGER, "--reason", "x"),
    ("incident", "dpo-informed", INC, "--by", STRANGER, "--at", "2026-11-30T10:00Z", "--channel", "phone"),
    ("incident", "dpo-informed", INC, "--by", "Maria Keller", "--at", "2026-11-30T10:00Z", "--channel", "phone",
     "--dpo", STRANGER),
    ("incident", "facts", INC, "--by", STRANGER, "--facts", "f", "--effects", "e", "--remedial", "r"),
    ("task", "done", INC, "task-gdpr-art33", "--by", STRANGER),
    ("action", "done", INC, "act-1", "--operator", STRANGER),
    ("review", INC, "--by", STRANGER, "--root-cause", "x"),
    ("approve", INC, "--as", STRANGER),
]  # fmt: skip


@pytest.mark.usefixtures("deployment")
@pytest.mark.parametrize("command", REFUSED, ids=[" ".join(c[:2]) + f" {i}" for i, c in enumerate(REFUSED)])
def test_naming_someone_off_the_roster_is_refused_by_every_command_and_records_nothing(
    command: tuple[str, ...],
) -> None:
    # Given the deployment's ledger as it is
    before = entries()
    # When a command that records a person names someone off the roster (beside the caller's IAM principal)
    code, output = bulkhead(*command)
    # Then it exits 2 naming the option and the roster's ids, and nothing is recorded
    assert code == 2, output
    assert f"'{STRANGER}' is not a person of the roster (ids: maria-keller, tom-baker" in output, output
    option = command[command.index(STRANGER) - 1]
    assert option in output, output
    assert entries() == before


@pytest.mark.usefixtures("deployment")
def test_an_escalation_starts_the_deployed_escalation_machine_on_what_it_adds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a deployment whose policy contains webhook subscriptions at critical, and a planned response
    document = json.loads(DEFAULT_CONFIG.read_text())
    document["policy"]["severity_components"] = {"critical": ["webhook_subscriptions"]}
    ssm = clients.client("ssm")
    ssm.put_parameter(Name="/bulkhead/prod/config", Value=json.dumps(document), Type="String", Overwrite=True)
    config.forget_config()
    planned = {"actions": ["shopify.revoke_storefront_token"], "modes": [], "approval_required": False, "mode": "live"}
    ledger().append(
        INC, EntryDraft(type=EntryType.RESPONSE_PLANNED, actor="response", at=datetime.now(UTC), data=planned)
    )
    sfn = clients.client("stepfunctions")
    definition = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})
    machine = sfn.create_state_machine(
        name="bh-prod-Escalation", definition=definition, roleArn="arn:aws:iam::123456789012:role/escalation"
    )["stateMachineArn"]
    monkeypatch.setenv("ESCALATION_STATE_MACHINE_ARN", machine)
    monkeypatch.setenv("REMINDER_SCHEDULE_GROUP", "default")  # the clocks escalation adds get reminders
    monkeypatch.setenv("REMINDER_ROLE_ARN", "arn:aws:iam::123456789012:role/bh-prod-reminders")

    # When on-call escalates it to critical with --target aws
    code, output = bulkhead(
        "incident", "escalate", INC, "--severity", "critical", "--reason", "wider", "--by", "Maria Keller"
    )

    # Then the deployment's ledger names the added actions, and one execution runs exactly them
    assert code == 0, output
    [escalated] = [data for kind, _, data in entries() if kind == "incident.escalated"]
    added = escalated["actions_added"]
    assert [a["kind"] for a in added] == ["shopify.remove_webhook_subscription", "shopify.revoke_app_access"]
    assert escalated["approval_required"] is False and "started without approval" in output
    for a in added:
        assert f"action added: {a['action_id']} {a['kind']} ({a['subjects']} subjects)" in output
    [execution] = sfn.list_executions(stateMachineArn=machine)["executions"]
    given = json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])
    assert [a["action_id"] for a in given["plan"]["actions"]] == [a["action_id"] for a in added]
    assert given["incident"]["severity"] == "critical" and given["mode"] == "live"
