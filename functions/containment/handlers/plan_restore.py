"""Step PlanRestore of statemachines/restore.asl.json -> containment.domain.plan_restore."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.common.wiring import firm_config
from functions.containment import wiring
from functions.containment.domain import plan_restore
from functions.containment.models import RestoreRequest


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=RestoreRequest)
def handler(event: RestoreRequest, context: LambdaContext) -> dict[str, Any]:
    plan = plan_restore(event, wiring.journal(), firm_config())
    logger.info("restore planned", incident_id=event.incident_id, actions=len(plan.actions))
    return plan.model_dump(mode="json")
