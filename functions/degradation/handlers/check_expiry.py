"""Scheduled every 5 minutes -> degradation.domain.check_expiry (metric + page when a mode is overdue)."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.clients import client
from functions.common.observability import logger, metrics, tracer
from functions.common.settings import Env, env
from functions.common.wiring import firm_config, utc_now
from functions.degradation.adapters.alarm import OverdueAlarm
from functions.degradation.domain import check_expiry
from functions.degradation.models import ExpiryCheckRequest
from functions.degradation.wiring import controls_store


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=ExpiryCheckRequest)
def handler(event: ExpiryCheckRequest, context: LambdaContext) -> dict[str, Any]:
    stores = event.store_ids or tuple(s.store_id for s in firm_config().stores)
    alarm = OverdueAlarm(metrics, client("sns"), env(Env.ONCALL_TOPIC))
    report = check_expiry(stores, controls_store(), alarm, utc_now())
    logger.info("modes checked", overdue=len(report.overdue), unreachable=len(report.unreachable))
    return report.model_dump(mode="json")
