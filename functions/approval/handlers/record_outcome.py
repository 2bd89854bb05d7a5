"""Step RecordApprovalOutcome -> approval.domain.record_unapproved (escalate, proceed or stop)."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.approval.domain import record_unapproved
from functions.approval.models import UnapprovedRequest
from functions.approval.wiring import approval_store
from functions.common.observability import logger, tracer
from functions.common.wiring import firm_config, utc_now
from functions.ledger.wiring import ledger


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=UnapprovedRequest)
def handler(event: UnapprovedRequest, context: LambdaContext) -> dict[str, Any]:
    recorded = record_unapproved(event, firm_config().policy, approval_store(), ledger(), utc_now())
    logger.warning("response not approved", incident_id=recorded.incident_id, outcome=recorded.outcome)
    return recorded.model_dump(mode="json")
