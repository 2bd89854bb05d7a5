"""Step RecordNoticeReviewOutcome -> approval.notice_review.record_unreviewed (escalate, hold or send)."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.approval.models import UnreviewedRequest
from functions.approval.notice_review import record_unreviewed
from functions.approval.wiring import notice_review_store
from functions.common.observability import logger, tracer
from functions.common.wiring import firm_config, utc_now
from functions.ledger.wiring import ledger


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=UnreviewedRequest)
def handler(event: UnreviewedRequest, context: LambdaContext) -> dict[str, Any]:
    result = record_unreviewed(event, firm_config(), notice_review_store(), ledger(), utc_now())
    logger.warning("notice not approved", incident_id=result.incident_id, outcome=result.outcome, next=result.next)
    return result.model_dump(mode="json")
