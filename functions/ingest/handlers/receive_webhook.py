"""HTTP API entry point for Shopify HTTPS webhooks (POST /webhooks/shopify): verify, dedupe, publish."""

from functions.ingest.adapters.http import entry_point
from functions.ingest.domain import receive_shopify_webhook
from functions.ingest.wiring import ingest_deps

app, handler = entry_point(
    "/webhooks/shopify", lambda request, context: receive_shopify_webhook(request, ingest_deps(context))
)
