"""Step CloseRestore of statemachines/restore.asl.json -> containment.domain.close_restore."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.common.wiring import utc_now
from functions.containment.domain import close_restore
from functions.containment.models import RestoreCloseRequest
from functions.ledger.wiring import ledger


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=RestoreCloseRequest)
def handler(event: RestoreCloseRequest, context: LambdaContext) -> dict[str, Any]:
    outcome = close_restore(event, ledger(), utc_now())
    logger.info("restore closed", **outcome.model_dump(mode="json"))
    return outcome.model_dump(mode="json")
