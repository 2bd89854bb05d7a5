"""The thin-path drill: a signed Shopify webhook in, a contained incident and a verified ledger out.

It drives the local fabric exactly as a platform would (an HTTP API event to the ingest handler)
and reports what happened: the webhook's answer, the timeline of every step, the response's
outcome, and the verification of the incident's hash chain. It also sends the same delivery with a
forged signature and checks that it was refused and emitted nothing.
"""

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bulkhead.local.runtime import LocalFabric
from bulkhead.local.timeline import Step, ingest_steps, steps_from_history
from functions.common import clients
from functions.ingest.shopify import sign
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.adapters.kms import KmsHeadSigner
from functions.ledger.adapters.s3 import S3AnchorStore
from functions.ledger.domain import verify_ledger
from functions.ledger.models import LedgerEntry, LedgerVerdict
from infra import fabric as fabric_spec

SANDBOX_SHOP = "acme-wealth-eu.myshopify.com"
SANDBOX_SECRET_ID = "bulkhead/acme-eu/webhook-secret"


@dataclass(frozen=True)
class DrillRun:
    accepted_status: int
    forged_status: int
    forged_emitted: int
    incident_id: str | None
    execution_status: str
    outcome: dict[str, Any]
    steps: list[Step]
    entries: list[LedgerEntry]
    verdict: LedgerVerdict | None
    webhook_to_done_seconds: float


BULK_QUERY_MUTATION = (
    "mutation bulkOperationRunQuery($query: String!) {\n  bulkOperationRunQuery(query: $query) {\n"
    "    bulkOperation {\n      id\n      status\n    }\n    userErrors {\n      field\n      message\n    }\n  }\n}"
)
CUSTOMER_EXPORT_QUERY = (
    "{ customers { edges { node { id defaultEmailAddress { emailAddress } defaultPhoneNumber { phoneNumber } } } } }"
)


def audit_event(app_id: int, query: str, variables: dict[str, object], mutations: list[str]) -> dict[str, object]:
    """One entry of `audit_events/admin_api_activity` in the shape of Shopify's documented sample
    (tests/events/shopify/audit_events_admin_api_activity.json): the app under `actor`, the request
    under `additional_metadata`."""
    return {
        "time": 1796104800,
        "event": {
            "context": {"context_type": "network_request", "context_metadata": {"response_code": 200}},
            "action": "api_request",
            "actor": {
                "actor_type": "app",
                "actor_identifier": app_id,
                "actor_metadata": {"app_name": "Drill exporter", "ecosystem_category": "custom"},
            },
            "subject": {"subject_type": "shop", "subject_identifier": SANDBOX_SHOP, "subject_metadata": {}},
            "timestamp": "2026-11-27T08:10:02Z",
            "additional_metadata": {
                "request_type": "GraphQL",
                "mutation_names": mutations,
                "query": query,
                "variables": variables,
                "error_codes": [],
            },
        },
    }


def bulk_export_webhook(
    secret: str, event_id: str = "drill-bulk-export-1", app_id: int = 9912345, triggered_at: datetime | None = None
) -> tuple[dict[str, str], bytes]:
    """The audit trail's record of a bulk export of every customer by an app that is not on the
    allow-list (`bulkOperationRunQuery` over `customers`), delivered as an HTTPS webhook.

    Only the audit trail names the app: `bulk_operations/finish` reaches only the app that started
    the operation and names none. Shopify delivers this topic through EventBridge; the HTTPS route
    accepts it so the drill needs no partner event source.
    """
    export = audit_event(app_id, BULK_QUERY_MUTATION, {"query": CUSTOMER_EXPORT_QUERY}, ["bulkOperationRunQuery"])
    body = json.dumps({"events": [export]}).encode()
    headers = {
        "content-type": "application/json",
        "x-shopify-topic": "audit_events/admin_api_activity",
        "x-shopify-shop-domain": SANDBOX_SHOP,
        "x-shopify-event-id": f"evt-{event_id}",
        "x-shopify-webhook-id": event_id,
        "x-shopify-triggered-at": (triggered_at or datetime.now(UTC)).isoformat(),
        "x-shopify-api-version": "2026-10",
        "x-shopify-hmac-sha256": sign(body, secret),
    }
    return headers, body


def run_thin_path(fabric: LocalFabric) -> DrillRun:
    secret = clients.client("secretsmanager").get_secret_value(SecretId=SANDBOX_SECRET_ID)["SecretString"]
    # Each run is a new attack by a new app, so it declares its own incident even within the
    # correlation window of an earlier drill kept in the local state.
    run_id = uuid.uuid4()
    headers, body = bulk_export_webhook(secret, event_id=f"drill-{run_id}", app_id=run_id.int % 10**9)

    forged = {**headers, "x-shopify-hmac-sha256": sign(body, "not-the-app-secret")}
    pending = fabric.pending_routed_events()
    forged_answer = fabric.post("/webhooks/shopify", forged, body)
    # A refused delivery emits nothing: counted as this delivery's growth of the route queues (a
    # service may be delivering other drills' events meanwhile, so never below zero).
    forged_emitted = max(0, fabric.pending_routed_events() - pending) if forged_answer.status >= 400 else 0

    mark = time.monotonic()
    started = time.perf_counter()
    answer = fabric.post("/webhooks/shopify", headers, body)
    signal_id = str(answer.body.get("signal_id") or "")
    # Only this drill's response is waited for: other work in a shared fabric may keep running.
    arn = fabric.await_response(signal_id) if signal_id else None
    elapsed = time.perf_counter() - started

    if arn is None:
        return DrillRun(
            answer.status, forged_answer.status, forged_emitted, None, "NOT_STARTED", {}, [], [], None, elapsed
        )
    execution = fabric.execution(arn)
    declared = json.loads(execution["input"])
    incident_id = declared["incident"]["incident_id"]
    history = clients.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)["events"]
    store = DynamoLedgerStore(clients.client("dynamodb"), fabric.tables["Ledger"])
    entries = list(store.entries(incident_id))
    anchors = S3AnchorStore(clients.client("s3"), fabric.buckets["LedgerAnchors"]).anchors(incident_id)
    public_key = KmsHeadSigner(clients.client("kms"), fabric_spec.SIGNING_KEYS[0].alias).public_key_pem()
    verdict = verify_ledger(incident_id, list(store.sealed(incident_id)), anchors, public_key)
    return DrillRun(
        accepted_status=answer.status,
        forged_status=forged_answer.status,
        forged_emitted=forged_emitted,
        incident_id=incident_id,
        execution_status=str(execution["status"]),
        outcome=json.loads(execution.get("output") or "{}"),
        steps=ingest_steps(fabric.invocations.items(), since=mark) + steps_from_history(history),
        entries=entries,
        verdict=verdict,
        webhook_to_done_seconds=elapsed,
    )
