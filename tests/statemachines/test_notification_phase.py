"""The notification phase of statemachines/response.asl.json, run on the local fabric (moto).

The test starts the real ASL at ResolveAudience (CloseResponse replaced by Succeed), with the
real handlers, the sandbox Shopify store, SES and SNS on moto, and the Distributed Map reading
the roster manifest from S3.
"""

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from bulkhead.local.runtime import ACCOUNT, REGION, LocalFabric
from bulkhead.sandbox.audience import Contact, add_customers, fictional_email, fictional_phone
from functions.common import clients
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.domain import verify_chain
from infra import asl
from infra import fabric as spec

SENDER = "security-notices@bulkhead.invalid"


def incident(n: int, subjects: tuple[str, ...]) -> dict[str, Any]:
    now = datetime(2026, 11, 27, 8, 0, tzinfo=UTC).isoformat()
    return {
        "incident_id": f"inc-notify-{n:04d}-{uuid.uuid4().hex[:6]}",
        "store_id": "acme-eu",
        "platform": "shopify",
        "rule_id": "shopify-bulk-customer-export",
        "title": "Bulk export of customer data by an unknown app",
        "severity": "critical",
        "data_categories": ["contact", "financial_account"],
        "scope": {"subject_ids": list(subjects), "components": []},
        "jurisdictions": ["DE", "FR"],
        "aware_at": now,
        "declared_at": now,
        "signal_ids": ["sig-1"],
    }


def notification_machine(local: LocalFabric) -> str:
    """The Response definition, started at ResolveAudience and ending where CloseResponse was."""
    machine = next(m for m in spec.STATE_MACHINES if m.name == "Response")
    values: dict[str, Any] = {p: local.functions[f] for p, f in machine.functions.items()}
    values |= {p: local.topics[t] for p, t in machine.topics.items()} | spec.LOCAL_TUNABLES
    definition = asl.render(asl.load(machine.definition_file), values)
    definition["StartAt"] = "ResolveAudience"
    definition["States"]["CloseResponse"] = {"Type": "Succeed"}
    return str(
        clients.client("stepfunctions").create_state_machine(
            name=f"notify-{uuid.uuid4().hex[:8]}",
            definition=json.dumps(definition),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/bulkhead-local",
        )["stateMachineArn"]
    )


def run(local: LocalFabric, machine: str, state: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    sfn = clients.client("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps(state), name=name or uuid.uuid4().hex)[
        "executionArn"
    ]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            return dict(described)
        time.sleep(0.05)
    raise TimeoutError("notification phase did not finish")


def start_state(
    inc: dict[str, Any], mode: str = "drill", channels: tuple[str, ...] = ("email", "sms")
) -> dict[str, Any]:
    return {
        "incident": inc,
        "mode": mode,
        "plan": {
            "notification": {"channels": list(channels), "subject_ids": inc["scope"]["subject_ids"], "required": True}
        },
    }


def ledger(local: LocalFabric, incident_id: str) -> list[Any]:
    return list(DynamoLedgerStore(clients.client("dynamodb"), local.tables["Ledger"]).entries(incident_id))


def ses_sent() -> list[Any]:
    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


def sms_sent() -> dict[str, tuple[str, str]]:
    return dict(sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages)


class Quota:
    """moto's SES quota is a sandbox account's 1 recipient/s; these tests give the account 2,000/s."""

    def __init__(self, sent: int) -> None:
        self.sent_last24_hours = sent
        self.max24_hour_send = 1_000_000
        self.max_send_rate = 2_000


@pytest.fixture
def notify(fabric: LocalFabric, monkeypatch: pytest.MonkeyPatch) -> tuple[LocalFabric, str]:
    monkeypatch.setattr("moto.ses.models.SESQuota", Quota)
    clients.client("ses").verify_email_identity(EmailAddress=SENDER)
    add_customers(
        fabric.sandboxes["acme-eu"].state,
        [Contact(100 + i, fictional_email(100 + i), phone=fictional_phone(i), locale="de") for i in range(120)],
    )
    return fabric, notification_machine(fabric)


def test_drill_sends_every_batch_to_the_sink_only_and_records_counts(notify: tuple[LocalFabric, str]) -> None:
    local, machine = notify
    inc = incident(1, tuple(f"customer:{100 + i}" for i in range(120)))

    result = run(local, machine, start_state(inc))

    assert result["status"] == "SUCCEEDED", result.get("cause")
    outcome = json.loads(result["output"])["notification"]
    assert (outcome["planned"], outcome["emailed"], outcome["batches_recorded"]) == (120, 120, 3)
    destinations = [d["Destination"]["ToAddresses"][0] for m in ses_sent() for d in m.destinations]
    assert len(destinations) == 120 and set(destinations) == {"success@simulator.amazonses.com"}
    assert sms_sent() == {}  # no verified test number configured: drills send no SMS at all
    entries = ledger(local, inc["incident_id"])
    types = [e.type.value for e in entries]
    assert types.count("notification.batch_sent") == 3 and "notification.completed" in types
    assert "regulator.notice_drafted" in types
    assert verify_chain(inc["incident_id"], entries).valid
    stored = json.dumps([e.model_dump(mode="json") for e in entries])
    assert "example.com" not in stored and '"100"' not in stored
    assert not any(fictional_phone(i) in stored for i in range(120))


def test_a_rerun_of_the_same_incident_sends_nothing_twice(notify: tuple[LocalFabric, str]) -> None:
    local, machine = notify
    inc = incident(2, tuple(f"customer:{100 + i}" for i in range(60)))

    first = run(local, machine, start_state(inc, channels=("email",)))
    second = run(local, machine, start_state(inc, channels=("email",)))  # a re-run (or redrive) of the phase

    assert (first["status"], second["status"]) == ("SUCCEEDED", "SUCCEEDED")
    assert sum(len(m.destinations) for m in ses_sent()) == 60
    again = json.loads(second["output"])["notification"]
    assert again["duplicates"] == 60 and again["emailed"] == 60  # the total across both runs, each once


def test_a_dry_run_resolves_and_records_but_writes_no_roster_and_sends_nothing(notify: tuple[LocalFabric, str]) -> None:
    local, machine = notify
    inc = incident(3, tuple(f"customer:{100 + i}" for i in range(10)))

    result = run(local, machine, start_state(inc, mode="dry_run"))

    assert result["status"] == "SUCCEEDED", result.get("cause")
    assert ses_sent() == []
    planned = next(e for e in ledger(local, inc["incident_id"]) if e.type.value == "notification.planned")
    assert planned.data["would_notify"] == 10 and planned.data["batches"] == 0
