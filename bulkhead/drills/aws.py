"""`bulkhead drill --target aws`: start the deployed response state machine by hand with a drill input.

The incident is declared by hand (the scenario's declaration), mode `drill`: sandbox stores, the
notification sink, clocks computed but never filed. The state machine's ARN comes from an option
or from the stack's `ResponseStateMachineArn` output. With `wait`, the runner polls the execution,
scores it from the ledger table (the stack's `LedgerTableName` output) and records `drill.scored`.
"""

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from functions.common.config import FirmConfig
from functions.common.errors import ConfigurationError
from functions.drills.domain import declaration_of, drill_declaration, score_execution
from functions.drills.models import Declaration, Scenario, Scorecard, ScoreInputs
from functions.drills.ports import LedgerEvidence
from functions.ledger.ports import Ledger

STATE_MACHINE_OUTPUT = "ResponseStateMachineArn"
LEDGER_TABLE_OUTPUT = "LedgerTableName"
# The full verification reads the signed heads from the anchor bucket, checked with the signing key.
ANCHOR_BUCKET_OUTPUT = "LedgerAnchorsBucketName"
SIGNING_KEY_OUTPUT = "LedgerSigningKeyArn"


@dataclass(frozen=True)
class AwsDrill:
    scenario: Scenario
    incident_id: str
    execution_arn: str
    started_at: datetime


def declaration_for_aws(scenario: Scenario) -> Declaration:
    return declaration_of(scenario)


def stack_output(cloudformation: Any, stack_name: str, key: str) -> str:
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except Exception as exc:  # botocore ClientError: the stack does not exist or is not readable
        raise ConfigurationError(f"stack {stack_name!r}: {exc}") from exc
    for output in stacks[0].get("Outputs", []):
        if output["OutputKey"] == key:
            return str(output["OutputValue"])
    raise ConfigurationError(f"stack {stack_name!r} has no output {key}; pass it as an option")


def start_aws_drill(
    sfn: Any, state_machine_arn: str, scenario: Scenario, config: FirmConfig, now: datetime | None = None
) -> AwsDrill:
    started_at = now or datetime.now(UTC)
    drill_id = uuid.uuid4().hex[:12]
    declared = drill_declaration(scenario, declaration_for_aws(scenario), config, drill_id, started_at)
    arn = sfn.start_execution(
        stateMachineArn=state_machine_arn,
        name=f"drill-{scenario.name}-{drill_id}"[:80],
        input=declared.model_dump_json(),
    )["executionArn"]
    return AwsDrill(scenario, declared.incident.incident_id, str(arn), started_at)


def wait_and_score(
    drill: AwsDrill,
    sfn: Any,
    evidence: LedgerEvidence,
    ledger: Ledger,
    config: FirmConfig,
    timeout_seconds: float = 900.0,
    sleep: Callable[[float], None] = time.sleep,
    poll_seconds: float = 5.0,
) -> Scorecard:
    """Poll the execution until it ends, then score it from the fully verified ledger and record the scorecard."""
    deadline = time.monotonic() + timeout_seconds
    status = "RUNNING"
    while time.monotonic() < deadline:
        status = str(sfn.describe_execution(executionArn=drill.execution_arn)["status"])
        if status != "RUNNING":
            break
        sleep(poll_seconds)
    inputs = ScoreInputs(
        scenario=drill.scenario,
        incident_id=drill.incident_id,
        injected_at=drill.started_at,
        execution_status=status,
        declared_by_hand=True,
        gaps=("detection: the AWS drill starts the state machine directly",),
        slas=config.slas,
    )
    return score_execution(inputs, evidence, ledger, datetime.now(UTC))


def execution_input(sfn: Any, execution_arn: str) -> dict[str, Any]:
    return dict(json.loads(sfn.describe_execution(executionArn=execution_arn)["input"]))
