"""HTTP API entry point for Adobe Commerce webhooks (POST /webhooks/adobe-commerce).

Commerce webhooks are synchronous: an accepted delivery answers `{"op": "success"}` with 200 so the
originating action (login, order) proceeds. Bulkhead's hooks are registered not `required`: if this
endpoint is down, Commerce carries on (fail-open), and the signal is lost rather than the checkout.
"""

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.ingest.adapters.http import accepted, current_request, resolve, resolver
from functions.ingest.domain import receive_adobe_commerce_webhook
from functions.ingest.wiring import ingest_deps

app = resolver()
PATH = "/webhooks/adobe-commerce"


@app.post(PATH)
def receive() -> Response[Any]:
    receipt = receive_adobe_commerce_webhook(current_request(app), ingest_deps(app.lambda_context))
    return accepted({"op": "success", **receipt.model_dump(mode="json")}, status=200)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve(app, event, context)
