"""The thin path, end to end on the local fabric: webhook bytes in, verified ledger out."""

import json
from datetime import datetime, timedelta

import pytest

from bulkhead.local.drill import DrillRun, bulk_export_webhook, run_thin_path
from bulkhead.local.runtime import LocalFabric
from bulkhead.sandbox.fixtures import BULKHEAD_SUBSCRIPTIONS, COMPROMISED_APP
from bulkhead.sandbox.shopify.apps_model import BULKHEAD_APP
from functions.common import clients
from functions.common.errors import PermanentActionFailure, TransientPlatformError
from functions.containment.adapters.shopify import CONTAINMENT_TAG
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.domain import verify_chain
from tests.fakes.people import person

SECRET = "sandbox-shopify-app-secret-acme-eu"


def oncall_inbox(fabric: LocalFabric) -> str:
    """Subscribe a queue to the on-call topic so a test can read the pages."""
    sqs = clients.client("sqs")
    url = sqs.create_queue(QueueName="oncall-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    clients.client("sns").subscribe(TopicArn=fabric.topics["OnCall"], Protocol="sqs", Endpoint=arn)
    return str(url)


def pages(url: str) -> list[str]:
    messages = clients.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"])["Message"] for m in messages]


def ledger_types(fabric: LocalFabric, incident_id: str) -> list[str]:
    store = DynamoLedgerStore(clients.client("dynamodb"), fabric.tables["Ledger"])
    return [e.type.value for e in store.entries(incident_id)]


def test_a_signed_webhook_runs_the_response_and_leaves_a_verified_ledger(fabric: LocalFabric) -> None:
    run = run_thin_path(fabric)

    assert (run.forged_status, run.forged_emitted) == (401, 0)
    assert run.accepted_status == 202
    assert run.execution_status == "SUCCEEDED"
    assert run.verdict is not None and run.verdict.valid
    types = [e.type.value for e in run.entries]
    assert types[:3] == ["signal.disposition", "incident.declared", "response.planned"]
    # Two levers Bulkhead's own app can pull (its tokens, its subscriptions), applied and verified; two
    # only the merchant can (uninstall the app, rotate the channel's tokens): tasks. A whole-store
    # export names no customer to tag: the store-wide mode and the notice cover every customer.
    assert types.count("action.planned") == 4
    assert types.count("action.verified") == 2
    manual = sorted(e.data["kind"] for e in run.entries if e.type.value == "action.manual_task")
    assert manual == ["shopify.revoke_app_access", "shopify.rotate_channel_tokens"]
    assert {"degradation.set", "notification.planned"} <= set(types)
    # Those tasks are open: the response does not close the incident, it leaves it to a person
    assert types[-1] == "response.completed" and "incident.closed" not in types
    tasks = sorted(e.data["action_id"] for e in run.entries if e.type.value == "action.manual_task")
    assert sorted(run.entries[-1].data["open_tasks"]) == tasks
    assert (run.outcome["incident_closed"], sorted(run.outcome["open_tasks"])) == (False, tasks)
    assert run.outcome["mode"] == "drill"  # sandbox stores only ever drill
    controls = clients.client("dynamodb").get_item(
        TableName=fabric.tables["Controls"], Key={"store_id": {"S": "acme-eu"}}
    )["Item"]
    # The drill set its mode and, as every drill does, ended it before closing: nothing stays in force
    assert types.index("degradation.set") < types.index("degradation.cleared") < types.index("response.completed")
    cleared = next(e for e in run.entries if e.type.value == "degradation.cleared")
    assert (cleared.data["modes"], cleared.data["reason"]) == (["account_read_only"], "drill ended")
    assert json.loads(controls["controls"]["S"])["modes"] == ["normal"]
    assert [s.name for s in run.steps][:3] == ["ReceiveWebhook", "DetectIncident", "PlanResponse"]


def test_the_exfiltration_drill_leaves_bulkheads_own_delivery_paths_untouched(fabric: LocalFabric) -> None:
    # Given Bulkhead's delivery paths, none of whose hosts the store lists as trusted: trusted by construction
    sandbox = fabric.sandboxes["acme-eu"]
    own_before = {g: h for g, h in sandbox.table("webhooks").items() if h["_app"] == BULKHEAD_APP}
    assert {h["uri"] for h in own_before.values()} == set(BULKHEAD_SUBSCRIPTIONS.values())

    run = run_thin_path(fabric)

    # Then every subscription of Bulkhead's app is still there, unchanged, the compromised app's
    # subscription is left to the merchant's task, and no customer is tagged (the export named none)
    assert run.execution_status == "SUCCEEDED"
    hooks = sandbox.table("webhooks")
    assert {g: hooks.get(g) for g in own_before} == own_before
    assert any(h["_app"] == COMPROMISED_APP for h in hooks.values())
    tagged = {g for g, c in sandbox.table("customers").items() if CONTAINMENT_TAG in c["tags"]}
    assert tagged == set()


def test_the_ledger_holds_no_customer_identifiers(fabric: LocalFabric) -> None:
    run = run_thin_path(fabric)
    values: list[str] = []

    def strings(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                values.append(str(key))
                strings(value)
        elif isinstance(node, list):
            for value in node:
                strings(value)
        else:
            values.append(str(node))

    for entry in run.entries:
        strings(entry.data)
    # Hashes are hex and may contain any digits, so compare whole values, not substrings.
    assert not [v for v in values if v.startswith("customer:") or v in {"7001", "7002", "7003", "7004"}]
    assert not [v for v in values if "gid://shopify/Customer/" in v]


def test_a_redelivered_webhook_declares_no_second_incident(fabric: LocalFabric) -> None:
    headers, body = bulk_export_webhook(SECRET, event_id="same")
    fabric.post("/webhooks/shopify", headers, body)
    fabric.settle()
    fabric.post("/webhooks/shopify", headers, body)
    fabric.settle()
    incidents = {json.loads(fabric.execution(a)["input"])["incident"]["incident_id"] for a in fabric.executions}
    assert len(incidents) == 1


def test_a_failed_step_is_recorded_and_pages_on_call(fabric: LocalFabric, monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = oncall_inbox(fabric)

    def broken(*args: object) -> None:
        raise PermanentActionFailure("notification provider rejected the account")

    monkeypatch.setattr("functions.notification.handlers.resolve_audience.resolve_audience", broken)
    headers, body = bulk_export_webhook(SECRET)
    fabric.post("/webhooks/shopify", headers, body)
    fabric.settle()

    execution = fabric.execution(fabric.executions[-1])
    incident_id = json.loads(execution["input"])["incident"]["incident_id"]
    assert (execution["status"], execution["error"]) == ("FAILED", "ResponseStopped")
    types = ledger_types(fabric, incident_id)
    assert types[-1] == "step.failed"
    store = DynamoLedgerStore(clients.client("dynamodb"), fabric.tables["Ledger"])
    failed = list(store.entries(incident_id))[-1]
    assert failed.data == {
        "step": "NotifyCustomers",
        "error": "PermanentActionFailure",
        "message": "notification provider rejected the account",
    }
    assert verify_chain(incident_id, store.entries(incident_id)).valid
    assert any(incident_id in page and "PermanentActionFailure" in page for page in pages(inbox))


def test_a_failed_action_is_recorded_paged_and_the_rest_carry_on(
    fabric: LocalFabric, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = oncall_inbox(fabric)
    from functions.containment.handlers import apply_action as step

    real = step.apply_action

    def revoke_fails(request, *args):  # type: ignore[no-untyped-def]
        if request.action.kind.value == "shopify.revoke_storefront_token":
            raise PermanentActionFailure("token endpoint refused")
        return real(request, *args)

    monkeypatch.setattr(step, "apply_action", revoke_fails)
    headers, body = bulk_export_webhook(SECRET)
    fabric.post("/webhooks/shopify", headers, body)
    fabric.settle()

    execution = fabric.execution(fabric.executions[-1])
    assert execution["status"] == "SUCCEEDED"
    outcome = json.loads(execution["output"])
    assert outcome["actions_failed"] == 1
    assert outcome["actions_applied"] == 1  # the other automatic action of the plan went ahead
    assert "action.failed" in ledger_types(fabric, outcome["incident_id"])
    assert any("token endpoint refused" not in p and "PermanentActionFailure" in p for p in pages(inbox))


def test_a_transient_failure_is_retried_not_recorded_as_failed(
    fabric: LocalFabric, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.degradation.handlers import set_mode as step

    real, attempts = step.set_modes, []

    def flaky(*args):  # type: ignore[no-untyped-def]
        attempts.append(1)
        if len(attempts) == 1:
            raise TransientPlatformError("controls table throttled")
        return real(*args)

    monkeypatch.setattr(step, "set_modes", flaky)
    headers, body = bulk_export_webhook(SECRET)
    fabric.post("/webhooks/shopify", headers, body)
    fabric.settle()

    execution = fabric.execution(fabric.executions[-1])
    assert execution["status"] == "SUCCEEDED"
    assert len(attempts) == 2
    assert "step.failed" not in ledger_types(fabric, json.loads(execution["output"])["incident_id"])


def complete(incident_id: str, action_id: str, now: datetime) -> str:
    from functions.containment import wiring
    from functions.containment.domain import complete_manual_task
    from functions.ledger.wiring import ledger

    outcome = complete_manual_task(
        incident_id,
        action_id,
        person("jonas-weber"),
        wiring.catalogue_for("acme-eu"),
        ledger(),
        wiring.journal(),
        wiring.vault(),
        now,
        wiring.audit_trail(),
    )
    return outcome.status.value


def merchant_task(run: DrillRun) -> tuple[str, datetime, str]:
    """The app-uninstall task of a contained drill: its action id, when it was raised, and the rule watched."""
    task = next(
        e for e in run.entries if e.type.value == "action.manual_task" and e.data["kind"] == "shopify.revoke_app_access"
    )
    rule = next(e for e in run.entries if e.type.value == "incident.declared").data["rule_id"]
    return task.data["action_id"], task.at, rule


def test_a_merchant_task_is_recorded_done_once_the_audit_trail_is_quiet(fabric: LocalFabric) -> None:
    # Given the exfiltration drill contained, the app's uninstall handed to the merchant
    run = run_thin_path(fabric)
    assert run.incident_id is not None
    action_id, raised_at, _ = merchant_task(run)

    # When the operator reports it done and no signal of the rule arrived since the task was raised
    status = complete(run.incident_id, action_id, raised_at + timedelta(minutes=1))

    # Then it is recorded as verified, on the operator's word checked against the audit trail
    assert status == "applied"
    store = DynamoLedgerStore(clients.client("dynamodb"), fabric.tables["Ledger"])
    applied = [e.data for e in store.entries(run.incident_id) if e.type.value == "action.applied"]
    assert any(d["action_id"] == action_id and d["by"] == "person:Jonas Weber" for d in applied)
    # ...and the incident stays open while the channel's task is still open
    assert "incident.closed" not in ledger_types(fabric, run.incident_id)

    # When the last open task is reported done, Then that closes the incident, on that person's record
    channel = next(
        e.data["action_id"]
        for e in run.entries
        if e.type.value == "action.manual_task" and e.data["kind"] == "shopify.rotate_channel_tokens"
    )
    assert complete(run.incident_id, channel, raised_at + timedelta(minutes=2)) == "applied"
    closed = [e for e in store.entries(run.incident_id) if e.type.value == "incident.closed"]
    assert [(e.actor, e.data["last_task"], e.data["manual_tasks_done"]) for e in closed] == [
        ("person:Jonas Weber", channel, 2)
    ]


def test_a_merchant_task_is_not_done_while_the_audit_trail_still_shows_the_activity(fabric: LocalFabric) -> None:
    from functions.common.settings import Env, env
    from functions.detection.adapters.dynamodb import DynamoDispositionStore

    run = run_thin_path(fabric)
    assert run.incident_id is not None
    action_id, raised_at, rule = merchant_task(run)

    # When detection counts another signal of the same rule on the store after the task was raised
    later = raised_at + timedelta(minutes=5)
    windows = DynamoDispositionStore(clients.client("dynamodb"), env(Env.DISPOSITIONS_TABLE))
    facts = {"store_id": "acme-eu", "reason": "test", "topic": "bulk_operations/finish", "rule_id": rule}
    windows.count(f"{later:%Y-%m-%d}", f"acme-eu|{rule}|inc-later", facts, "sig-later", later, 1)

    # Then reporting the task done is refused: the calls have not stopped, and nothing is recorded
    with pytest.raises(PermanentActionFailure, match="calls have not stopped"):
        complete(run.incident_id, action_id, later + timedelta(minutes=1))
    store = DynamoLedgerStore(clients.client("dynamodb"), fabric.tables["Ledger"])
    assert not any(
        e.data.get("action_id") == action_id for e in store.entries(run.incident_id) if e.type.value == "action.applied"
    )
