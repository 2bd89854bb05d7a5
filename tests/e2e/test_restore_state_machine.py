"""The restore state machine on the local fabric: a contained incident is undone newest first.

Given the thin-path drill contained an incident on the Shopify sandbox (tokens revoked, exfiltrating
webhook removed, customers tagged), When the Restore state machine runs for that incident, Then the
sandbox is back to its pre-incident state (replacement tokens with the same titles, the webhook
re-created, the tags gone) and the ledger records each revert and the restore, and stays valid.
"""

import json
import time
import uuid
from datetime import UTC, datetime

from bulkhead.local.drill import run_thin_path
from bulkhead.local.runtime import LocalFabric
from bulkhead.sandbox import Faults
from bulkhead.sandbox.fixtures import HEADLESS_APP
from functions.common import clients
from functions.common.settings import Env, env
from functions.common.wiring import firm_config
from functions.degradation.adapters.dynamodb import DynamoControlsStore
from functions.degradation.domain import change_modes
from functions.degradation.models import DegradationMode, ModeChange, StoreControls
from functions.degradation.wiring import controls_store, projector
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.domain import verify_chain
from functions.ledger.wiring import ledger
from tests.e2e.test_thin_path import oncall_inbox, pages


def controls_of(store_id: str) -> StoreControls:
    return DynamoControlsStore(clients.client("dynamodb"), env(Env.CONTROLS_TABLE)).current(store_id)


RESTORER = "person:Maria Keller"


def run_restore(fabric: LocalFabric, incident_id: str) -> dict[str, object]:
    sfn = clients.client("stepfunctions")
    arn = sfn.start_execution(
        stateMachineArn=fabric.state_machines["Restore"],
        input=json.dumps({"incident_id": incident_id, "mode": "drill", "restored_by": RESTORER}),
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
    assert run.incident_id is not None and run.outcome["actions_applied"] == 2
    contained = sandbox.snapshot()
    # As a live incident would, it still holds a degradation mode (a drill ends its own: set it again)
    assert controls_of("acme-eu").rules == ()
    firm = firm_config()
    change = ModeChange(
        store_id="acme-eu",
        modes=(DegradationMode.ACCOUNT_READ_ONLY,),
        ttl_minutes=240,
        incident_id=run.incident_id,
        actor="response",
    )
    change_modes(change, controls_store(), ledger(), projector(firm, "acme-eu"), datetime.now(UTC))
    # Bulkhead's own token is revoked; the headless channel's are the merchant's to rotate
    assert [t["_app"] for t in contained["storefront_tokens"].values()] == [HEADLESS_APP, HEADLESS_APP]

    execution = run_restore(fabric, run.incident_id)

    assert execution["status"] == "SUCCEEDED", execution.get("error")
    output = json.loads(execution["output"])
    actions = output.pop("actions")
    # Each action says what it changed: Bulkhead's own subscriptions were all trusted, so removing
    # subscriptions changed nothing, and restoring it changes nothing either
    assert sorted((a["kind"], a["status"], a["changed"] > 0, a["verified"]) for a in actions) == [
        ("shopify.remove_webhook_subscription", "reverted", False, True),
        ("shopify.revoke_storefront_token", "reverted", True, True),
    ]
    # ...each read back against its pre-state: the revoked token is re-issued (it cannot come back)
    token = next(a for a in actions if a["kind"] == "shopify.revoke_storefront_token")
    assert token["before"] == token["after"] == {"tokens": 1, "titles": ["Bulkhead status banner"]}
    assert "new ids and secrets" in token["detail"]
    assert output == {
        "incident_id": run.incident_id,
        "mode": "drill",
        "restored_by": RESTORER,
        "reverted": 1,
        "unchanged": 1,
        "already_reverted": 0,
        "would_revert": 0,
        "not_reversible": 0,
        "manual_tasks": 0,
        "failed": 0,
        "verified": 2,
        "failed_actions": [],
        "modes_cleared": 1,
        "modes_failed": False,
    }
    # ...the degradation mode the response set is cleared, on the store's controls and on record
    assert controls_of("acme-eu").rules == ()
    store_entries = list(
        DynamoLedgerStore(clients.client("dynamodb"), fabric.tables["Ledger"]).entries(run.incident_id)
    )
    cleared = [e for e in store_entries if e.type.value == "degradation.cleared"][-1]
    assert (cleared.data["modes"], cleared.data["changed"], cleared.data["reason"]) == (
        ["account_read_only"],
        True,
        "restore",
    )
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
    # ...and the ledger holds what each revert changed, as the output printed it
    changed = [e.data["changed"] for e in entries if e.type.value == "action.reverted"]
    assert changed == [a["changed"] for a in actions]
    recorded = [
        (e.data["before"], e.data["after"], e.data["verified"]) for e in entries if e.type.value == "action.reverted"
    ]
    assert recorded == [(a["before"], a["after"], a["verified"]) for a in actions]
    # ...and each restore step names the person who restored, not the function that ran it
    restore_steps = [e for e in entries if e.type.value in ("action.reverted", "restore.completed")]
    assert {e.actor for e in restore_steps} == {RESTORER}
    assert cleared.actor == RESTORER
    assert entries[-1].type.value == "restore.completed"
    assert verify_chain(run.incident_id, entries).valid

    again = run_restore(fabric, run.incident_id)
    repeated = json.loads(again["output"])
    # Nothing left to undo, and it says so: each action was reverted earlier, no mode is left to clear
    assert (repeated["reverted"], repeated["already_reverted"], repeated["modes_cleared"]) == (0, 2, 0)
    assert sandbox.snapshot()["customers"] == before["customers"]


def test_a_restore_the_store_silently_drops_is_reported_unverified_by_name(fabric: LocalFabric) -> None:
    # Given a contained incident, and a store that answers storefrontAccessTokenCreate as done but
    # keeps nothing (a lost write)
    sandbox = fabric.sandboxes["acme-eu"]
    run = run_thin_path(fabric)
    assert run.incident_id is not None
    inbox = oncall_inbox(fabric)
    contained = sandbox.snapshot()
    sandbox.faults = Faults(silently_dropped=("storefrontAccessTokenCreate",))

    execution = run_restore(fabric, run.incident_id)

    # Then the token action failed its read-back, by name, while the other action restored
    assert execution["status"] == "SUCCEEDED", execution.get("error")
    output = json.loads(str(execution["output"]))
    token = next(a for a in output["actions"] if a["kind"] == "shopify.revoke_storefront_token")
    assert (token["status"], token["verified"]) == ("failed", False)
    assert token["detail"] == "storefront token 'Bulkhead status banner' was not re-issued"
    assert (token["before"]["tokens"], token["after"]["tokens"]) == (1, 0)
    assert (output["failed"], output["failed_actions"], output["verified"]) == (1, [token["action_id"]], 1)
    assert sandbox.snapshot()["storefront_tokens"] == contained["storefront_tokens"]
    # ...the ledger says so (action.failed, phase restore, with before, after and the reason)
    entries = list(DynamoLedgerStore(clients.client("dynamodb"), fabric.tables["Ledger"]).entries(run.incident_id))
    failed = [e for e in entries if e.type.value == "action.failed" and e.data.get("phase") == "restore"]
    assert [(e.data["action_id"], e.data["verified"], e.data["reason"]) for e in failed] == [
        (token["action_id"], False, token["detail"])
    ]
    completed = next(e for e in entries if e.type.value == "restore.completed")
    assert (completed.data["failed"], completed.data["failed_actions"]) == (1, [token["action_id"]])
    # ...on-call was paged, naming the incident and the action
    assert any(run.incident_id in p and token["action_id"] in p and "does not show" in p for p in pages(inbox))

    # When the store keeps writes again, a second restore tries that action again and it verifies
    sandbox.faults = Faults()
    again = json.loads(str(run_restore(fabric, run.incident_id)["output"]))
    assert [(a["action_id"], a["status"], a["verified"]) for a in again["actions"]] == [
        (token["action_id"], "reverted", True)
    ]
