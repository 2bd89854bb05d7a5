"""EventBridge entry point: one `SignalReceived` event in, a disposition out."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from functions.common.clients import client
from functions.common.observability import logger, tracer
from functions.common.settings import Env, env
from functions.common.wiring import firm_config, utc_now
from functions.detection.adapters.eventbridge import EventBridgeIncidentBus
from functions.detection.domain import detect
from functions.detection.rules import DEFAULT_RULES
from functions.ingest.models import Signal
from functions.ledger.wiring import ledger


class SignalReceivedEvent(BaseModel):
    """The EventBridge envelope; only `detail` (the signal) matters here."""

    model_config = ConfigDict(extra="ignore")

    detail: Signal


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=SignalReceivedEvent)
def handler(event: SignalReceivedEvent, context: LambdaContext) -> dict[str, Any]:
    bus = EventBridgeIncidentBus(client("events"), env(Env.EVENT_BUS))
    disposition = detect(event.detail, DEFAULT_RULES, firm_config(), ledger(), bus, utc_now())
    logger.info("signal disposed", **disposition.model_dump(mode="json"))
    return disposition.model_dump(mode="json")
