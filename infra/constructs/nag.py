"""cdk-nag 3.x acknowledgements, spelled once, for the four packs `make synth` runs.

cdk-nag runs as CDK policy-validation plugins (`Validations.of(app).add_plugins(...)`). An
acknowledgement takes the pack-prefixed id the validation report prints,
`AwsSolutions::AwsSolutions-IAM5[Resource::*]`: cdk-nag then reports the finding and CDK records
it in `cdk.out/validation-report.json` as suppressed, with its reason, which is the audit trail.
A bare `AwsSolutions-IAM5[...]` is stored as a construct-annotation id; cdk-nag 3.0.2 drops the
finding before reporting it, so neither the finding nor its reason reaches the report (measured
with aws-cdk-lib 2.275.0). Every acknowledgement therefore goes through here.
"""

from collections.abc import Iterable

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

AWS_SOLUTIONS = "AwsSolutions"
SERVERLESS = "Serverless"
NIST_800_53_R5 = "NIST.800.53.R5"
PCI_DSS_321 = "PCI.DSS.321"
PACKS = (AWS_SOLUTIONS, SERVERLESS, NIST_800_53_R5, PCI_DSS_321)
PACK = AWS_SOLUTIONS  # the default: most acknowledgements answer an AwsSolutions rule


def rule_id(finding: str, pack: str = PACK) -> str:
    """`IAM5[Resource::*]` -> `AwsSolutions::AwsSolutions-IAM5[Resource::*]`."""
    return f"{pack}::{pack}-{finding}"


def acknowledge(scope: IConstruct, finding: str, reason: str, packs: Iterable[str] = (PACK,)) -> None:
    """Acknowledge one finding (of each pack in `packs`) on `scope` and everything below it."""
    if len(reason) < 40:
        raise ValueError(f"the acknowledgement of {finding} needs a specific reason, not {reason!r}")
    for pack in packs:
        Validations.of(scope).acknowledge(Acknowledgment(id=rule_id(finding, pack), reason=reason))
