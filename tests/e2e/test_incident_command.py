"""Incident command, locally through the service: from declaration to the signed review.

Given a firm configuration that names the people of each role, When an incident is declared and
run by commands, one process after another (assign, note, approve, escalate, tasks, filings,
manual tasks, close, review), Then every step is a ledger entry naming the person, the screens
show what is open, and a repeated or mistaken step is said so and recorded.
"""

import hashlib
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bulkhead.cli.main import app
from bulkhead.local import client
from functions.common import clients
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.models import LedgerEntry
from tests.e2e.test_drill_report import browse

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 200-column terminal for every command's console, whatever the test runner's own width."""
    from bulkhead.cli import incident_command

    monkeypatch.setattr(incident_command.console, "width", 200)


def bulkhead(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())


def wait_for(condition: Callable[[], Any], seconds: float = 120.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


def ledger(state: Path, incident: str) -> list[LedgerEntry]:
    service = client.connect(state)
    with service.connected():
        table = service.describe()["tables"]["Ledger"]
        return list(DynamoLedgerStore(clients.client("dynamodb"), table).entries(incident))


def entries_of(state: Path, incident: str, entry_type: str) -> list[LedgerEntry]:
    return [e for e in ledger(state, incident) if e.type.value == entry_type]


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("bulkhead.local.paths.DEFAULT_STATE_DIR", tmp_path / "state")
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path / "state"


def declared(state: Path) -> str:
    """A high-severity incident, contact data only, 40 customers: policy makes it wait for approval."""
    code, output = bulkhead(
        "incident",
        "declare",
        "--store",
        "acme-eu",
        "--severity",
        "high",
        "--category",
        "contact",
        "--customers",
        "40",
    )
    assert code == 0, output
    found = re.search(r"incident (inc-[0-9a-z-]+) \(high, contact\): response WAITING_FOR_APPROVAL", output)
    assert found, output
    return found.group(1)


def test_an_incident_walked_from_declaration_to_review_names_every_person(state: Path, tmp_path: Path) -> None:
    s = str(state)
    incident = declared(state)

    # Given the incident waits for approval, Then list and show say so and name the next step
    code, output = bulkhead("incident", "list", "--state-dir", s)
    assert code == 0 and re.search(rf"{incident} acme-eu high \S+ waiting for approval", output), output
    code, output = bulkhead("incident", "show", incident, "--state-dir", s)
    assert code == 0, output
    assert "severity high" in output and "data: contact" in output and "40 customers" in output
    assert "next: decide the approval" in output and f"bulkhead approve {incident}" in output

    # When the commander is named and writes a note, Then both are entries naming the people
    assert (
        bulkhead("incident", "assign", incident, "--to", "Maria Keller", "--by", "Tom Baker", "--state-dir", s)[0] == 0
    )
    assert bulkhead("incident", "note", incident, "Called the Shopify partner desk", "--by", "Maria Keller")[0] == 0
    [assigned] = entries_of(state, incident, "incident.assigned")
    assert (assigned.actor, assigned.data["person"], assigned.data["role"]) == (
        "person:Tom Baker",
        "Maria Keller",
        "incident_commander",
    )
    [noted] = entries_of(state, incident, "incident.noted")
    assert (noted.actor, noted.data["text"]) == ("person:Maria Keller", "Called the Shopify partner desk")

    # When approved, Then the response runs to its end
    assert re.search(r"plan: \d+ actions \(shopify\.", output), output  # the blast radius the approver weighs
    # ...and the same screen as a page renders in headless Chromium
    page = tmp_path / "show.html"
    assert bulkhead("incident", "show", incident, "--html", str(page), "--state-dir", s)[0] == 0
    shown = " ".join(re.sub(r"<[^>]+>", " ", browse(page, tmp_path / "profile", "--dump-dom").stdout).split())
    assert f"{incident} acme-eu severity high" in shown and "approval: WAITING" in shown, shown
    assert bulkhead("approve", incident, "--as", "Maria Keller")[0] == 0
    # ...and a second decision is told who decided and when
    code, output = bulkhead("approve", incident, "--as", "tom-baker", "--reject")
    assert code == 1 and "already approved by Maria Keller at " in output, output
    # (the response's end: with manual tasks open it leaves the incident to a person)
    wait_for(
        lambda: entries_of(state, incident, "response.completed") or entries_of(state, incident, "incident.closed")
    )
    clocks_before = {e.data["clock"] for e in entries_of(state, incident, "clock.started")}
    assert "gdpr_art34" not in clocks_before  # contact data only: no high risk to people yet

    # When identity data turns out to be at stake, Then escalation records it and starts only the new clocks
    code, output = bulkhead(
        "incident", "escalate", incident, "--severity", "critical", "--category", "identity",
        "--reason", "passport scans in the export", "--by", "Maria Keller",
    )  # fmt: skip
    assert code == 0 and "high -> critical by Maria Keller" in output and "gdpr_art34" in output, output
    [escalated] = entries_of(state, incident, "incident.escalated")
    assert escalated.actor == "person:Maria Keller"
    raised = (escalated.data["from"], escalated.data["severity"], escalated.data["added"])
    assert raised == ("high", "critical", ["identity"])
    started = [e.data["clock"] for e in entries_of(state, incident, "clock.started")]
    assert sorted(started) == sorted([*clocks_before, "gdpr_art34"])  # nothing started twice
    # ...and a second escalation that adds nothing is refused
    code, output = bulkhead(
        "incident", "escalate", incident, "--severity", "high", "--reason", "x", "--by", "Tom Baker"
    )
    assert code == 1 and "is critical already" in output, output

    # When the sweep runs, Then each role gets its tasks, naming the configured person
    code, output = bulkhead("task", "sweep", "--state-dir", s)
    assert code == 0, output
    tasks = {e.data["task_id"]: e.data for e in entries_of(state, incident, "task.created")}
    assert tasks["task-gdpr-art33"]["role"] == "dpo" and tasks["task-gdpr-art33"]["person"] == "Dr. Anna Schmidt"
    assert tasks["task-customer-notice"]["person"] == "Sam Okafor"
    assert bulkhead("task", "sweep", "--state-dir", s)[1].startswith("tasks created: none")  # repeat: nothing new
    code, output = bulkhead("task", "done", incident, "task-gdpr-art33", "--by", "Dr. Anna Schmidt", "--note", "file")
    assert code == 0, output
    [done] = entries_of(state, incident, "task.done")
    assert (done.actor, done.data["task_id"]) == ("person:Dr. Anna Schmidt", "task-gdpr-art33")

    # When the DPO files Art. 33 twice, Then the second changes nothing and says so
    filing = ("clock", "file", incident, "gdpr_art33", "--reference", "HBDI-2026-0042", "--by", "Dr. Anna Schmidt")
    assert bulkhead(*filing)[0] == 0
    code, output = bulkhead(*filing)
    assert code == 0 and "already recorded" in output and "no change" in output, output
    assert len(entries_of(state, incident, "clock.met")) == 1
    # When a filing was recorded in error, Then it is withdrawn with the reason, and can be filed again
    code, output = bulkhead("clock", "withdraw", incident, "gdpr_art34", "--reason", "x", "--by", "Dr. Anna Schmidt")
    assert code == 1 and "nothing to withdraw" in output, output
    code, output = bulkhead(
        "clock", "withdraw", incident, "gdpr_art33", "--reason", "sent to the wrong authority", "--by", "Paul Richter"
    )
    assert code == 0 and "open again" in output, output
    [withdrawn] = entries_of(state, incident, "clock.withdrawn")
    assert withdrawn.actor == "person:Paul Richter"
    assert (withdrawn.data["reference"], withdrawn.data["reason"]) == ("HBDI-2026-0042", "sent to the wrong authority")
    assert bulkhead(*filing[:4], "--reference", "HBDI-2026-0043", "--by", "Dr. Anna Schmidt")[0] == 0

    # Manual containment tasks are listed with their instructions and closed locally
    code, output = bulkhead("action", "list", incident, "--state-dir", s)
    assert code == 0, output
    manual = re.findall(r"(act-[0-9a-z-]+): carry out", output)
    for action_id in manual:
        code, output = bulkhead("action", "done", incident, action_id, "--operator", "Jonas Weber")
        assert code == 0, output
    by_hand = {e.data["action_id"]: e.data["by"] for e in entries_of(state, incident, "action.applied")}
    assert manual and all(by_hand[a] == "person:Jonas Weber" for a in manual), by_hand

    # When the commander closes with clocks and tasks open, Then it needs a reason, recorded with what was open
    code, output = bulkhead("incident", "close", incident, "--by", "Maria Keller")
    assert code == 1 and "still open" in output and "--reason" in output, output
    assert not entries_of(state, incident, "incident.resolved")
    reason = "Remaining filings tracked by compliance"
    assert bulkhead("incident", "close", incident, "--by", "Maria Keller", "--reason", reason)[0] == 0
    [resolved] = entries_of(state, incident, "incident.resolved")
    assert resolved.actor == "person:Maria Keller" and resolved.data["reason"] == reason
    assert "clock gdpr_art34 (open)" in resolved.data["open_items"]

    # When the review is written, Then it is built from the ledger and signed into it by its SHA-256
    out = tmp_path / "reviews"
    code, output = bulkhead(
        "review", incident, "--by", "Maria Keller", "--root-cause", "A staff token leaked in a support ticket",
        "--lesson", "Rotate app tokens quarterly",
        "--action-item", "Scan tickets for tokens | Jonas Weber | 2027-01-15",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    markdown = (out / f"{incident}-review.md").read_text()
    [review] = entries_of(state, incident, "review.recorded")
    assert review.actor == "person:Maria Keller"
    assert review.data["sha256"] == hashlib.sha256(markdown.encode()).hexdigest()
    assert "| gdpr_art33 |" in markdown and "HBDI-2026-0043" in markdown
    assert "approval.granted by person:Maria Keller" in markdown
    assert "| Scan tickets for tokens | Jonas Weber | 2027-01-15 |" in markdown
    # ...and the HTML page renders in headless Chromium with the same content
    dom = browse(out / f"{incident}-review.html", tmp_path / "profile", "--dump-dom").stdout
    headings = re.findall(r"<h2>([^<]+)</h2>", dom)
    assert headings[:3] == ["Times", "Clocks", "Containment and degradation"] and headings[-1] == "Timeline"
    assert "<td>gdpr_art33</td>" in dom and "A staff token leaked in a support ticket" in dom
    assert dom.count("<td>review.recorded</td>") == 0  # the review is signed after it was built
    # ...and the incident now reads as resolved
    code, output = bulkhead("incident", "list", "--state-dir", s)
    assert incident not in output
    assert re.search(
        rf"{incident} acme-eu critical \S+ resolved Maria Keller", bulkhead("incident", "list", "--all")[1]
    )


def test_bad_input_names_the_field_and_records_nothing(state: Path) -> None:
    code, output = bulkhead("incident", "show", "inc-20261130-nosuchinc")
    assert code == 1 and "no incident inc-20261130-nosuchinc" in output, output
    code, output = bulkhead(
        "incident", "assign", "inc-20261130-nosuchinc", "--to", "Maria Keller", "--role", "cfo", "--by", "Tom Baker"
    )
    assert code == 2 and "role" in output, output
    code, output = bulkhead(
        "incident", "escalate", "inc-20261130-nosuchinc", "--severity", "severe", "--reason", "x", "--by", "Tom Baker"
    )
    assert code == 2 and "severity" in output, output
