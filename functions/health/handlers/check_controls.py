"""Daily control-health canary: check every control Bulkhead relies on, record the result, raise drift."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.clients import client, http
from functions.common.config import Platform, StoreConfig
from functions.common.observability import logger, metrics
from functions.common.settings import Env, env
from functions.common.wiring import firm_config, secret, utc_now
from functions.detection.adapters.dynamodb import DynamoDispositionStore
from functions.health.adapters.aws import EmfDriftAlarm, SesControls, SnsOnCall
from functions.health.adapters.flow import DispositionFlowDeliveries
from functions.health.adapters.platforms import AdobeCommerceControls, ShopifyControls
from functions.health.domain import check_controls, record_health
from functions.health.models import CanaryRequest
from functions.ledger.wiring import ledger


def _token(store: StoreConfig) -> str:
    return secret(store.admin_token_secret_id)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = CanaryRequest.model_validate(event or {})
    now = utc_now()
    platforms = {
        Platform.SHOPIFY: ShopifyControls(http(), _token),
        Platform.ADOBE_COMMERCE: AdobeCommerceControls(http(), _token),
    }
    oncall = SnsOnCall(client("sns"), env(Env.ONCALL_TOPIC))
    flow = DispositionFlowDeliveries(DynamoDispositionStore(client("dynamodb"), env(Env.DISPOSITIONS_TABLE)))
    report = check_controls(firm_config(), platforms, SesControls(client("ses")), oncall, now, flow)  # type: ignore[arg-type]
    if request.record:
        record_health(report, ledger(), EmfDriftAlarm(metrics), now)
    logger.info("control health checked", healthy=report.healthy, broken=len(report.broken()))
    return report.model_dump(mode="json")
