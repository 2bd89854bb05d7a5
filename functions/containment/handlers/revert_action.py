"""Step RevertContainmentAction (one item of the Revert map) -> containment.domain.revert_action."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.common.wiring import utc_now
from functions.containment import wiring
from functions.containment.domain import revert_action, stored_action
from functions.containment.models import RevertActionRequest
from functions.ledger.wiring import ledger


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=RevertActionRequest)
def handler(event: RevertActionRequest, context: LambdaContext) -> dict[str, Any]:
    vault = wiring.vault()
    catalogue = wiring.catalogue_for(stored_action(event, vault).store_id)
    outcome = revert_action(event, catalogue, ledger(), wiring.journal(), vault, utc_now())
    logger.info("containment action reverted", incident_id=event.incident_id, **outcome.model_dump(mode="json"))
    return outcome.model_dump(mode="json")
