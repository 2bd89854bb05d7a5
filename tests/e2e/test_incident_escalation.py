"""Escalation re-plans only the difference, locally through the service.

Given a firm whose policy contains webhook subscriptions and pauses checkout from high severity up,
and a medium incident declared on the Shopify sandbox whose response was approved and ran, When a
person escalates it to high, Then `incident.escalated` names only the added actions and modes, a new
approval is asked for them (high is below auto-approval), nothing runs before it is given, and once
approved the Escalation state machine runs exactly those actions through the response's executors:
the sandbox store changes for them and none of the response's actions runs again. What the command
prints is what the ledger records.
"""

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bulkhead.local import client
from functions.common import clients
from functions.ingest import tokens
from tests.e2e.test_incident_command import bulkhead, entries_of, ledger, wait_for

DEFAULT_CONFIG = Path("config/bulkhead.local.json")
OPERATOR_SECRET = "bulkhead/acme-eu/operator-secret"


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from bulkhead.cli import incident_command

    monkeypatch.setattr(incident_command.console, "width", 200)


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("bulkhead.local.paths.DEFAULT_STATE_DIR", tmp_path / "state")
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path / "state"


@pytest.fixture
def firm(tmp_path: Path) -> Path:
    """The local configuration, with a policy that contains more from high severity up."""
    document = json.loads(DEFAULT_CONFIG.read_text())
    document["policy"]["severity_components"] = {"high": ["webhook_subscriptions", "checkout"]}
    path = tmp_path / "firm.json"
    path.write_text(json.dumps(document))
    return path


def flow_alert(state: Path, firm: Path) -> str:
    """Shopify Flow reports a suspected leak (the `flow-alert` rule: medium); the incident it declared."""
    service = client.connect(state, config=firm)
    now = datetime.now(UTC)
    with service.connected():
        secret = clients.client("secretsmanager").get_secret_value(SecretId=OPERATOR_SECRET)["SecretString"]
        token = tokens.issue(secret, "acme-eu", "flow", now + timedelta(minutes=5))
    body = {
        "event_id": f"alert-{uuid.uuid4().hex[:12]}",
        "shop_domain": "acme-wealth-eu.myshopify.com",
        "topic": "flow/alert",
        "occurred_at": now.isoformat(),
        "reason": "suspected-export",
        "data_categories": ["contact"],
    }
    headers = {"content-type": "application/json", "x-bulkhead-token": token}
    answer = httpx.post(f"{service.info.url}/webhooks/shopify-flow", json=body, headers=headers, timeout=30)
    assert answer.status_code == 202, answer.text
    listed = wait_for(
        lambda: re.search(r"(inc-[0-9a-z-]+) acme-eu medium \S+ waiting for approval", bulkhead("incident", "list")[1])
    )
    return str(listed.group(1))


def escalations(state: Path, incident: str) -> list[tuple[str, str]]:
    """(name, status) of the incident's executions of the Escalation state machine."""
    service = client.connect(state)
    with service.connected():
        machine = service.describe()["state_machines"]["Escalation"]
        found = clients.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"]
    return [(e["name"], e["status"]) for e in found if e["name"].startswith(incident)]


def sandbox(state: Path) -> dict[str, Any]:
    service = client.connect(state)
    return dict(service.control("GET", "/local/sandboxes")["sandboxes"]["acme-eu"])


def actions_run(state: Path, incident: str) -> list[tuple[str, str]]:
    """(action id, entry type) of every containment entry, in ledger order."""
    return [
        (str(e.data["action_id"]), e.type.value) for e in ledger(state, incident) if e.type.value.startswith("action.")
    ]


def test_escalating_medium_to_high_runs_only_the_added_actions_after_their_approval(state: Path, firm: Path) -> None:
    # Given a medium incident whose response was approved and ran
    incident = flow_alert(state, firm)
    assert bulkhead("approve", incident, "--as", "Maria Keller")[0] == 0
    wait_for(
        lambda: entries_of(state, incident, "response.completed") or entries_of(state, incident, "incident.closed")
    )
    [planned] = entries_of(state, incident, "response.planned")
    assert "shopify.remove_webhook_subscription" not in planned.data["actions"]
    assert "checkout_paused" not in planned.data["modes"]
    response_actions = actions_run(state, incident)
    before = sandbox(state)

    # When it is escalated to high
    code, output = bulkhead(
        "incident", "escalate", incident, "--severity", "high", "--reason", "the export reached a third party",
        "--by", "Maria Keller",
    )  # fmt: skip
    assert code == 0, output

    # Then the ledger names only the added actions and modes, behind an approval
    [escalated] = entries_of(state, incident, "incident.escalated")
    added = escalated.data["actions_added"]
    assert [a["kind"] for a in added] == ["shopify.remove_webhook_subscription", "shopify.revoke_app_access"]
    assert all(a["action_id"].startswith("act-e1-") for a in added)
    assert escalated.data["modes_added"] == ["checkout_paused"]
    assert escalated.data["approval_required"] is True
    # ...and the command printed exactly that
    for a in added:
        assert f"action added: {a['action_id']} {a['kind']} ({a['subjects']} subjects)" in output, output
    assert "modes added: checkout_paused" in output and f"bulkhead approve {incident} --as PERSON" in output
    assert f"they wait for approval ({escalated.data['approval_reasons'][0]}" in output

    # ...a new approval is asked, and nothing runs before it is given
    wait_for(
        lambda: [e for e in ledger(state, incident) if e.type.value == "approval.requested" and e.seq > escalated.seq]
    )
    assert actions_run(state, incident) == response_actions
    assert sandbox(state) == before
    code, shown = bulkhead("incident", "show", incident, "--state-dir", str(state))
    assert code == 0 and "waiting for approval" in shown, shown
    for a in added:
        assert re.search(rf"{a['action_id']} {re.escape(a['kind'])} acme-eu waiting for approval \(escalation\)", shown)

    # When it is approved
    assert bulkhead("approve", incident, "--as", "Maria Keller")[0] == 0
    wait_for(lambda: len(entries_of(state, incident, "incident.contained")) == 2)
    wait_for(lambda: escalations(state, incident) == [(f"{incident}-escalation-1", "SUCCEEDED")])

    # Then exactly the added actions ran, and none of the response's ran again
    after_run = actions_run(state, incident)
    assert after_run[: len(response_actions)] == response_actions
    assert {action_id for action_id, _ in after_run[len(response_actions) :]} == {a["action_id"] for a in added}
    states = dict(after_run)
    assert states[added[0]["action_id"]] in {"action.applied", "action.verified"}
    assert states[added[1]["action_id"]] == "action.manual_task"  # only the merchant removes another app
    # ...the sandbox store changed for them: checkout paused through its metafield, nothing else
    after = sandbox(state)
    changed = sorted(name for name in after if after[name] != before.get(name))
    assert changed == ["metafields"], changed
    assert "checkout_paused" in json.dumps(after["metafields"]) and "checkout_paused" not in json.dumps(
        before["metafields"]
    )
    # ...and the screen shows the added actions' state and the mode in force
    code, shown = bulkhead("incident", "show", incident, "--state-dir", str(state))
    assert code == 0, shown
    assert re.search(rf"{added[1]['action_id']} {re.escape(added[1]['kind'])} acme-eu manual task", shown), shown
    assert "checkout_paused" in shown.split("degradation in force:")[1]

    # When the incident is restored, Then the added actions are undone with the response's, from their pre-states
    code, output = bulkhead("restore", incident, "--as", "Maria Keller", "--state-dir", str(state))
    assert code == 0, output
    reverted = {e.data["action_id"] for e in entries_of(state, incident, "action.reverted")}
    applied = {e.data["action_id"] for e in entries_of(state, incident, "action.applied")}
    assert added[0]["action_id"] in reverted and applied <= reverted, (applied, reverted)
    assert "checkout_paused" not in json.dumps(sandbox(state)["metafields"])


def test_a_rejected_escalation_runs_none_of_its_actions(state: Path, firm: Path) -> None:
    # Given a medium incident whose response ran, escalated to high: its added actions wait for approval
    incident = flow_alert(state, firm)
    assert bulkhead("approve", incident, "--as", "Maria Keller")[0] == 0
    wait_for(
        lambda: entries_of(state, incident, "response.completed") or entries_of(state, incident, "incident.closed")
    )
    response_actions = actions_run(state, incident)
    before = sandbox(state)
    code, output = bulkhead(
        "incident", "escalate", incident, "--severity", "high", "--reason", "wider", "--by", "Maria Keller"
    )  # fmt: skip
    assert code == 0 and "they wait for approval" in output, output
    [escalated] = entries_of(state, incident, "incident.escalated")
    wait_for(
        lambda: [e for e in ledger(state, incident) if e.type.value == "approval.requested" and e.seq > escalated.seq]
    )

    # When the approver rejects it
    code, output = bulkhead("approve", incident, "--as", "Maria Keller", "--reject")
    assert code == 0, output

    # Then the Escalation machine stops on the record, and nothing of the difference ran
    assert [e.actor for e in entries_of(state, incident, "approval.rejected")] == ["person:Maria Keller"]
    wait_for(lambda: escalations(state, incident) == [(f"{incident}-escalation-1", "FAILED")])
    assert actions_run(state, incident) == response_actions
    assert sandbox(state) == before
    code, shown = bulkhead("incident", "show", incident, "--state-dir", str(state))
    for a in escalated.data["actions_added"]:
        assert re.search(rf"{a['action_id']} {re.escape(a['kind'])} acme-eu not approved \(escalation\)", shown), shown
