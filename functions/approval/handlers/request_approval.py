"""Step AwaitApproval (waitForTaskToken) -> approval.domain.request_approval."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.approval.adapters.aws import DynamoApprovalStore, SnsPager
from functions.approval.domain import request_approval
from functions.approval.models import ApprovalRequest
from functions.common.clients import client
from functions.common.observability import logger, tracer
from functions.common.settings import Env, env
from functions.common.wiring import utc_now
from functions.ledger.wiring import ledger


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=ApprovalRequest)
def handler(event: ApprovalRequest, context: LambdaContext) -> dict[str, Any]:
    store = DynamoApprovalStore(client("dynamodb"), env(Env.APPROVALS_TABLE))
    pager = SnsPager(client("sns"), env(Env.ONCALL_TOPIC))
    pending = request_approval(event, store, pager, ledger(), utc_now())
    logger.info("approval requested", incident_id=pending.incident_id, expires_at=pending.expires_at.isoformat())
    return {"incident_id": pending.incident_id, "expires_at": pending.expires_at.isoformat()}
