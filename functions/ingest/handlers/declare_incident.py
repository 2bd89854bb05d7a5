"""HTTP API entry point for operators' declarations (POST /incidents), Bearer-token authenticated."""

from functions.ingest.adapters.http import entry_point
from functions.ingest.domain import declare_incident
from functions.ingest.wiring import ingest_deps

app, handler = entry_point("/incidents", lambda request, context: declare_incident(request, ingest_deps(context)))
