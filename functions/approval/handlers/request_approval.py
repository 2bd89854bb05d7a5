"""Step AwaitApproval (waitForTaskToken) -> approval.domain.request_approval."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.approval.domain import request_approval
from functions.approval.models import ApprovalRequest
from functions.approval.wiring import approval_store, link_maker
from functions.common.config import Role
from functions.common.observability import logger, tracer
from functions.common.wiring import firm_config, utc_now
from functions.ledger.wiring import ledger
from functions.paging.wiring import oncall_pager


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=ApprovalRequest)
def handler(event: ApprovalRequest, context: LambdaContext) -> dict[str, Any]:
    config = firm_config()
    policy = config.policy
    pending = request_approval(
        event,
        policy,
        approval_store(),
        oncall_pager,
        link_maker(policy),
        ledger(),
        utc_now(),
        people=lambda stage: config.people(stage.role) if stage.role else (),
        dpo=next((p.name for p in config.people(Role.DPO)), None),
    )
    logger.info("approval requested", incident_id=pending.incident_id, stage=pending.stage_name)
    return {"incident_id": pending.incident_id, "stage": pending.stage, "expires_at": pending.expires_at.isoformat()}
