"""HTTP GET/POST /approvals (a signed link) -> approval.http.resolver -> domain.decide_by_link or
notice_review.decide_review_by_link."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.approval.http import resolver
from functions.approval.wiring import approval_store, execution, link_key, notice_review_store
from functions.common.observability import logger, tracer
from functions.common.wiring import firm_config, utc_now
from functions.incidents.wiring import chain
from functions.ledger.wiring import ledger

app = resolver(
    lambda: link_key(firm_config().policy),
    approval_store,
    execution,
    ledger,
    utc_now,
    lambda i: chain().entries(i),
    notice_review_store,
)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    answer = app.resolve(event, context)
    logger.info("approval link answered", status=answer["statusCode"])
    return answer
