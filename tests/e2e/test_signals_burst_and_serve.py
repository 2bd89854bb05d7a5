"""Signals end to end: a burst becomes one incident; `bulkhead serve` takes real HTTP webhooks; findings route."""

import json
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bulkhead.local.drill import bulk_export_webhook
from bulkhead.local.runtime import LocalFabric
from bulkhead.local.server import FabricServer, Reply
from functions.common import clients
from functions.detection.adapters.dynamodb import DynamoDispositionStore
from functions.ledger.adapters.dynamodb import DynamoLedgerStore

SECRET = "sandbox-shopify-app-secret-acme-eu"


BURST = 120


def incidents(fabric: LocalFabric) -> set[str]:
    return {json.loads(fabric.execution(a)["input"])["incident"]["incident_id"] for a in fabric.executions}


def test_a_burst_of_signals_of_one_attack_opens_one_incident_and_counts_the_rest(fabric: LocalFabric) -> None:
    # Given 120 distinct deliveries of one app's bulk exports within one window (one trigger time, so
    # a run that straddles the top of the hour cannot split the burst across two fixed windows):
    # past the 100th, the last count checkpoint a burst of this size reaches
    triggered_at = datetime.now(UTC)
    for n in range(BURST):
        headers, body = bulk_export_webhook(SECRET, event_id=f"burst-{n}", triggered_at=triggered_at)
        assert fabric.post("/webhooks/shopify", headers, body).status == 202
    # When detection has run on all of them
    fabric.settle(timeout_seconds=300)
    # Then one incident was declared and one response started
    assert len(fabric.executions) == 1
    [incident] = incidents(fabric)
    # ...the day's dispositions hold the exact counts
    day = f"{datetime.now(UTC):%Y-%m-%d}"
    [window] = DynamoDispositionStore(clients.client("dynamodb"), fabric.tables["Dispositions"]).day(day)
    assert (window.incident_id, window.outcomes) == (incident, {"ignored": 0, "declared": 1, "merged": BURST - 1})
    # ...and the incident's chain got count checkpoints, not one disposition entry per signal
    entries = list(DynamoLedgerStore(clients.client("dynamodb"), fabric.tables["Ledger"]).entries(incident))
    assert sum(e.type.value.startswith("signal.") for e in entries) == 3  # declared, 10th, 100th (not 120)


def test_a_macie_finding_put_on_the_bus_is_routed_to_ingest_and_declares(fabric: LocalFabric) -> None:
    finding = json.loads(Path("tests/events/aws/macie_sensitive_data.json").read_text())
    finding["detail"]["updatedAt"] = datetime.now(UTC).isoformat()
    clients.client("events").put_events(
        Entries=[
            {
                "EventBusName": "bulkhead",
                "Source": finding["source"],
                "DetailType": finding["detail-type"],
                "Detail": json.dumps(finding["detail"]),
            }
        ]
    )
    fabric.settle()
    declared = [json.loads(fabric.execution(a)["input"])["incident"] for a in fabric.executions]
    assert [(i["rule_id"], i["severity"]) for i in declared] == [("macie-customer-export-bucket", "critical")]


def test_bulkhead_serve_takes_a_real_http_webhook_and_runs_the_response(fabric: LocalFabric) -> None:
    lines: list[str] = []
    server = FabricServer(fabric, port=0, report=lines.append)
    server.start()
    try:
        headers, body = bulk_export_webhook(SECRET, event_id="served-1")
        request = urllib.request.Request(f"{server.url}/webhooks/shopify", data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 202
        forged = urllib.request.Request(
            f"{server.url}/webhooks/shopify", data=body + b" ", headers=headers, method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=10)
        assert refused.value.code == 401
        deadline = time.monotonic() + 60
        while not any(line.startswith("response ") and "running" not in line for line in lines):
            assert time.monotonic() < deadline, lines
            time.sleep(0.1)
    finally:
        server.stop()
    assert "POST /webhooks/shopify -> 202" in lines
    assert any(line.startswith("POST /webhooks/shopify -> 401") for line in lines)
    assert len(incidents(fabric)) == 1


def test_bulkhead_serve_passes_a_handlers_html_answer_through() -> None:
    # Given a handler that answers with an HTML page (the approval link page does)
    answer = {"statusCode": 200, "headers": {"Content-Type": "text/html; charset=utf-8"}, "body": "<p>Approve?</p>"}
    # When serve turns it into an HTTP reply
    reply = Reply.from_lambda(answer)
    # Then the page goes out as it was, not re-encoded as JSON
    assert (reply.status, reply.content_type, reply.body) == (200, "text/html; charset=utf-8", b"<p>Approve?</p>")
    assert reply.error == ""


def test_bulkhead_serve_reports_the_reason_of_a_json_refusal() -> None:
    reply = Reply.from_lambda({"statusCode": 401, "body": json.dumps({"error": "signature does not match"})})
    assert (reply.status, reply.content_type, reply.error) == (401, "application/json", "signature does not match")


def test_bulkhead_serve_answers_an_approval_route_with_the_handlers_own_status(fabric: LocalFabric) -> None:
    server = FabricServer(fabric, port=0, report=lambda line: None)
    reply = server.handle("GET", "/approvals?incident=inc-20261127-000000000000&stage=0&token=forged", {}, b"")
    assert reply.status in {403, 404}  # refused by the approval handler, never a 502 from serve itself
