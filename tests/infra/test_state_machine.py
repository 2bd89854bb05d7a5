"""The deployed state machine is the ASL file, rendered: tunables typed, ARNs as substitutions."""

import json
from typing import Any

import pytest

from infra import asl, fabric
from tests.infra.conftest import Synthesized
from tests.infra.template_reading import function_id, logical_id, topic_id


def machine(synth: Synthesized, spec: fabric.StateMachineSpec) -> dict[str, Any]:
    return next(
        r["Properties"]
        for r in synth.of_type("AWS::StepFunctions::StateMachine").values()
        if r["Properties"]["StateMachineName"] == f"bulkhead-{spec.name}"
    )


@pytest.mark.parametrize("spec", fabric.STATE_MACHINES, ids=lambda s: s.name)
def test_standard_logged_in_full_and_traced(synthesized: Synthesized, spec: fabric.StateMachineSpec):
    props = machine(synthesized, spec)
    assert props["StateMachineType"] == "STANDARD"
    assert props["TracingConfiguration"] == {"Enabled": True}
    assert props["LoggingConfiguration"]["Level"] == "ALL"
    (destination,) = props["LoggingConfiguration"]["Destinations"]
    group = logical_id(destination["CloudWatchLogsLogGroup"]["LogGroupArn"])
    assert "KmsKeyId" in synthesized.resources[str(group)]["Properties"]


@pytest.mark.parametrize("spec", fabric.STATE_MACHINES, ids=lambda s: s.name)
def test_definition_is_the_rendered_asl_file(synthesized: Synthesized, spec: fabric.StateMachineSpec):
    props = machine(synthesized, spec)
    definition_text = props["DefinitionString"]
    assert isinstance(definition_text, str), "the definition must be plain JSON; ARNs go in DefinitionSubstitutions"
    substitutions: dict[str, Any] = props["DefinitionSubstitutions"]
    # Each substitution is the deployed resource the spec names.
    for placeholder, name in spec.functions.items():
        assert logical_id(substitutions[placeholder]) == function_id(synthesized, fabric.function(name))
    for placeholder, name in spec.topics.items():
        assert logical_id(substitutions[placeholder]) == topic_id(synthesized, name)
    # Every placeholder in the file is covered by a tunable or a substitution...
    source = asl.load(spec.definition_file)
    assert asl.placeholders(source) <= set(spec.tunables) | set(substitutions)
    # ...and what CloudFormation substitutes leaves no `${` behind and equals the file rendered.
    dummy = {p: f"arn:aws:lambda:eu-west-1:123456789012:function:{p}" for p in substitutions}
    resolved = definition_text
    for placeholder, value in dummy.items():
        resolved = resolved.replace(f"${{{placeholder}}}", value)
    assert "${" not in resolved
    assert json.loads(resolved) == asl.render(source, {**spec.tunables, **dummy})


@pytest.mark.parametrize("spec", fabric.STATE_MACHINES, ids=lambda s: s.name)
def test_tunables_are_typed_numbers_in_the_template(synthesized: Synthesized, spec: fabric.StateMachineSpec):
    definition = machine(synthesized, spec)["DefinitionString"]
    for name, value in spec.tunables.items():
        assert f'"${{{name}}}"' not in definition
        assert isinstance(value, int)
