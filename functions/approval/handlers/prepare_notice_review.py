"""Step PrepareNoticeReview -> approval.notice_review.prepare_review (render, hash, keep for the reviewer)."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.approval.models import NoticeReviewPrepare
from functions.approval.notice_review import prepare_review, review_document
from functions.approval.wiring import notice_review_store
from functions.common.observability import logger, tracer
from functions.common.wiring import firm_config, utc_now
from functions.ledger.wiring import ledger
from functions.notification import wiring
from functions.notification.domain import notices_for_review
from functions.notification.facts import notice_facts


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=NoticeReviewPrepare)
def handler(event: NoticeReviewPrepare, context: LambdaContext) -> dict[str, Any]:
    config, now, incident = firm_config(), utc_now(), event.incident
    facts = notice_facts(wiring.journal().entries(incident.incident_id), now)
    rendered = notices_for_review(incident, config, event.audience, event.mode, facts, now.date())
    channels = tuple(c.value for c in event.audience.channels)
    document = review_document(rendered, event.audience.customers, channels, now)
    result = prepare_review(event, config, document, notice_review_store(), ledger(), now)
    logger.info("notice review prepared", incident_id=incident.incident_id, next=result.next)
    return result.model_dump(mode="json")
