"""The operators' managed policies are generated from the functions' accesses, and the auditor's reads only."""

from typing import Any

import pytest

from infra import fabric
from tests.infra.conftest import Synthesized
from tests.infra.template_reading import as_list

READ_PREFIXES = ("Get", "List", "Describe", "Query", "Scan", "BatchGet", "Verify")


def operator_policy(synth: Synthesized, name: str) -> dict[str, Any]:
    spec = next(s for s in fabric.OPERATORS if s.name == name)
    found = [
        r["Properties"]
        for r in synth.of_type("AWS::IAM::ManagedPolicy").values()
        if str(r["Properties"].get("Description", "")).startswith(spec.description)
    ]
    assert len(found) == 1, f"expected one managed policy for {name}, found {len(found)}"
    return found[0]


def actions_of(policy: dict[str, Any]) -> set[str]:
    return {a for s in policy["PolicyDocument"]["Statement"] for a in as_list(s["Action"])}


def function_actions(synth: Synthesized, access: fabric.Access) -> set[str]:
    """The actions a function holding only `access` gets: the same generator the operators use."""
    from infra.constructs.access import TABLE_ACCESS

    table = TABLE_ACCESS.get(access)
    return set(table[1]) if table else set()


@pytest.mark.parametrize("spec", fabric.OPERATORS, ids=lambda s: s.name)
def test_each_operator_policy_exists_and_names_its_commands(synthesized: Synthesized, spec: fabric.OperatorSpec):
    policy = operator_policy(synthesized, spec.name)
    assert spec.commands[0] in policy["Description"]
    assert not policy.get("Users") and not policy.get("Roles"), "the firm attaches them; the stack creates no users"


@pytest.mark.parametrize("spec", fabric.OPERATORS, ids=lambda s: s.name)
def test_an_operator_gets_the_table_actions_of_its_accesses(synthesized: Synthesized, spec: fabric.OperatorSpec):
    actions = actions_of(operator_policy(synthesized, spec.name))
    for access in spec.access:
        assert function_actions(synthesized, access) <= actions, access


def test_the_auditor_reads_only(synthesized: Synthesized):
    actions = actions_of(operator_policy(synthesized, "Auditor"))
    writes = {a for a in actions if not a.split(":", 1)[1].startswith(READ_PREFIXES) and a != "kms:Decrypt"}
    assert writes == set()
    assert {"dynamodb:Query", "s3:GetObject", "s3:ListBucketVersions"} <= actions


def test_only_the_approver_may_resume_a_waiting_response(synthesized: Synthesized):
    holders = {
        s.name for s in fabric.OPERATORS if "states:SendTaskSuccess" in actions_of(operator_policy(synthesized, s.name))
    }
    assert holders == {"Approver"}


def test_only_on_call_may_start_an_escalation_and_only_on_the_escalation_machine(synthesized: Synthesized):
    # `incident escalate --target aws` starts the Escalation machine on what the escalation adds.
    holders = {
        s.name for s in fabric.OPERATORS if "states:StartExecution" in actions_of(operator_policy(synthesized, s.name))
    }
    assert holders == {"OnCall"}
    statements = operator_policy(synthesized, "OnCall")["PolicyDocument"]["Statement"]
    starting = [s for s in statements if "states:StartExecution" in as_list(s["Action"])]
    resources = [str(r) for s in starting for r in as_list(s["Resource"])]
    assert resources and all("stateMachine:bulkhead-Escalation" in r for r in resources), resources
