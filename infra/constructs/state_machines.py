"""The response state machines, from `fabric.STATE_MACHINES` and the ASL files in `statemachines/`.

The definition is the file itself, loaded with the loader the local runtime uses: typed tunables
(numbers) are written into the JSON here, and every resource ARN stays a `${Placeholder}` that
CloudFormation fills through `DefinitionSubstitutions`, so the deployed definition and the local
one differ only in ARNs and tunables. Standard type, logging ALL to an encrypted log group, X-Ray
on; the role may invoke exactly the functions the spec names and publish to its topics. A
definition with a Distributed Map may also start its own child executions (and describe or stop
them), and read the roster manifest its ItemReader names, under rosters/ in the notification bucket.
"""

import json
from collections.abc import Mapping
from typing import Any

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import asl
from infra.constructs.access import objects_finding
from infra.constructs.encryption import ENCRYPT_DECRYPT, FabricKey
from infra.constructs.nag import acknowledge
from infra.constructs.storage import ROSTER_PREFIX
from infra.fabric import StateMachineSpec

# Where an ItemReader's manifest lives (the notification bucket, written by ResolveAudience).
ITEM_READER_BUCKET = "Notifications"


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


def map_features(definition: Any) -> tuple[bool, bool]:
    """(has a DISTRIBUTED Map, has an ItemReader) anywhere in the definition."""
    distributed = reader = False

    def walk(node: Any) -> None:
        nonlocal distributed, reader
        if isinstance(node, dict):
            if node.get("Type") == "Map":
                processor = node.get("ItemProcessor", {})
                distributed |= processor.get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED"
                reader |= "ItemReader" in node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(definition)
    return distributed, reader


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
        buckets: Mapping[str, s3.IBucket] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        definition, _ = rendered_definition(spec)
        name = f"bulkhead-{spec.name}"
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
        distributed, reader = map_features(definition)
        star_reasons = [
            "Step Functions vended logging (logs:CreateLogDelivery and friends) and X-Ray "
            "(xray:PutTraceSegments, GetSamplingRules) accept no resource narrower than '*'."
        ]
        if distributed:
            stack = Stack.of(self)
            # The machine's ARN is built from its fixed name: no reference to itself, so no cycle.
            own = stack.format_arn(
                service="states", resource="stateMachine", resource_name=name, arn_format=ArnFormat.COLON_RESOURCE_NAME
            )
            children = stack.format_arn(
                service="states",
                resource="execution",
                resource_name=f"{name}/*",
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
            self.role.add_to_policy(
                iam.PolicyStatement(sid="RunDistributedMapChildren", actions=["states:StartExecution"], resources=[own])
            )
            self.role.add_to_policy(
                iam.PolicyStatement(
                    sid="WatchDistributedMapChildren",
                    actions=["states:DescribeExecution", "states:StopExecution"],
                    resources=[children],
                )
            )
            acknowledge(
                self.role,
                f"IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{name}/*]",
                "A Distributed Map runs each batch as a child execution named by Step Functions at run time "
                f"({name}/<map run>:<id>), so Describe/StopExecution are granted on this machine's own child "
                "executions only; StartExecution names the machine itself.",
            )
        if reader:
            if buckets is None or ITEM_READER_BUCKET not in buckets:
                raise ValueError(f"{spec.definition_file}: an ItemReader needs the {ITEM_READER_BUCKET} bucket")
            bucket = buckets[ITEM_READER_BUCKET]
            self.role.add_to_policy(
                iam.PolicyStatement(
                    sid="ReadRosterManifests",
                    actions=["s3:GetObject"],
                    resources=[bucket.arn_for_objects(f"{ROSTER_PREFIX}*")],
                )
            )
            if not spec.topics:  # the bucket is encrypted with the fabric key
                self.role.add_to_policy(
                    iam.PolicyStatement(
                        sid="UseFabricKeyForRosters", actions=["kms:Decrypt"], resources=[fabric_key.key.key_arn]
                    )
                )
            acknowledge(
                self.role,
                objects_finding(bucket, f"{ROSTER_PREFIX}*"),
                "The notification Map's ItemReader reads the manifest ResolveAudience writes per incident "
                f"({ROSTER_PREFIX}<incident>/manifest.json), so GetObject is granted under {ROSTER_PREFIX} of the "
                "one notification bucket; nothing else is readable and nothing is writable.",
            )
        acknowledge(self.role, "IAM5[Resource::*]", " ".join(star_reasons))
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(json.dumps(definition, indent=1)),
            definition_substitutions=substitutions,
            role=self.role,
            # Level ALL for the timeline, without payloads: a step's input can name affected customers.
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
            tracing_enabled=True,
        )
