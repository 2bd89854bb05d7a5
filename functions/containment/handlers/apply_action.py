"""Step ApplyContainmentAction (one item of the Isolate map) -> containment.domain.apply_action."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.common.wiring import utc_now
from functions.containment import wiring
from functions.containment.domain import apply_action
from functions.containment.models import ApplyActionRequest
from functions.ledger.wiring import ledger


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=ApplyActionRequest)
def handler(event: ApplyActionRequest, context: LambdaContext) -> dict[str, Any]:
    catalogue = wiring.catalogue_for(event.action.store_id)
    outcome = apply_action(event, catalogue, ledger(), wiring.journal(), wiring.vault(), utc_now())
    logger.info(
        "containment action done",
        incident_id=event.incident_id,
        action_id=outcome.action_id,
        status=outcome.status.value,
        changed=outcome.changed,
    )
    return outcome.model_dump(mode="json")
