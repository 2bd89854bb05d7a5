"""The response state machines, from `fabric.STATE_MACHINES` and the ASL files in `statemachines/`.

The definition is the file itself, loaded with the loader the local runtime uses: typed tunables
(numbers) are written into the JSON here, and every resource ARN stays a `${Placeholder}` that
CloudFormation fills through `DefinitionSubstitutions`, so the deployed definition and the local
one differ only in ARNs and tunables. Standard type, logging ALL to an encrypted log group, X-Ray
on; the role may invoke exactly the functions the spec names and publish to its topics.
"""

import json
from collections.abc import Mapping
from typing import Any

from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import asl
from infra.constructs.encryption import ENCRYPT_DECRYPT, FabricKey
from infra.fabric import StateMachineSpec


class UncoveredPlaceholder(ValueError):
    pass


def rendered_definition(spec: StateMachineSpec) -> tuple[dict[str, Any], list[str]]:
    """The ASL with tunables substituted, and the placeholders left for CloudFormation."""
    definition = asl.load(spec.definition_file)
    arn_placeholders = sorted({*spec.functions, *spec.topics})
    found = asl.placeholders(definition)
    uncovered = found - set(spec.tunables) - set(arn_placeholders)
    if uncovered:
        raise UncoveredPlaceholder(f"{spec.definition_file}: no tunable or resource for {sorted(uncovered)}")
    unused = set(arn_placeholders) - found
    if unused:
        raise UncoveredPlaceholder(f"{spec.definition_file}: the spec maps {sorted(unused)}, which it never uses")
    kept = {name: f"${{{name}}}" for name in arn_placeholders}
    return asl.render(definition, {**spec.tunables, **kept}), arn_placeholders


class ResponseStateMachine(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: StateMachineSpec,
        functions: Mapping[str, lambda_.IFunction],
        topics: Mapping[str, sns.ITopic],
        fabric_key: FabricKey,
    ) -> None:
        super().__init__(scope, construct_id)
        definition, _ = rendered_definition(spec)
        substitutions = {p: functions[name].function_arn for p, name in spec.functions.items()}
        substitutions |= {p: topics[name].topic_arn for p, name in spec.topics.items()}
        self.log_group = fabric_key.log_group(self, "Logs")
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description=f"Bulkhead {spec.name} state machine",
        )
        invoked = sorted(set(spec.functions.values()))
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="InvokeStepFunctions",
                actions=["lambda:InvokeFunction"],
                resources=[functions[name].function_arn for name in invoked],
            )
        )
        if spec.topics:
            self.role.add_to_policy(
                iam.PolicyStatement(
                    sid="PublishToTopics",
                    actions=["sns:Publish"],
                    resources=[topics[name].topic_arn for name in sorted(set(spec.topics.values()))],
                )
            )
            # The topics are encrypted with the fabric key.
            self.role.add_to_policy(
                iam.PolicyStatement(
                    sid="UseFabricKeyForTopics", actions=list(ENCRYPT_DECRYPT), resources=[fabric_key.key.key_arn]
                )
            )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=f"bulkhead-{spec.name}",
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(json.dumps(definition, indent=1)),
            definition_substitutions=substitutions,
            role=self.role,
            # Level ALL for the timeline, without payloads: a step's input can name affected customers.
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
            tracing_enabled=True,
        )
