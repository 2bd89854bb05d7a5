"""Step AwaitNoticeReview (waitForTaskToken) -> approval.notice_review.request_review."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.approval.models import NoticeReviewRequest
from functions.approval.notice_review import request_review
from functions.approval.wiring import link_maker, notice_review_store
from functions.common.observability import logger, tracer
from functions.common.wiring import firm_config, utc_now
from functions.ledger.wiring import ledger
from functions.paging.wiring import oncall_pager


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=NoticeReviewRequest)
def handler(event: NoticeReviewRequest, context: LambdaContext) -> dict[str, Any]:
    policy = firm_config().policy
    pending = request_review(event, notice_review_store(), oncall_pager, link_maker(policy), ledger(), utc_now())
    logger.info("notice review requested", incident_id=pending.incident_id, stage=pending.stage)
    return {"incident_id": pending.incident_id, "stage": pending.stage}
