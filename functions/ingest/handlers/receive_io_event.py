"""HTTP API entry point for Adobe I/O Events (GET challenge and POST deliveries on /webhooks/adobe-io)."""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from functions.ingest.adapters.http import accepted, challenge_of, current_request, entry_point
from functions.ingest.domain import receive_io_event
from functions.ingest.wiring import ingest_deps

PATH = "/webhooks/adobe-io"
app, handler = entry_point(PATH, lambda request, context: receive_io_event(request, ingest_deps(context)))


@app.get(PATH)
def challenge() -> Response[Any]:
    """Adobe I/O Events' registration check: the `challenge` echoed back; any other GET is refused
    by the domain, as any other bad delivery."""
    echoed = challenge_of(app.current_event.raw_event)
    if echoed is None:
        return accepted(receive_io_event(current_request(app), ingest_deps(app.lambda_context)))
    return Response(200, "application/json", {"challenge": echoed})
