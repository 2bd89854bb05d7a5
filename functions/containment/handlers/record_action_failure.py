"""Step RecordActionFailure (Catch of the Isolate map item) -> containment.domain.record_action_failure."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.common.wiring import utc_now
from functions.containment.domain import record_action_failure
from functions.containment.models import ActionFailureRequest
from functions.ledger.wiring import ledger


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=ActionFailureRequest)
def handler(event: ActionFailureRequest, context: LambdaContext) -> dict[str, Any]:
    outcome = record_action_failure(event, ledger(), utc_now())
    logger.warning("containment action failed", incident_id=event.incident_id, action_id=outcome.action_id)
    return outcome.model_dump(mode="json")
