"""Step ClearIncidentModes of statemachines/restore.asl.json -> degradation.domain.clear_incident_modes."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.common.wiring import firm_config, utc_now
from functions.degradation.domain import clear_incident_modes
from functions.degradation.models import IncidentModesRequest
from functions.degradation.wiring import controls_store, incident_entries, projector
from functions.ledger.wiring import ledger


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=IncidentModesRequest)
def handler(event: IncidentModesRequest, context: LambdaContext) -> dict[str, Any]:
    result = clear_incident_modes(
        event,
        incident_entries(event.incident_id),
        controls_store(),
        ledger(),
        lambda store: projector(firm_config(), store),
        utc_now(),
    )
    logger.info("incident modes cleared", incident_id=event.incident_id, cleared=result.count, kept=result.kept)
    # `count` and `failed` are what CloseRestore reads (its Catch path sets failed: true).
    return {**result.model_dump(mode="json"), "count": result.count, "failed": False}
