"""Step DraftRegulatorNotices -> notification.domain.draft_regulator_notices (drafts only, never sent)."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.common.wiring import firm_config, utc_now
from functions.ledger.wiring import ledger
from functions.notification import wiring
from functions.notification.domain import draft_regulator_notices
from functions.notification.models import RegulatorDraftRequest


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=RegulatorDraftRequest)
def handler(event: RegulatorDraftRequest, context: LambdaContext) -> dict[str, Any]:
    result = draft_regulator_notices(event, firm_config(), wiring.rosters(), ledger(), utc_now(), wiring.journal())
    logger.info("regulator notices drafted", incident_id=result.incident_id, drafts=len(result.drafts))
    return result.model_dump(mode="json")
