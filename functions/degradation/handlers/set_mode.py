"""Step SetDegradationMode -> degradation.domain.set_modes."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.common.wiring import firm_config, utc_now
from functions.degradation.domain import set_modes
from functions.degradation.models import SetModeRequest
from functions.degradation.wiring import controls_store, projector
from functions.ledger.wiring import ledger


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=SetModeRequest)
def handler(event: SetModeRequest, context: LambdaContext) -> dict[str, Any]:
    modes_projector = projector(firm_config(), event.store_id)
    outcome = set_modes(event, controls_store(), ledger(), modes_projector, utc_now())
    logger.info("degradation set", incident_id=event.incident_id, modes=[m.value for m in outcome.modes])
    return outcome.model_dump(mode="json")
