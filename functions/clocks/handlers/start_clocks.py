"""Step StartClocks of statemachines/response.asl.json -> clocks.domain.start_clocks."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.clocks.domain import start_clocks
from functions.clocks.models import StartClocksRequest
from functions.clocks.wiring import clock_store, reminders
from functions.common.observability import logger, tracer
from functions.common.wiring import firm_config, utc_now
from functions.ledger.wiring import ledger


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=StartClocksRequest)
def handler(event: StartClocksRequest, context: LambdaContext) -> dict[str, Any]:
    result = start_clocks(event, firm_config(), clock_store(), reminders(), ledger(), utc_now())
    logger.info("clocks started", started=len(result.started), waiting=len(result.waiting), reminders=result.reminders)
    return result.model_dump(mode="json")
