"""A malformed incident id is refused naming the argument (exit 2), by every command that takes one,
before anything is looked up: `notice review inc-x` says the id is malformed, not "nothing waits"."""

import pytest
from typer.testing import CliRunner

from bulkhead.cli.main import app

runner = CliRunner()
BAD = "INC-2026-Nope"

COMMANDS = [
    ("notice", "review", BAD, "--approve", "--as", "maria-keller"),
    ("notice", "review", BAD),
    ("notice", "drafts", "--incident", BAD),
    ("approve", BAD, "--as", "maria-keller"),
    ("incident", "show", BAD),
    ("incident", "note", BAD, "text", "--by", "maria-keller"),
    ("incident", "assign", BAD, "--to", "tom-baker", "--by", "maria-keller"),
    ("incident", "close", BAD, "--by", "maria-keller"),
    ("incident", "dpo-informed", BAD, "--by", "maria-keller", "--at", "2026-11-27T10:15Z", "--channel", "phone"),
    ("incident", "facts", BAD, "--by", "maria-keller"),
    ("incident", "resume", BAD, "--operator", "maria-keller"),
    ("task", "done", BAD, "task-x", "--by", "maria-keller"),
    ("action", "done", BAD, "act-x", "--operator", "maria-keller"),
    ("clock", "file", BAD, "gdpr_art33", "--reference", "R", "--by", "maria-keller"),
    ("clock", "withdraw", BAD, "gdpr_art33", "--reason", "x", "--by", "maria-keller"),
    ("review", BAD, "--by", "maria-keller"),
    ("restore", BAD, "--as", "maria-keller"),
    ("ledger", "verify", BAD),
    ("ledger", "repair", BAD, "--operator", "maria-keller"),
    ("degrade", "acme-eu", "checkout_paused", "--incident", BAD),
]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c[:2]) for c in COMMANDS])
def test_a_malformed_incident_id_is_refused_naming_the_argument(command: tuple[str, ...]) -> None:
    result = runner.invoke(app, list(command), env={"COLUMNS": "200"})
    said = " ".join(result.output.split())
    assert result.exit_code == 2, said
    assert f"'{BAD}' is malformed: an incident id is inc-YYYYMMDD-..." in said, said
    assert "INCIDENT" in said or "--incident" in said, said
    assert "nothing waits" not in said and "no customer notice" not in said
