"""Approving through `bulkhead serve`, as a person would: a high-severity webhook over real HTTP, the
page printed with its signed link, the link opened, the form posted, the response carried on."""

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from bulkhead.local.runtime import LocalFabric, local_fabric
from bulkhead.local.server import FabricServer
from functions.common import clients
from functions.ingest.shopify import sign
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.models import LedgerEntry
from infra.fabric import LOCAL_TUNABLES

SECRET = "sandbox-shopify-app-secret-acme-eu"
SCOPES_UPDATE = Path(__file__).parents[1] / "events" / "shopify" / "app_scopes_update.json"


@pytest.fixture
def served() -> Iterator[tuple[LocalFabric, FabricServer, list[str]]]:
    """Given `bulkhead serve` on the sandbox configuration (its link key, no base URL), on port 0."""
    lines: list[str] = []
    tunables = {**LOCAL_TUNABLES, "ApprovalTimeoutSeconds": 120}
    with local_fabric(log_level="ERROR", tunables=tunables) as fabric:
        server = FabricServer(fabric, port=0, report=lines.append)
        server.start()
        try:
            yield fabric, server, lines
        finally:
            server.stop()


def send(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def scopes_webhook() -> tuple[dict[str, str], bytes]:
    """`app/scopes_update` adding read_customers: the high-severity (not critical) rule. Shopify's
    documented sample adds write_products; this one is the same shape with read_customers added."""
    sample = json.loads(SCOPES_UPDATE.read_text())
    body = json.dumps(sample | {"current": [*sample["current"], "read_customers"]}).encode()
    return {
        "content-type": "application/json",
        "x-shopify-topic": "app/scopes_update",
        "x-shopify-shop-domain": "acme-wealth-eu.myshopify.com",
        "x-shopify-event-id": "serve-approval-1",
        "x-shopify-webhook-id": "wh-serve-approval-1",
        "x-shopify-triggered-at": datetime.now(UTC).isoformat(),
        "x-shopify-api-version": "2026-10",
        "x-shopify-hmac-sha256": sign(body, SECRET),
    }, body


def wait_for(condition: Callable[[], Any], seconds: float = 30.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s")


def ledger(fabric: LocalFabric, server: FabricServer, incident_id: str) -> list[LedgerEntry]:
    with server.lock:
        return list(DynamoLedgerStore(clients.client("dynamodb"), fabric.tables["Ledger"]).entries(incident_id))


def test_a_person_running_serve_sees_the_page_opens_its_link_and_approves(
    served: tuple[LocalFabric, FabricServer, list[str]],
) -> None:
    fabric, server, lines = served
    assert server.links

    # When a high-severity webhook arrives over HTTP
    headers, body = scopes_webhook()
    status, _ = send(f"{server.url}/webhooks/shopify", body, headers)
    assert status == 202

    # Then serve prints the page on-call receives, with a signed link to this very server
    def page() -> str | None:
        # (a sandbox store only ever drills: the page says so before anything else)
        wanted = "page to on-call: DRILL: Bulkhead: approval"
        return next((line for line in list(lines) if line.startswith(wanted)), None)

    printed = wait_for(page)
    found = re.search(r"(http://127\.0\.0\.1:\d+/approvals\?token=[A-Za-z0-9_.-]+)", printed)
    assert found, printed
    link = found.group(1)
    assert urlsplit(link).netloc == urlsplit(server.url).netloc
    incident_id = re.search(r"Incident (inc-[a-z0-9-]+)", printed).group(1)  # type: ignore[union-attr]

    # When the person opens the link: the decision page, naming the incident, with its form
    status, page_html = send(link)
    assert status == 200
    assert incident_id in page_html and 'name="decision" value="approve"' in page_html
    # ...deciding as the one roster person the link was made for, with no name to type
    assert "You are deciding as <b>Jonas Weber</b> (security)" in page_html and 'name="approver"' not in page_html
    # ...briefed on what it decides: the store, the data, the plan's actions and modes
    assert '<dl id="briefing"><dt>Store</dt><dd>acme-eu</dd>' in page_html
    assert re.search(r"<dt>Planned actions</dt><dd>\d+: shopify\.", page_html), page_html
    token = re.search(r'name="token" value="([^"]+)"', page_html).group(1)  # type: ignore[union-attr]

    # ...and presses Approve (the form posts to /approvals, relative to the link)
    form = urlencode({"token": token, "note": "scope grant is ours", "decision": "approve"})
    status, answer = send(
        f"{server.url}/approvals", form.encode(), {"content-type": "application/x-www-form-urlencoded"}
    )
    assert status == 200 and "approved by Jonas Weber" in answer

    # Then the response carries on and finishes, and the chain records who approved, by link
    wait_for(lambda: any(line.startswith("response succeeded") for line in list(lines)), seconds=60)
    granted = [e for e in ledger(fabric, server, incident_id) if e.type.value == "approval.granted"]
    assert [(e.actor, e.data["via"], e.data["person_id"]) for e in granted] == [
        ("person:Jonas Weber", "link", "jonas-weber")
    ]

    # ...and the same link cannot decide twice
    posted = {"content-type": "application/x-www-form-urlencoded"}
    status, again = send(f"{server.url}/approvals", form.encode(), posted)
    assert status == 409 and re.search(
        r"Already approved by Jonas Weber at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", again
    ), again


def test_a_forged_link_is_refused_and_nothing_is_recorded(
    served: tuple[LocalFabric, FabricServer, list[str]],
) -> None:
    _, server, _ = served
    status, html = send(f"{server.url}/approvals?token=eyJpbmNpZGVudF9pZCI6ICJ4In0.bm90LWEtbWFj")
    assert status == 403 and "cannot be used" in html


def test_pages_name_the_configured_base_url_when_the_configuration_names_one(tmp_path: Path) -> None:
    # Given a configuration that names its own base URL (a tunnel in front of serve)
    from bulkhead.local.runtime import DEFAULT_CONFIG

    firm = json.loads(DEFAULT_CONFIG.read_text())
    firm["policy"]["approval_link_base_url"] = "https://bulkhead-dev.example.ngrok.app"
    (tmp_path / "firm.json").write_text(json.dumps(firm))
    with local_fabric(tmp_path / "firm.json", log_level="ERROR") as _fabric:
        server = FabricServer(_fabric, port=0, report=lambda _line: None)
        try:
            # Then serve keeps it
            parameter = clients.client("ssm").get_parameter(Name="/bulkhead/config")["Parameter"]["Value"]
            assert json.loads(parameter)["policy"]["approval_link_base_url"] == "https://bulkhead-dev.example.ngrok.app"
            assert server.links
        finally:
            server.httpd.server_close()
