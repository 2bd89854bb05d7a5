"""Step Functions "Execution Status Change" (a drill ended) -> drills.domain.score_ended_drill."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger
from functions.common.settings import Env, env
from functions.common.wiring import firm_config, utc_now
from functions.drills import wiring
from functions.drills.adapters.catalogue import load_catalogue
from functions.drills.domain import score_ended_drill
from functions.drills.models import ExecutionStatusChange
from functions.ledger.wiring import ledger


@logger.inject_lambda_context(clear_state=True)
@event_parser(model=ExecutionStatusChange)
def handler(event: ExecutionStatusChange, context: LambdaContext) -> dict[str, Any]:
    ended = event.detail
    machine, config = env(Env.RESPONSE_STATE_MACHINE), firm_config()
    result = score_ended_drill(ended, machine, load_catalogue(), config, wiring.evidence(), ledger(), utc_now())
    logger.info("drill execution ended", scored=result.scored, reason=result.reason, passed=result.passed)
    return result.model_dump(mode="json")
