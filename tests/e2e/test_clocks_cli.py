"""`bulkhead clocks`, `bulkhead clock file`, `bulkhead approve` and `bulkhead status` on a local state dir.

Given `bulkhead drill` left an incident with open clocks in a state directory, When an operator runs
the on-call commands against that directory, one process after another, Then they see and change
the same clocks and ledger, and bad input is refused naming the field.
"""

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bulkhead.cli.local import fabric as local_service
from bulkhead.cli.main import app
from functions.common import clients
from functions.ledger.adapters.dynamodb import DynamoLedgerStore

runner = CliRunner()
BY = "lena-fischer"  # a compliance person of the local configuration's roster


@pytest.fixture(scope="module")
def drilled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One `bulkhead drill` into a state directory (drills keep their state where the default is)."""
    root = tmp_path_factory.mktemp("drilled")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("bulkhead.local.paths.DEFAULT_STATE_DIR", root / "state")
        result = runner.invoke(app, ["drill", "--reports", str(root / "reports")])
    assert result.exit_code == 0, result.output
    incident = re.search(r"Ledger of (inc-[0-9a-z-]+)", result.output)
    assert incident, result.output
    return root / "state", incident.group(1)


@pytest.fixture
def state(drilled: tuple[Path, str], tmp_path: Path) -> Path:
    """A private copy of the drilled state: each test changes its own."""
    return Path(shutil.copytree(drilled[0], tmp_path / "state"))


@pytest.fixture(autouse=True)
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 120-column terminal: the narrow layout (incident, clock, deadline, left, status) fits unfolded."""
    from bulkhead.cli import clocks as clocks_cli

    monkeypatch.setattr(clocks_cli.console, "width", 120)


def bulkhead(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def open_clocks(output: str, incident: str) -> list[str]:
    """The clock column of the incident's rows, in the order shown."""
    return re.findall(rf"^{incident}\s+(\S+)", output, flags=re.MULTILINE)


EVERY_CLOCK = [
    "gdpr_art33",
    "gdpr_art34",
    "nydfs_500_17",
    "sec_reg_sp",
    "dora/clients",
    "dora/initial",
    "nydfs_500_17c/explanation",
    "nydfs_500_17c/payment",
]


def classify(state: Path, incident: str, *flags: str) -> tuple[int, str]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return bulkhead("clock", "classify", incident, "dora", *flags, "--at", now, "--state-dir", str(state))


def test_clocks_lists_the_drills_clocks_soonest_first_and_dora_waits_for_a_classification(
    drilled: tuple[Path, str], state: Path
) -> None:
    _, incident = drilled
    code, output = bulkhead("clocks", "--state-dir", str(state))
    assert code == 0, output
    # Then GDPR's 72 hours come first; the firm-level NYDFS and Reg S-P clocks run although every
    # customer is in the EU; DORA waits for a person's classification
    assert open_clocks(output, incident) == EVERY_CLOCK
    assert re.search(rf"^{incident}\s+gdpr_art33\s+\S+ \S+\s+2d 23h \d\dm\s+open", output, flags=re.MULTILINE)
    assert re.search(rf"^{incident}\s+dora/initial\s+-\s+-\s+waiting", output, flags=re.MULTILINE)
    # When a person classifies it as major, Then DORA's initial report is due in 4 hours, first in the list
    code, said = classify(state, incident, "--major", "--by", "Lena Fischer")
    assert code == 0 and "dora/initial started" in said, said
    _, listed = bulkhead("clocks", "--state-dir", str(state))
    assert open_clocks(listed, incident)[:2] == ["dora/initial", "dora/clients"]
    assert re.search(rf"^{incident}\s+dora/initial\s+\S+ \S+\s+3h \d\dm\s+open", listed, flags=re.MULTILINE)


def test_a_not_major_classification_closes_dora_and_bad_input_is_refused_naming_it(
    drilled: tuple[Path, str], state: Path
) -> None:
    _, incident = drilled
    code, output = bulkhead("clock", "classify", incident, "dora", "--major", "--at", "2020-01-01T00:00:00",
                            "--by", "Lena Fischer", "--state-dir", str(state))  # fmt: skip
    assert code == 1 and "--at" in output and "before the incident's awareness" in " ".join(output.split())
    code, output = classify(state, incident, "--major")
    assert code == 2 and "--by" in output
    code, output = classify(state, incident, "--not-major", "--by", "Lena Fischer")
    assert code == 0 and "dora/initial: not required" in output, output
    _, listed = bulkhead("clocks", "--state-dir", str(state))
    assert "dora/initial" not in open_clocks(listed, incident)


def test_filing_stops_a_clock_opens_the_next_stage_and_keeps_the_ledger_verifiable(
    drilled: tuple[Path, str], state: Path
) -> None:
    _, incident = drilled
    classify(state, incident, "--major", "--by", "Lena Fischer")
    # When the DORA initial report is recorded as filed
    code, output = bulkhead(
        "clock",
        "file",
        incident,
        "dora",
        "--reference",
        "BAFIN-2026-0042",
        "--by",
        "Lena Fischer",
        "--state-dir",
        str(state),
    )
    assert code == 0, output
    assert "dora/initial: met (reference BAFIN-2026-0042)" in output
    # Then `bulkhead clocks` no longer shows it, and shows the intermediate report's 72 h
    _, listed = bulkhead("clocks", "--state-dir", str(state))
    shown = open_clocks(listed, incident)
    assert "dora/initial" not in shown and "dora/intermediate" in shown
    # ...filing it again is refused, naming the first filing
    code, again = bulkhead("clock", "file", incident, "dora/initial", "-r", "X", "--by", BY, "--state-dir", str(state))
    assert code == 1 and "BAFIN-2026-0042" in again
    # ...the ledger says who filed what, and still verifies (chain, signed heads, anchors): read
    # through the service the commands share, as any AWS client would
    with local_service(state) as service:
        ledger_table = service.describe()["tables"]["Ledger"]
        entries = list(DynamoLedgerStore(clients.client("dynamodb"), ledger_table).entries(incident))
    [met] = [e for e in entries if e.type.value == "clock.met"]
    assert (met.actor, met.data["reference"], met.data["clock"]) == (
        "person:Lena Fischer",
        "BAFIN-2026-0042",
        "dora/initial",
    )
    code, verified = bulkhead("ledger", "verify", incident, "--state-dir", str(state))
    assert code == 0, verified


def test_filing_refuses_unknown_clocks_and_empty_references_naming_them(drilled: tuple[Path, str], state: Path) -> None:
    _, incident = drilled
    code, output = bulkhead("clock", "file", incident, "uk_gdpr", "-r", "ICO-1", "--by", BY, "--state-dir", str(state))
    assert code == 1 and "no clock 'uk_gdpr'" in output and "dora/initial" in output
    code, output = bulkhead("clock", "file", incident, "dora", "--reference", "", "--by", BY, "--state-dir", str(state))
    assert code == 2 and "reference" in output
    code, output = bulkhead(
        "clock", "file", "inc-unknown-00000000", "dora", "-r", "R", "--by", BY, "--state-dir", str(state)
    )
    assert code == 1 and "its clocks: none" in output
    # ...a filing by nobody, or by someone off the roster, is refused naming --by
    code, output = bulkhead("clock", "file", incident, "dora", "-r", "R", "--state-dir", str(state))
    assert code == 2 and "--by" in output and "lena-fischer" in output, output
    code, output = bulkhead("clock", "file", incident, "dora", "-r", "R", "--by", "A. Jones", "--state-dir", str(state))
    assert code == 2 and "'A. Jones' is not a person of the roster" in " ".join(output.split()), output
    # ...and nothing changed
    _, listed = bulkhead("clocks", "--state-dir", str(state))
    assert open_clocks(listed, incident) == EVERY_CLOCK


def test_status_prints_the_oncall_figures_of_the_local_run(state: Path) -> None:
    code, printed = bulkhead("status", "--state-dir", str(state))
    assert code == 0, printed
    output = " ".join(printed.split())  # as read, whatever the terminal's width
    # Then the drill's clocks are counted apart from the live figures, which page no one for a drill
    assert "Clocks: 0 open, 0 near (< 4 h), 0 missed; soonest: none" in output
    # (DORA waits for its classification: 4 of the drill's clocks are open)
    assert "Drills (apart from the live figures): 1 open, 4 clocks open (never paged)" in output
    assert "Store acme-eu: normal" in output  # the drill's mode ended with the drill


def test_approve_without_a_waiting_response_says_so_and_records_nothing(drilled: tuple[Path, str], state: Path) -> None:
    _, incident = drilled
    code, output = bulkhead("approve", incident, "--as", "maria-keller", "--state-dir", str(state))
    assert code == 1 and f"incident {incident} has no pending approval" in output
    code, output = bulkhead("approve", incident, "--as", "", "--state-dir", str(state))
    assert code == 2 and "--as" in output
    # ...and a name that is not on the roster is refused, naming the field
    code, output = bulkhead("approve", incident, "--as", "m.chen", "--state-dir", str(state))
    assert code == 2 and "--as" in output and "'m.chen' is not a person of the roster" in " ".join(output.split())
