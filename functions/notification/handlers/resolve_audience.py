"""Step ResolveAudience -> notification.domain.resolve_audience."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.common.wiring import firm_config, utc_now
from functions.ledger.wiring import ledger
from functions.notification import wiring
from functions.notification.domain import resolve_audience
from functions.notification.models import ResolveRequest


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=ResolveRequest)
def handler(event: ResolveRequest, context: LambdaContext) -> dict[str, Any]:
    config = firm_config()
    directory = wiring.directory(config.store(event.incident.store_id), wiring.http())
    email_rate = wiring.email(config, event.incident.incident_id).max_send_rate()
    result = resolve_audience(
        event, config, directory, wiring.rosters(), wiring.pseudonyms(config), email_rate, ledger(), utc_now()
    )
    logger.info("audience resolved", incident_id=result.incident_id, customers=result.customers, batches=result.batches)
    return result.model_dump(mode="json")
