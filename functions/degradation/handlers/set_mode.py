"""Step SetDegradationMode -> degradation.domain.set_modes."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.clients import client
from functions.common.observability import logger, tracer
from functions.common.settings import Env, env
from functions.common.wiring import utc_now
from functions.degradation.adapters.dynamodb import DynamoControlsStore
from functions.degradation.domain import set_modes
from functions.degradation.models import SetModeRequest
from functions.ledger.wiring import ledger


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=SetModeRequest)
def handler(event: SetModeRequest, context: LambdaContext) -> dict[str, Any]:
    controls = DynamoControlsStore(client("dynamodb"), env(Env.CONTROLS_TABLE))
    outcome = set_modes(event, controls, ledger(), utc_now())
    logger.info("degradation set", incident_id=event.incident_id, modes=[m.value for m in outcome.modes])
    return outcome.model_dump(mode="json")
