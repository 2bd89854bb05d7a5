"""The local fabric as one service per state directory, every command a client of it.

Given a state directory in tmp, When commands run (each starts the service on demand or finds the
running one), Then: two drills at once are both kept and both verify after a restart; what
`bulkhead serve` takes in over HTTP is what `status`, `approve` and `ledger verify` see; a drill
cut off by kill -9 loses no acknowledged ledger entry, is marked interrupted, and can be resumed,
or abandoned with its containment and degradation undone; a second service on the same directory
is refused. Every service started here is stopped by the suite's fixture.
"""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from bulkhead.cli.main import app
from bulkhead.local import client
from bulkhead.local.service import AlreadyRunning, ServiceInfo, exclusive
from functions.common import clients
from functions.degradation.adapters.dynamodb import DynamoControlsStore
from functions.ingest.shopify import sign
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.models import LedgerEntry

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
SCOPES_UPDATE = ROOT / "tests" / "events" / "shopify" / "app_scopes_update.json"
SECRET = "sandbox-shopify-app-secret-acme-eu"


def bulkhead(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def wait_for(condition: Callable[[], Any], seconds: float = 90.0, every: float = 0.05) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"not within {seconds} s")


def ledger(service: client.Service, incident_id: str) -> list[LedgerEntry]:
    with service.connected():
        table = service.describe()["tables"]["Ledger"]
        return list(DynamoLedgerStore(clients.client("dynamodb"), table).entries(incident_id))


def drill(service: client.Service, reports: Path) -> dict[str, Any]:
    return dict(service.control("POST", "/local/drill", {"reports": str(reports)}))


def incident_of(output: str) -> str:
    found = re.search(r"Ledger of (inc-[0-9a-z-]+)", output)
    assert found, output
    return found.group(1)


def entries_verified(output: str) -> int:
    found = re.search(r"Ledger verified: (\d+) entries chained", " ".join(output.split()))
    assert found, output
    return int(found.group(1))


def test_two_drills_at_once_are_both_kept_and_both_verify(tmp_path: Path) -> None:
    state = tmp_path / "state"
    service = client.connect(state)
    answers: list[dict[str, Any]] = []
    threads = [threading.Thread(target=lambda: answers.append(drill(service, tmp_path / "reports"))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a["exit_code"] for a in answers] == [0, 0], [a["output"][-2000:] for a in answers]
    incidents = {incident_of(a["output"]) for a in answers}
    assert len(incidents) == 2
    # ...each drill printed how many entries its verified ledger held
    printed = {incident_of(a["output"]): entries_verified(a["output"]) for a in answers}

    # When the service stops and a later command starts a new one on the same directory
    client.stop(state)
    for incident in sorted(incidents):
        code, output = bulkhead("ledger", "verify", incident, "--state-dir", str(state))
        # Then both incidents are there, whole: every entry, every anchor
        assert code == 0, output
        assert f"VALID {incident}: {printed[incident]} entries" in output


def test_what_serve_takes_in_every_command_sees(tmp_path: Path) -> None:
    # Given `bulkhead serve` running in the foreground of another terminal, on a free port
    state = tmp_path / "state"
    # Its output goes to a file: serve prints every request and page, and a pipe no one reads fills
    # up and blocks it.
    printed = (tmp_path / "serve.out").open("wb")
    serve = subprocess.Popen(
        [sys.executable, "-m", "bulkhead.cli.main", "serve", "--port", "0", "--state-dir", str(state)],
        cwd=ROOT,
        stdout=printed,
        stderr=subprocess.STDOUT,
    )
    try:
        info: ServiceInfo = wait_for(lambda: ServiceInfo.read(state.resolve()), seconds=120, every=0.2)
        # When a platform delivers a high-severity webhook to it (approval required)
        # (Shopify's documented sample, with the app now also granted read_customers)
        sample = json.loads(SCOPES_UPDATE.read_text())
        body = json.dumps({**sample, "current": [*sample["current"], "read_customers"]}).encode()
        headers = {
            "content-type": "application/json",
            "x-shopify-topic": "app/scopes_update",
            "x-shopify-shop-domain": "acme-wealth-eu.myshopify.com",
            "x-shopify-event-id": "service-test-1",
            "x-shopify-webhook-id": "wh-service-test-1",
            "x-shopify-triggered-at": datetime.now(UTC).isoformat(),
            "x-shopify-api-version": "2026-10",
            "x-shopify-hmac-sha256": sign(body, SECRET),
        }
        answer = httpx.post(f"{info.url}/webhooks/shopify", content=body, headers=headers, timeout=30)
        assert answer.status_code == 202, answer.text
        service = client.connect(state)
        assert service.info.pid == info.pid  # the command found serve; it started no second service

        def waiting() -> str | None:
            found = [c for c in _incidents(service) if "approval.requested" in _types(service, c)]
            return found[0] if found else None

        incident = wait_for(waiting)
        # Then a command approves it, as on-call would
        code, output = bulkhead("approve", incident, "--as", "maria-keller", "--state-dir", str(state))
        assert code == 0, output
        wait_for(lambda: _ended(_types(service, incident)))
        # ...and `status` and `ledger verify`, in their own processes' turns, see the same incident
        code, output = bulkhead("status", "--state-dir", str(state))
        assert code == 0 and f"pid {info.pid}" in output, output
        code, output = bulkhead("ledger", "verify", incident, "--state-dir", str(state))
        assert code == 0 and f"VALID {incident}" in output, output
        granted = [e for e in ledger(service, incident) if e.type.value == "approval.granted"]
        assert [(e.actor, e.data["person_id"]) for e in granted] == [("person:Maria Keller", "maria-keller")]
        # When serve is stopped from another command, it exits cleanly and says so
        code, output = bulkhead("serve", "--stop", "--state-dir", str(state))
        assert code == 0 and "stopped" in output, output
        assert serve.wait(timeout=60) == 0
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
        printed.close()


def _incidents(service: client.Service) -> list[str]:
    with service.connected():
        table = service.describe()["tables"]["Ledger"]
        items = clients.client("dynamodb").scan(TableName=table, ProjectionExpression="incident_id")["Items"]
    return sorted({i["incident_id"]["S"] for i in items if i["incident_id"]["S"].startswith("inc-")})


def _types(service: client.Service, incident: str) -> list[str]:
    return [e.type.value for e in ledger(service, incident)]


# The response's end: it closes the incident, or, with manual tasks open, leaves it to a person.
ENDED = ("incident.closed", "response.completed")


def _ended(types: list[str]) -> bool:
    return any(t in types for t in ENDED)


def _end(types: list[str]) -> int:
    return next(types.index(t) for t in ENDED if t in types)


def _kill_mid_drill(tmp_path: Path) -> tuple[Path, str, list[LedgerEntry], dict[str, Any]]:
    """Start a drill, kill -9 the service once containment is recorded, start it again.

    Returns the state directory, the incident, the entries acknowledged before the kill, and the
    sandbox store as it was before the drill.
    """
    state = tmp_path / "state"
    service = client.connect(state)
    before = service.control("GET", "/local/sandboxes")["sandboxes"]["acme-eu"]
    cut = threading.Thread(target=lambda: _ignore_errors(lambda: drill(service, tmp_path / "reports")))
    cut.start()

    def contained() -> str | None:
        for incident in _incidents(service):
            types = _types(service, incident)
            if "incident.contained" in types and not _ended(types):
                return incident
        return None

    incident = wait_for(contained, every=0.02)
    time.sleep(0.6)  # the sandbox store (the platform's stand-in) is saved every 0.2 s
    acknowledged = ledger(service, incident)
    assert not _ended([e.type.value for e in acknowledged])
    os.kill(service.info.pid, signal.SIGKILL)
    client.STARTED.pop(state.resolve()).wait(timeout=30)
    cut.join(timeout=60)
    return state, incident, acknowledged, before


def _ignore_errors(call: Callable[[], Any]) -> None:
    with contextlib.suppress(client.ServiceUnavailable):  # the service was killed under the request, on purpose
        call()


def test_a_drill_killed_mid_response_loses_nothing_is_marked_and_abandoning_undoes_it(tmp_path: Path) -> None:
    state, incident, acknowledged, before = _kill_mid_drill(tmp_path)

    # When the next command starts the service again
    service = client.connect(state)
    after = ledger(service, incident)
    # Then every entry acknowledged before the kill is there, unchanged
    assert [(e.seq, e.hash) for e in after[: len(acknowledged)]] == [(e.seq, e.hash) for e in acknowledged]
    # ...the response is recorded as interrupted, and shown so
    assert after[-1].type.value == "response.interrupted"
    code, output = bulkhead("status", "--state-dir", str(state))
    assert code == 0 and f"Interrupted response {incident}" in " ".join(output.split()), output
    with service.connected():
        controls = DynamoControlsStore(clients.client("dynamodb"), service.describe()["tables"]["Controls"])
        assert any(r.incident_id == incident for r in controls.current("acme-eu").rules)

    # When the operator abandons it
    code, output = bulkhead("incident", "abandon", incident, "--operator", "maria-keller", "--state-dir", str(state))
    assert code == 0, output

    # Then its containment is undone on the sandbox store and its degradation modes are cleared
    restored = service.control("GET", "/local/sandboxes")["sandboxes"]["acme-eu"]
    assert restored["customers"] == before["customers"]
    assert sorted(t["title"] for t in restored["storefront_tokens"].values()) == sorted(
        t["title"] for t in before["storefront_tokens"].values()
    )
    with service.connected():
        assert not any(r.incident_id == incident for r in controls.current("acme-eu").rules)
    types = _types(service, incident)
    assert types[-1] == "response.abandoned" and "action.reverted" in types
    assert service.control("GET", "/local/work")["interrupted"] == []
    code, output = bulkhead("ledger", "verify", incident, "--state-dir", str(state))
    assert code == 0, output
    # ...and a second abandon is refused, naming why
    code, output = bulkhead("incident", "abandon", incident, "--operator", "maria-keller", "--state-dir", str(state))
    assert code == 1 and "no interrupted response" in output


def test_a_drill_killed_mid_response_can_be_resumed_to_the_end(tmp_path: Path) -> None:
    state, incident, _, _ = _kill_mid_drill(tmp_path)
    code, output = bulkhead("incident", "resume", incident, "--operator", "maria-keller", "--state-dir", str(state))
    assert code == 0, output
    service = client.connect(state)
    wait_for(lambda: _ended(_types(service, incident)))
    types = _types(service, incident)
    assert types.index("response.interrupted") < types.index("response.resumed") < _end(types)
    assert service.control("GET", "/local/work")["interrupted"] == []


def test_one_service_per_state_directory(tmp_path: Path) -> None:
    state = tmp_path / "state"
    service = client.connect(state)
    # A second holder of the directory is refused, naming the running service
    with pytest.raises(AlreadyRunning, match=f"pid {service.info.pid}"), exclusive(state.resolve()):
        pass
    # ...and a second command finds the same service instead of starting one
    assert client.connect(state).info.pid == service.info.pid


def test_the_control_api_needs_its_token_and_names_each_bad_field(tmp_path: Path) -> None:
    service = client.connect(tmp_path / "state")
    # Without the token from service.json: refused, nothing done
    anonymous = httpx.post(f"{service.info.url}/local/stop", json={}, timeout=10)
    assert anonymous.status_code == 401
    assert client.running(tmp_path / "state") is not None
    # With it, bad input is a 400 naming every bad field
    with pytest.raises(client.ControlRefused) as refused:
        service.control("POST", "/local/work/abandon", {"incident_id": "x", "operator": ""})
    assert refused.value.status == 400
    assert refused.value.reason.startswith("incident_id: ") and "; operator: " in refused.value.reason
    # ...someone off the roster is a 400 naming the field: the service checks the person, not only the CLI
    with pytest.raises(client.ControlRefused) as stranger:
        service.control("POST", "/local/work/resume", {"incident_id": "inc-20261130-abcdef12", "operator": "dana"})
    assert stranger.value.status == 400
    assert stranger.value.reason.startswith("operator: 'dana' is not a person of the roster (ids: maria-keller")
    code, output = bulkhead(
        "incident", "abandon", "inc-20261130-abcdef12", "--operator", "dana", "--state-dir", str(tmp_path / "state")
    )
    assert code == 2 and "'dana' is not a person of the roster" in " ".join(output.split()), output
    with pytest.raises(client.ControlRefused) as unknown:
        service.control(
            "POST", "/local/work/resume", {"incident_id": "inc-20261130-abcdef12", "operator": "maria-keller"}
        )
    assert (unknown.value.status, unknown.value.reason) == (404, "no interrupted response for inc-20261130-abcdef12")


def test_a_high_severity_declaration_waits_for_approval_then_runs_to_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bulkhead.local.paths.DEFAULT_STATE_DIR", tmp_path / "state")
    # When an operator declares a high-severity incident locally (policy: approval below critical)
    code, output = bulkhead("incident", "declare", "--store", "acme-eu", "--severity", "high", "--category", "contact")
    # Then the command says the response waits for approval, and how to give it (it does not time out)
    assert code == 0, output
    flat = " ".join(output.split())
    found = re.search(r"incident (inc-[0-9a-z-]+) \(high, contact\): response WAITING_FOR_APPROVAL", flat)
    assert found, output
    incident = found.group(1)
    assert f"bulkhead approve {incident} --as PERSON" in flat
    # When on-call approves with another command, Then the response runs to its end
    code, output = bulkhead("approve", incident, "--as", "Maria Keller")
    assert code == 0, output
    service = client.connect(tmp_path / "state")
    wait_for(lambda: _ended(_types(service, incident)))
    types = _types(service, incident)
    assert types.index("approval.requested") < types.index("approval.granted") < _end(types)
