"""HTTP API entry point for Shopify Flow "Send HTTP request" (POST /webhooks/shopify-flow), token-checked."""

from functions.ingest.adapters.http import entry_point
from functions.ingest.domain import receive_flow_request
from functions.ingest.wiring import ingest_deps

app, handler = entry_point(
    "/webhooks/shopify-flow", lambda request, context: receive_flow_request(request, ingest_deps(context))
)
