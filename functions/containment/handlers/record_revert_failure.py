"""Step RecordRevertFailure (Catch of the Revert map item) -> containment.domain.record_revert_failure."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.common.wiring import utc_now
from functions.containment.domain import record_revert_failure
from functions.containment.models import RevertFailureRequest
from functions.ledger.wiring import ledger


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=RevertFailureRequest)
def handler(event: RevertFailureRequest, context: LambdaContext) -> dict[str, Any]:
    outcome = record_revert_failure(event, ledger(), utc_now())
    logger.warning("restore step failed", incident_id=event.incident_id, action_id=event.action_id)
    return outcome.model_dump(mode="json")
