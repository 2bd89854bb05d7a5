"""EventBridge entry point: one `SignalReceived` event in, a disposition out."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from functions.common.observability import logger, tracer
from functions.detection.domain import detect
from functions.detection.wiring import detect_deps
from functions.ingest.models import Signal


class SignalReceivedEvent(BaseModel):
    """The EventBridge envelope; only `detail` (the signal) matters here."""

    model_config = ConfigDict(extra="ignore")

    detail: Signal


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=SignalReceivedEvent)
def handler(event: SignalReceivedEvent, context: LambdaContext) -> dict[str, Any]:
    disposition = detect(event.detail, detect_deps())
    logger.info(
        "signal disposed", outcome=disposition.outcome, rule_id=disposition.rule_id, incident_id=disposition.incident_id
    )
    return disposition.model_dump(mode="json")
