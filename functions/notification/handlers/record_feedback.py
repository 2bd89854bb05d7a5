"""SES feedback (event destination -> SNS -> this function) -> notification.domain.record_feedback."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import SnsModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.common.wiring import utc_now
from functions.ledger.wiring import ledger
from functions.notification.adapters.ses_feedback import parse_feedback
from functions.notification.domain import record_feedback


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=SnsModel)
def handler(event: SnsModel, context: LambdaContext) -> dict[str, Any]:
    recorded = record_feedback([parse_feedback(str(r.Sns.Message)) for r in event.Records], ledger(), utc_now())
    logger.info("notification feedback recorded", incidents=len(recorded), events=len(event.Records))
    return {"recorded": [c.model_dump(mode="json") for c in recorded]}
