"""Managed policies for the people who run Bulkhead with `--target aws`: on-call, approver, auditor.

Each is generated from `fabric.OPERATORS`, whose accesses are the functions' own, through the same
`statements` the function roles use: a person gets exactly the calls the commands make, on the
same resources, under the same conditions. The firm attaches them to its SSO permission sets or
roles; the stack creates no users.
"""

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.constructs.access import FabricResources, acknowledgements, statements
from infra.constructs.nag import acknowledge
from infra.fabric import OperatorSpec


class OperatorPolicies(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, specs: tuple[OperatorSpec, ...], resources: FabricResources
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.policies: dict[str, iam.ManagedPolicy] = {}
        for spec in specs:
            policy = iam.ManagedPolicy(
                self,
                spec.name,
                description=f"{spec.description}. Commands: {'; '.join(spec.commands)}"[:1000],
                statements=statements(stack, spec.access, resources),
            )
            for finding, why in acknowledgements(spec.access, resources).items():
                acknowledge(policy, finding, " ".join(why))
            self.policies[spec.name] = policy
