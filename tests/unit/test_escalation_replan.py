"""Escalating an incident re-plans only the difference.

Given a declared incident whose response planned (and ran) its containment, and a firm policy that
contains more from a higher severity, When a person escalates it, Then the plan at the new severity
is diffed against what was planned: only the added actions and modes go to the Escalation state
machine (behind an approval where the policy asks for one), `incident.escalated` records them, and
what the command prints is what was recorded.
"""

from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from rich.console import Console

from functions.common.config import FirmConfig, Mode
from functions.common.errors import TransientPlatformError
from functions.common.people import Acted
from functions.incidents.domain import ApprovalPending, build_view, escalate
from functions.incidents.models import Escalated, EscalateRequest
from functions.ledger.domain import ChainedLedger
from functions.ledger.models import EntryDraft, EntryType, LedgerEntry
from functions.response.domain import DRILL_SEGMENT, contained_components, plan_for
from functions.response.models import EscalationRun
from tests.fakes import builders
from tests.fakes.ledger import MemoryLedgerStore
from tests.unit.test_clocks_deadlines import MemoryClocks, NoReminders

COMMANDER = Acted(name="Maria Keller", person_id="maria-keller", role="incident_commander")
INC = "inc-20261201-escalate"
DECLARED_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
NOW = DECLARED_AT + timedelta(hours=1)
# What the operator declaration's rule contains (functions/detection/rulebook.json), as PlanResponse recorded it.
PLANNED_ACTIONS = ["shopify.revoke_storefront_token", "shopify.rotate_channel_tokens"]
PLANNED_MODES = ["account_read_only"]


def firm(**policy: Any) -> FirmConfig:
    return builders.firm(
        builders.store(sandbox=True),
        policy={"severity_components": {"high": ["webhook_subscriptions", "checkout"]}, **policy},
    )


class Runner:
    """The Escalation state machine's starter: what it was asked to run."""

    def __init__(self, fails: bool = False) -> None:
        self.runs: list[EscalationRun] = []
        self.fails = fails

    def start(self, run: EscalationRun) -> str:
        if self.fails:
            raise TransientPlatformError("Step Functions unreachable")
        self.runs.append(run)
        return f"arn:aws:states:eu-west-1:123456789012:execution:bulkhead-Escalation:{INC}-escalation-{run.escalation}"


def record(*extra: tuple[EntryType, dict[str, Any]]) -> tuple[ChainedLedger, MemoryLedgerStore]:
    store = MemoryLedgerStore()
    ledger = ChainedLedger(store)
    declared = {
        "rule_id": "operator-declaration",
        "severity": "medium",
        "store_id": "acme-eu",
        "data_categories": ["contact"],
        "jurisdictions": ["DE"],
        "customers": 40,
        "components": ["storefront_tokens", "customer_tags"],
        "mode": "live",
    }
    planned = {"actions": PLANNED_ACTIONS, "modes": PLANNED_MODES, "approval_required": True, "mode": "live"}
    for entry_type, data in ((EntryType.INCIDENT_DECLARED, declared), (EntryType.RESPONSE_PLANNED, planned), *extra):
        ledger.append(INC, EntryDraft(type=entry_type, actor="response", at=DECLARED_AT, data=data))
    return ledger, store


def escalated_to(
    severity: str, config: FirmConfig, ledger: ChainedLedger, store: MemoryLedgerStore, runner: Runner
) -> Escalated:
    request = EscalateRequest(incident_id=INC, by=COMMANDER, severity=severity, reason="the export was wider")
    return escalate(request, store.entries_list(INC), config, MemoryClocks([]), NoReminders(), ledger, runner, NOW)


def of_type(store: MemoryLedgerStore, entry_type: EntryType) -> list[LedgerEntry]:
    return [e for e in store.entries_list(INC) if e.type is entry_type]


def test_the_policy_contains_more_from_a_severity_up_and_the_planner_adds_it() -> None:
    config = firm()
    medium = builders.incident(severity="medium", scope={"components": ["storefront_tokens"]})
    high = builders.incident(severity="high", scope={"components": ["storefront_tokens"]})

    assert contained_components(medium, config) == ("storefront_tokens",)
    assert contained_components(high, config) == ("storefront_tokens", "webhook_subscriptions", "checkout")
    kinds = [a.kind.value for a in plan_for(high, Mode.LIVE, config).actions]
    assert kinds == [
        "shopify.revoke_storefront_token",
        "shopify.rotate_channel_tokens",
        "shopify.remove_webhook_subscription",
        "shopify.revoke_app_access",
    ]
    assert [m.value for m in plan_for(high, Mode.LIVE, config).degradation.modes] == ["checkout_paused"]


def test_escalating_medium_to_high_runs_only_the_added_actions_behind_a_new_approval() -> None:
    ledger, store = record()
    runner = Runner()

    done = escalated_to("high", firm(), ledger, store, runner)

    # Then only the kinds the response had not planned are added, with ids of their own
    assert [(a.action_id, a.kind, a.subjects) for a in done.actions_added] == [
        ("act-e1-03-remove-webhook-subscription", "shopify.remove_webhook_subscription", 0),
        ("act-e1-04-revoke-app-access", "shopify.revoke_app_access", 0),
    ]
    assert done.modes_added == ("checkout_paused",)
    # ...high is below auto-approval (critical): they wait for an approval that names them only
    assert done.approval_required
    assert done.approval_reasons[0] == (
        "escalation 1 to high adds 2 actions (shopify.remove_webhook_subscription, shopify.revoke_app_access) "
        "and modes checkout_paused"
    )
    # ...the machine gets the added actions, and the modes in force with the added one (a rule replaces its segment's)
    [run] = runner.runs
    assert [a.action_id for a in run.plan.actions] == [a.action_id for a in done.actions_added]
    assert [m.value for m in run.plan.degradation.modes] == ["account_read_only", "checkout_paused"]
    assert [m.value for m in run.modes_added] == ["checkout_paused"]
    assert run.plan.approval_required and run.plan.approval_reasons == done.approval_reasons
    assert (run.incident.severity.value, run.mode, run.escalation) == ("high", Mode.LIVE, 1)
    # ...and the ledger says the same
    [entry] = of_type(store, EntryType.INCIDENT_ESCALATED)
    assert entry.actor == "person:Maria Keller"
    assert entry.data["actions_added"] == [a.model_dump() for a in done.actions_added]
    assert (entry.data["modes_added"], entry.data["approval_required"]) == (["checkout_paused"], True)
    assert entry.data["approval_reasons"] == list(done.approval_reasons)
    # ...and the screen shows the added actions waiting for the approval
    view = build_view(INC, store.entries_list(INC), [], None, NOW)
    states = {a.action_id: a.state for a in view.actions}
    assert states == {a.action_id: "waiting for approval (escalation)" for a in done.actions_added}
    assert "escalation to high added 2 actions" in (view.plan or "")


def test_an_escalation_to_an_auto_approved_severity_runs_without_asking() -> None:
    ledger, store = record()
    runner = Runner()
    config = firm(severity_components={"critical": ["webhook_subscriptions"]})

    done = escalated_to("critical", config, ledger, store, runner)

    assert [a.kind for a in done.actions_added] == ["shopify.remove_webhook_subscription", "shopify.revoke_app_access"]
    assert done.modes_added == () and not done.approval_required and done.approval_reasons == ()
    [run] = runner.runs
    assert not run.plan.approval_required and run.modes_added == ()
    [entry] = of_type(store, EntryType.INCIDENT_ESCALATED)
    assert entry.data["approval_required"] is False


def test_actions_the_response_already_ran_are_not_planned_again() -> None:
    # Given the response applied a webhook removal (planned by another rule) before the escalation
    applied = {"action_id": "act-09-remove-webhook-subscription", "kind": "shopify.remove_webhook_subscription"}
    ledger, store = record((EntryType.ACTION_APPLIED, applied | {"store_id": "acme-eu"}))
    runner = Runner()

    done = escalated_to("high", firm(), ledger, store, runner)

    assert [a.kind for a in done.actions_added] == ["shopify.revoke_app_access"]
    # When a second escalation finds the first one's actions planned, Then it adds nothing and starts nothing
    again = escalated_to("critical", firm(), ledger, store, runner)
    assert again.actions_added == () and again.modes_added == ()
    assert len(runner.runs) == 1
    assert of_type(store, EntryType.INCIDENT_ESCALATED)[-1].data["actions_added"] == []


def test_an_escalation_while_an_approval_waits_is_refused_and_records_nothing() -> None:
    asked = {"reasons": ["severity medium is below auto-approval (critical)"], "stage": 0, "stage_name": "on-call"}
    ledger, store = record((EntryType.APPROVAL_REQUESTED, asked))
    before = len(store.entries_list(INC))
    runner = Runner()

    with pytest.raises(ApprovalPending, match="decide it first"):
        escalated_to("high", firm(), ledger, store, runner)

    assert len(store.entries_list(INC)) == before and runner.runs == []


def test_a_machine_that_does_not_start_is_recorded_and_said() -> None:
    ledger, store = record()

    done = escalated_to("high", firm(), ledger, store, Runner(fails=True))

    assert done.execution is None and done.not_started == "Step Functions unreachable"
    [failed] = of_type(store, EntryType.STEP_FAILED)
    assert (failed.data["step"], failed.data["error"]) == ("StartEscalation", "TransientPlatformError")


def test_the_command_prints_what_the_ledger_records() -> None:
    from bulkhead.cli.incident_command import print_escalated

    ledger, store = record()
    done = escalated_to("high", firm(), ledger, store, Runner())
    [entry] = of_type(store, EntryType.INCIDENT_ESCALATED)
    out = StringIO()
    print_escalated(done, "Maria Keller", Console(file=out, width=300))
    printed = out.getvalue()

    assert f"{INC}: medium -> high by Maria Keller" in printed
    for added in entry.data["actions_added"]:
        assert f"action added: {added['action_id']} {added['kind']} ({added['subjects']} subjects)" in printed
    assert f"modes added: {', '.join(entry.data['modes_added'])}" in printed
    assert f"they wait for approval ({entry.data['approval_reasons'][0]}" in printed
    assert f"bulkhead approve {INC} --as PERSON" in printed

    # ...and an escalation that adds nothing to contain says so plainly
    nothing = escalated_to("critical", firm(), ledger, store, Runner())
    out = StringIO()
    print_escalated(nothing, "Maria Keller", Console(file=out, width=300))
    assert "nothing new to contain" in out.getvalue() and "action added" not in out.getvalue()


def test_the_approval_page_briefs_the_approver_on_the_added_actions_only() -> None:
    from functions.approval.briefing import briefing

    ledger, store = record()
    done = escalated_to("high", firm(), ledger, store, Runner())
    asked = {"reasons": list(done.approval_reasons), "stage": 0, "stage_name": "on-call"}
    ledger.append(INC, EntryDraft(type=EntryType.APPROVAL_REQUESTED, actor="approval", at=NOW, data=asked))

    brief = briefing(store.entries_list(INC))

    assert brief is not None and brief.severity == "high"
    assert brief.actions == tuple(f"{a.kind} (added by escalation)" for a in done.actions_added)
    assert brief.modes == ("checkout_paused (added by escalation)",)
    assert brief.reasons == done.approval_reasons


def test_a_drill_escalates_as_a_drill_and_degrades_only_the_drill_segment_of_a_real_store() -> None:
    # Given a drill declared on a store that is not a sandbox
    store = MemoryLedgerStore()
    ledger = ChainedLedger(store)
    declared = {"severity": "medium", "store_id": "acme-eu", "data_categories": ["contact"], "mode": "drill"}
    planned = {"actions": PLANNED_ACTIONS, "modes": PLANNED_MODES, "approval_required": True, "mode": "drill"}
    for entry_type, data in ((EntryType.INCIDENT_DECLARED, declared), (EntryType.RESPONSE_PLANNED, planned)):
        ledger.append(INC, EntryDraft(type=entry_type, actor="response", at=DECLARED_AT, data=data))
    config = builders.firm(
        builders.store(sandbox=False), policy={"severity_components": {"high": ["webhook_subscriptions", "checkout"]}}
    )
    runner = Runner()

    escalated_to("high", config, ledger, store, runner)

    # Then the machine runs a drill (sandbox executors and sinks) and the modes hold the drill segment only
    [run] = runner.runs
    assert run.mode is Mode.DRILL and run.plan.degradation.segment == DRILL_SEGMENT
    assert of_type(store, EntryType.INCIDENT_ESCALATED)[0].data["mode"] == "drill"
