"""HTTP API entry point for Adobe Commerce webhooks (POST /webhooks/adobe-commerce).

Commerce webhooks are synchronous: an accepted delivery answers `{"op": "success"}` with 200 so the
originating action (login, order) proceeds. Bulkhead's hooks are registered not `required`: if this
endpoint is down, Commerce carries on (fail-open), and the signal is lost rather than the checkout.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.ingest.adapters.http import entry_point
from functions.ingest.domain import receive_adobe_commerce_webhook
from functions.ingest.models import HttpRequest
from functions.ingest.wiring import ingest_deps


def _accept(request: HttpRequest, context: LambdaContext) -> dict[str, Any]:
    receipt = receive_adobe_commerce_webhook(request, ingest_deps(context))
    return {"op": "success", **receipt.model_dump(mode="json")}


app, handler = entry_point("/webhooks/adobe-commerce", _accept, status=200)
