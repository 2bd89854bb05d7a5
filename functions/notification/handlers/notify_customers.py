"""Step NotifyCustomers -> notification.domain.notify_customers."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.common.wiring import utc_now
from functions.ledger.wiring import ledger
from functions.notification.domain import notify_customers
from functions.notification.models import NotifyRequest


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=NotifyRequest)
def handler(event: NotifyRequest, context: LambdaContext) -> dict[str, Any]:
    outcome = notify_customers(event, ledger(), utc_now())
    logger.info("notification step done", incident_id=event.incident_id, planned=outcome.planned)
    return outcome.model_dump(mode="json")
