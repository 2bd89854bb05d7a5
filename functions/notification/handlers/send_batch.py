"""Step SendNotices (one Distributed Map item) -> notification.domain.send_batch."""

import time
from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.common.wiring import firm_config, utc_now
from functions.ledger.wiring import ledger
from functions.notification import wiring
from functions.notification.domain import Channels, send_batch
from functions.notification.models import SendBatchRequest
from functions.notification.pacing import TokenBucket


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=SendBatchRequest)
def handler(event: SendBatchRequest, context: LambdaContext) -> dict[str, Any]:
    config = firm_config()
    sms = wiring.sms()
    channels = Channels(
        guard=wiring.guard(),
        email=wiring.email(config, event.incident.incident_id),
        email_pacer=TokenBucket(event.email_rate_per_worker, time.monotonic, time.sleep),
        sms=sms,
        sms_pacer=TokenBucket(config.notices.sms_max_rate, time.monotonic, time.sleep),
        sms_budget=wiring.sms_budget(config, sms),
    )
    outcome = send_batch(event, config, wiring.rosters(), channels, ledger(), utc_now, wiring.journal())
    logger.info("batch sent", incident_id=event.incident.incident_id, batch=outcome.batch, emailed=outcome.emailed)
    return outcome.model_dump(mode="json")
