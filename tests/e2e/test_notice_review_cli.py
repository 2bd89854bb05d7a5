"""`bulkhead notice review`, locally through the service: the waiting notice shown, then decided as a
roster person; `incident show` and `status` say a notice waits for its review until it is decided.

Given a firm whose drills have their notices reviewed like live ones, When a critical incident is
declared (auto-approved), Then its customer notice waits: the commands show it, an unknown person
is refused naming `--as`, and the approval is recorded naming the person.
"""

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bulkhead.local import client
from bulkhead.local.runtime import DEFAULT_CONFIG
from functions.common import clients
from functions.ledger.models import EntryDraft, EntryType
from functions.ledger.wiring import ledger
from tests.e2e.test_incident_command import bulkhead, entries_of, wait_for
from tests.e2e.test_notice_review import declared


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from bulkhead.cli import incident_command, notice, status

    for module in (incident_command, notice, status):
        monkeypatch.setattr(module.console, "width", 200)


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The local service of a fresh state directory, on a firm whose drill notices are reviewed."""
    firm = json.loads(DEFAULT_CONFIG.read_text())
    firm["policy"]["notice_review"] |= {"drills": "review"}
    (tmp_path / "firm.json").write_text(json.dumps(firm))
    where = tmp_path / "state"
    monkeypatch.setattr("bulkhead.local.paths.DEFAULT_STATE_DIR", where)
    monkeypatch.setenv("COLUMNS", "200")
    client.connect(where, config=tmp_path / "firm.json")
    return where


def test_a_waiting_notice_is_shown_then_approved_as_a_roster_person(state: Path) -> None:
    s = str(state)
    incident = "inc-notice-review-cli-01"
    # Given a critical drill on the sandbox store's customers 7001 and 7003, declared and started as detection does
    service = client.connect(state)
    started = declared(incident)
    with service.connected():
        ledger().append(
            incident,
            EntryDraft(
                type=EntryType.INCIDENT_DECLARED,
                actor="detection",
                at=datetime.now(UTC),
                data={
                    "rule_id": started["incident"]["rule_id"],
                    "severity": "critical",
                    "store_id": "acme-eu",
                    "data_categories": started["incident"]["data_categories"],
                    "jurisdictions": ["DE"],
                    "subjects": 2,
                    "customers": 2,
                    "components": [],
                    "mode": "drill",
                },
            ),
        )
        sfn = clients.client("stepfunctions")
        machine = next(m for m in sfn.list_state_machines()["stateMachines"] if m["name"].endswith("Response"))
        sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input=json.dumps(started))
    wait_for(lambda: entries_of(state, incident, "notice.review_requested"))
    [prepared] = entries_of(state, incident, "notice.review_prepared")
    digest = prepared.data["sha256"]

    # Then show and status say the notice waits, for whom, and what to do
    code, output = bulkhead("incident", "show", incident, "--state-dir", s)
    assert code == 0 and "waiting for notice review" in output, output
    assert f"notice review: WAITING - customer notice to {prepared.data['customers']} customers" in output
    assert "Dr. Anna Schmidt (dpo)" in output and f"bulkhead notice review {incident}" in output
    code, output = bulkhead("status", "--state-dir", s)
    assert code == 0 and "NOTICE REVIEW PENDING" in output, output

    # When the notice is read, Then the command shows the hash, the audience, the channels and the text
    code, output = bulkhead("notice", "review", incident, "--state-dir", s)
    assert code == 0 and f"sha256 {digest}" in output and "{{greeting}}" in output, output
    assert entries_of(state, incident, "notification.batch_sent") == []

    # When someone off the roster, or no one, decides, Then it is refused naming --as, and nothing is decided
    code, output = bulkhead("notice", "review", incident, "--approve", "--as", "mallory", "--state-dir", s)
    assert code == 2 and "--as" in output and "'mallory' is not a person of the roster" in output, output
    code, output = bulkhead("notice", "review", incident, "--approve", "--state-dir", s)
    assert code == 2 and "--as" in output, output
    # ...and a rejection without a reason is refused naming --reason
    code, output = bulkhead("notice", "review", incident, "--reject", "--as", "sam-okafor", "--state-dir", s)
    assert code == 2 and "--reason" in output, output
    # ...and an approval of a hash other than the waiting one is refused
    code, output = bulkhead(
        "notice", "review", incident, "--approve", "--as", "sam-okafor", "--sha256", "0" * 64, "--state-dir", s
    )
    assert code == 1 and "no decision recorded" in output, output
    assert entries_of(state, incident, "notice.review_approved") == []

    # When a roster person approves
    code, output = bulkhead("notice", "review", incident, "--approve", "--as", "Dr. Anna Schmidt", "--state-dir", s)
    assert code == 0 and "approved: the notices are sent now; by Dr. Anna Schmidt" in output, output
    # Then the notices go out and the ledger names the person
    wait_for(lambda: entries_of(state, incident, "notification.batch_sent"))
    [approved] = entries_of(state, incident, "notice.review_approved")
    assert (approved.actor, approved.data["person_id"], approved.data["via"]) == (
        "person:Dr. Anna Schmidt", "dr-anna-schmidt", "cli",
    )  # fmt: skip
    # ...and a second decision is told who decided and when
    code, output = bulkhead("notice", "review", incident, "--reject", "--reason", "x", "--as", "sam-okafor")
    assert code == 1 and re.search(r"already approved by Dr\. Anna Schmidt at \d{4}-\d\d-\d\d", output), output
