"""Monthly schedule -> drills.domain.start_scheduled_drill: the configured scenario, mode drill."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger
from functions.common.wiring import firm_config, utc_now
from functions.drills import wiring
from functions.drills.adapters.catalogue import load_catalogue
from functions.drills.domain import start_scheduled_drill


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = start_scheduled_drill(firm_config(), load_catalogue(), wiring.response(), utc_now())
    logger.info("scheduled drill", started=result.started, reason=result.reason, incident_id=result.incident_id)
    return result.model_dump(mode="json")
