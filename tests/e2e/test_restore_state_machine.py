"""The restore state machine on the local fabric: a contained incident is undone newest first.

Given the thin-path drill contained an incident on the Shopify sandbox (tokens revoked, exfiltrating
webhook removed, customers tagged), When the Restore state machine runs for that incident, Then the
sandbox is back to its pre-incident state (replacement tokens with the same titles, the webhook
re-created, the tags gone) and the ledger records each revert and the restore, and stays valid.
"""

import json
import time
import uuid

from bulkhead.local.drill import run_thin_path
from bulkhead.local.runtime import LocalFabric
from bulkhead.sandbox.fixtures import HEADLESS_APP
from functions.common import clients
from functions.containment.adapters.shopify import CONTAINMENT_TAG
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.domain import verify_chain


def run_restore(fabric: LocalFabric, incident_id: str) -> dict[str, object]:
    sfn = clients.client("stepfunctions")
    arn = sfn.start_execution(
        stateMachineArn=fabric.state_machines["Restore"],
        input=json.dumps({"incident_id": incident_id, "mode": "drill"}),
        name=str(uuid.uuid4()),
    )["executionArn"]
    deadline = time.monotonic() + 60
    while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.05)
    return dict(sfn.describe_execution(executionArn=arn))


def test_restore_undoes_a_contained_incident_in_reverse_order(fabric: LocalFabric) -> None:
    sandbox = fabric.sandboxes["acme-eu"]
    before = sandbox.snapshot()
    run = run_thin_path(fabric)
    assert run.incident_id is not None and run.outcome["actions_applied"] == 3
    contained = sandbox.snapshot()
    # Bulkhead's own token is revoked; the headless channel's are the merchant's to rotate
    assert [t["_app"] for t in contained["storefront_tokens"].values()] == [HEADLESS_APP, HEADLESS_APP]
    assert all(CONTAINMENT_TAG in c["tags"] for g, c in contained["customers"].items() if g.endswith(("7001", "7004")))

    execution = run_restore(fabric, run.incident_id)

    assert execution["status"] == "SUCCEEDED", execution.get("error")
    assert json.loads(execution["output"]) == {
        "incident_id": run.incident_id,
        "mode": "drill",
        "reverted": 3,
        "not_reversible": 0,
        "manual_tasks": 0,
        "failed": 0,
    }
    after = sandbox.snapshot()
    assert after["customers"] == before["customers"]
    assert sorted(t["title"] for t in after["storefront_tokens"].values()) == sorted(
        t["title"] for t in before["storefront_tokens"].values()
    )
    assert sorted((h["topic"], h["uri"]) for h in after["webhooks"].values()) == sorted(
        (h["topic"], h["uri"]) for h in before["webhooks"].values()
    )
    store = DynamoLedgerStore(clients.client("dynamodb"), fabric.tables["Ledger"])
    entries = list(store.entries(run.incident_id))
    reverted = [e.data["action_id"] for e in entries if e.type.value == "action.reverted"]
    applied = [e.data["action_id"] for e in entries if e.type.value == "action.applied"]
    assert reverted == list(reversed(applied))
    assert entries[-1].type.value == "restore.completed"
    assert verify_chain(run.incident_id, entries).valid

    again = run_restore(fabric, run.incident_id)
    assert json.loads(again["output"])["reverted"] == 0  # nothing left to undo; the store is untouched
    assert sandbox.snapshot()["customers"] == before["customers"]
