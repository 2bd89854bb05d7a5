"""Every ASL file, checked without running it: graph, language, placeholders, an independent validator.

What CDK deploys and what the local runtime runs both come from these files through
`infra.asl`, so each file must be reachable from a fabric spec, fully substituted by the spec's
tunables (deployed and local) plus resource ARNs, JSONPath only (moto cannot run JSONata), and
accepted by the npm `asl-validator` as rendered.
"""

import importlib
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra import asl, fabric

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(p.name for p in asl.STATEMACHINES.glob("*.asl.json"))
VALIDATOR = ROOT / "node_modules" / ".bin" / "asl-validator"
CONTAINER_KEYS = ("Branches", "ItemProcessor", "Iterator")


def spec_for(file_name: str) -> fabric.StateMachineSpec:
    found = [m for m in fabric.STATE_MACHINES if m.definition_file == file_name]
    assert len(found) == 1, f"{file_name} is not deployed by exactly one fabric.STATE_MACHINES entry"
    return found[0]


def scopes(machine: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Each `States` scope (top level, Parallel branches, Map processors) with a readable path."""
    yield path or "(top)", machine
    for name, state in machine["States"].items():
        for index, branch in enumerate(state.get("Branches", [])):
            yield from scopes(branch, f"{path}/{name}[{index}]")
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                yield from scopes(state[key], f"{path}/{name}")


def transitions(state: dict[str, Any]) -> list[str]:
    targets = [state["Next"]] if "Next" in state else []
    targets += [state["Default"]] if "Default" in state else []
    targets += [choice["Next"] for choice in state.get("Choices", [])]
    targets += [catch["Next"] for catch in state.get("Catch", [])]
    return targets


def dummy_arns(spec: fabric.StateMachineSpec) -> dict[str, str]:
    arns = {p: f"arn:aws:lambda:eu-west-1:123456789012:function:bulkhead-{f}" for p, f in spec.functions.items()}
    arns |= {p: f"arn:aws:sns:eu-west-1:123456789012:bulkhead-{t}" for p, t in spec.topics.items()}
    return arns


def walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


@pytest.mark.parametrize("file_name", FILES)
def test_every_transition_target_exists_in_its_scope(file_name: str):
    for where, scope in scopes(asl.load(file_name)):
        states = scope["States"]
        assert scope["StartAt"] in states, f"{file_name} {where}: StartAt {scope['StartAt']} is missing"
        for name, state in states.items():
            for target in transitions(state):
                assert target in states, f"{file_name} {where}/{name}: goes to unknown state {target}"


@pytest.mark.parametrize("file_name", FILES)
def test_every_state_is_reachable(file_name: str):
    for where, scope in scopes(asl.load(file_name)):
        states = scope["States"]
        reached: set[str] = set()
        pending = [scope["StartAt"]]
        while pending:
            name = pending.pop()
            if name in reached:
                continue
            reached.add(name)
            pending.extend(transitions(states[name]))
        assert set(states) == reached, f"{file_name} {where}: unreachable {sorted(set(states) - reached)}"


@pytest.mark.parametrize("file_name", FILES)
def test_every_state_ends_or_moves_on(file_name: str):
    for where, scope in scopes(asl.load(file_name)):
        for name, state in scope["States"].items():
            if state["Type"] in {"Choice", "Succeed", "Fail"}:
                continue
            assert state.get("End") is True or "Next" in state, f"{file_name} {where}/{name} neither ends nor moves on"


@pytest.mark.parametrize("file_name", FILES)
def test_jsonpath_only(file_name: str):
    # moto's JSONata bridge is a stub: a JSONata state would fail every local run.
    for key, value in walk(asl.load(file_name)):
        assert not (key == "QueryLanguage" and value == "JSONata"), f"{file_name} uses JSONata"


@pytest.mark.parametrize("file_name", FILES)
def test_placeholders_are_covered_for_aws_and_locally(file_name: str):
    spec = spec_for(file_name)
    definition = asl.load(file_name)
    found = asl.placeholders(definition)
    resources = set(spec.functions) | set(spec.topics)
    # Deployed: tunables typed in by infra.asl, ARNs by CloudFormation's DefinitionSubstitutions.
    assert found <= set(spec.tunables) | resources, sorted(found - set(spec.tunables) - resources)
    # Locally: the same placeholders, with the local (shortened) tunables.
    assert set(spec.tunables) <= set(fabric.LOCAL_TUNABLES)
    for tunables in (spec.tunables, fabric.LOCAL_TUNABLES):
        rendered = json.dumps(asl.render(definition, {**tunables, **dummy_arns(spec)}))
        assert "${" not in rendered
    # And no placeholder hides inside a longer string, where the loader would not see it.
    for _, value in walk(definition):
        if isinstance(value, str) and "${" in value:
            assert asl.PLACEHOLDER.match(value), f"{file_name}: {value!r} mixes a placeholder into text"


@pytest.mark.parametrize("file_name", FILES)
def test_tunables_render_as_numbers(file_name: str):
    spec = spec_for(file_name)
    rendered = asl.render(asl.load(file_name), {**spec.tunables, **dummy_arns(spec)})
    for key, value in walk(rendered):
        if key in {"IntervalSeconds", "TimeoutSeconds", "MaxConcurrency", "MaxDelaySeconds", "Seconds"}:
            assert isinstance(value, int), f"{file_name}: {key} is {value!r}"


@pytest.mark.skipif(shutil.which("node") is None or not VALIDATOR.exists(), reason="npm tools not installed")
@pytest.mark.parametrize("file_name", FILES)
def test_asl_validator_accepts_the_rendered_definition(file_name: str, tmp_path: Path):
    spec = spec_for(file_name)
    rendered = tmp_path / file_name
    rendered.write_text(json.dumps(asl.render(asl.load(file_name), {**spec.tunables, **dummy_arns(spec)})))
    result = subprocess.run(
        [str(VALIDATOR), "--json-path", str(rendered)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def lambda_tasks(machine: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every Task state that invokes one of the fabric's functions (`${<Name>FunctionArn}`), in every scope."""
    for where, scope in scopes(machine):
        for name, state in scope["States"].items():
            if state["Type"] == "Task" and str(state.get("Resource", "")).endswith("FunctionArn}"):
                yield f"{where}/{name}", state


@pytest.mark.parametrize("file_name", FILES)
def test_every_lambda_step_names_its_handler_and_domain_function_and_both_exist(file_name: str):
    """A reader follows a step from the ASL file to the handler to the domain function: the comment
    `functions.<context>.handlers.<module> -> <context>.domain.<function>` must name real code, and the
    handler must be the one the fabric deploys for the step's function."""
    spec = spec_for(file_name)
    for where, state in lambda_tasks(asl.load(file_name)):
        found = re.match(r"^(functions\.\w+\.handlers\.\w+) -> (\w+)\.(\w+)\.(\w+)", state.get("Comment", ""))
        assert found, f"{where}: the comment must name its handler and domain function"
        handler_module, context, module, function_name = found.groups()
        assert callable(getattr(importlib.import_module(handler_module), "handler", None)), where
        domain = importlib.import_module(f"functions.{context}.{module}")
        assert callable(getattr(domain, function_name, None)), f"{where}: no {context}.{module}.{function_name}"
        placeholder = state["Resource"].strip("${}")
        deployed = fabric.function(spec.functions[placeholder]).handler
        assert deployed == f"{handler_module}.handler", f"{where}: the fabric deploys {deployed}"


def test_every_callback_step_names_its_handler_and_domain_function_too():
    """AwaitApproval and AwaitNoticeReview invoke their function with a task token: their comments
    name real code and the function the fabric deploys, as the plain Lambda steps' do."""
    spec = spec_for("response.asl.json")
    for where, scope in scopes(asl.load("response.asl.json")):
        for name, state in scope["States"].items():
            if not str(state.get("Resource", "")).endswith(".waitForTaskToken"):
                continue
            found = re.match(r"^(functions\.\w+\.handlers\.\w+) -> (\w+)\.(\w+)\.(\w+)", state.get("Comment", ""))
            assert found, f"{where}/{name}: the comment must name its handler and domain function"
            handler_module, context, module, function_name = found.groups()
            assert callable(getattr(importlib.import_module(f"functions.{context}.{module}"), function_name, None))
            placeholder = state["Parameters"]["FunctionName"].strip("${}")
            assert fabric.function(spec.functions[placeholder]).handler == f"{handler_module}.handler", name


def test_no_customer_notice_is_sent_but_through_its_review():
    """SendNotices is entered only from the review: approved (or approved by drill policy), or sent
    anyway by the expiry policy; and what it sends carries the approved hashes."""
    states = asl.load("response.asl.json")["States"]
    into = sorted(name for name, state in states.items() if "SendNotices" in transitions(state))
    assert into == ["AwaitNoticeReview", "NoticeReviewed", "SendWithoutReview"]
    assert states["HasRoster"]["Choices"][0]["Next"] == "PrepareNoticeReview"
    assert states["NoticeReviewed"]["Choices"] == [
        {"Variable": "$.review.next", "StringEquals": "send", "Next": "SendNotices"}
    ]
    selector = states["SendNotices"]["ItemSelector"]
    assert (selector["approved_notices.$"], selector["notice_on.$"]) == ("$.review.notices", "$.review.notice_on")
    assert states["AwaitNoticeReview"]["TimeoutSeconds"] == "${NoticeReviewTimeoutSeconds}"
    assert {e for c in states["AwaitNoticeReview"]["Catch"] for e in c["ErrorEquals"]} >= {
        "States.Timeout",
        "NoticeRejected",
    }
