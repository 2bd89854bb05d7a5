"""What an auditor asks of an evidence pack, end to end on the local fabric.

Given an incident declared by command and run through the local service, When people record when
the DPO was told, the Art. 33(5) record (amended once), a filing, a manual task, a restore and the
post-incident review, and the pack is exported, Then each section of the pack and of SUMMARY.md
comes from the ledger and names the people, both verifiers pass the real pack, and an altered
review or regulator draft is named by both.
"""

import hashlib
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bulkhead.cli.main import app
from bulkhead.local import client
from functions.common import clients
from functions.ledger.adapters.kms import KmsHeadSigner
from functions.ledger.domain import public_key_sha256
from infra import fabric
from tests.e2e.test_evidence_tampering import reseal
from tests.e2e.test_incident_command import bulkhead, declared, entries_of, ledger, wait_for

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from bulkhead.cli import incident_command

    monkeypatch.setattr(incident_command.console, "width", 200)


def spec_check() -> Callable[..., list[str]]:
    spec = importlib.util.spec_from_file_location("verify_from_spec", ROOT / "scripts" / "verify_from_spec.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.check  # type: ignore[no-any-return]


def key_sha256(state: Path) -> str:
    """The auditor's pin, from the key service rather than from the pack."""
    with client.connect(state).connected():
        return public_key_sha256(KmsHeadSigner(clients.client("kms"), fabric.SIGNING_KEYS[0].alias).public_key_pem())


def verify(pack: Path, key: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(pack / "verify.py"), str(pack), "--expect-key-sha256", key],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("bulkhead.local.paths.DEFAULT_STATE_DIR", tmp_path / "state")
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path / "state"


def walked(state: Path, tmp_path: Path) -> tuple[str, Path]:
    """An incident run by commands from declaration to review; its exported pack."""
    s = str(state)
    incident = declared(state)
    assert bulkhead("approve", incident, "--approver", "Maria Keller")[0] == 0
    wait_for(
        lambda: entries_of(state, incident, "response.completed") or entries_of(state, incident, "incident.closed")
    )
    [declaration] = entries_of(state, incident, "incident.declared")
    told_at = declaration.at.isoformat()  # told on the bridge as it was declared

    # When the commander records the DPO was told by phone (twice: the second changes nothing)
    told = ("incident", "dpo-informed", incident, "--by", "Maria Keller", "--at", told_at, "--channel", "phone")
    code, output = bulkhead(*told)
    assert code == 0 and "Dr. Anna Schmidt (DPO) told at" in output, output
    code, output = bulkhead(*told)
    assert code == 0 and "already recorded" in output, output
    code, output = bulkhead(*told[:6], "2099-01-01T00:00:00Z", "--channel", "phone")
    assert code == 2 and "--at:" in output and "in the future" in output, output
    code, output = bulkhead(*told[:6], "2026-11-30T10:00:00", "--channel", "phone")
    assert code == 2 and "--at: give a timezone" in output, output

    # When the DPO writes the Art. 33(5) record from the draft, then amends it once
    draft = tmp_path / "facts.json"
    code, output = bulkhead("incident", "facts", incident, "--draft", str(draft))
    assert code == 0 and "draft written" in output, output
    prefilled = json.loads(draft.read_text())
    assert "Data categories at stake: contact" in prefilled["facts"] and "40" in prefilled["facts"]
    code, output = bulkhead("incident", "facts", incident, "--from-file", str(draft), "--by", "Dr. Anna Schmidt")
    assert code == 0 and "revision 1" in output, output
    refused = ("incident", "facts", incident, "--by", "Dr. Anna Schmidt", "--effects", "x", "--remedial", "y")
    code, output = bulkhead(*refused, "--facts", "Reported by jane.doe@example.com")
    assert code == 2 and "--facts: it holds an e-mail address" in output, output
    amended = (
        "--facts", "An unlisted app exported the contact data of 40 customers of acme-eu.",
        "--effects", "Phishing risk for 40 customers; no payment data.",
        "--remedial", "Storefront tokens revoked, checkout guarded, customers told.",
    )  # fmt: skip
    code, output = bulkhead("incident", "facts", incident, "--by", "Dr. Anna Schmidt", *amended)
    assert code == 0 and "revision 2" in output, output

    # When the DPO files Art. 33, the manual tasks are done, the incident is restored and reviewed
    filing = ("clock", "file", incident, "gdpr_art33", "--reference", "HBDI-2026-0042", "--by", "Dr. Anna Schmidt")
    assert bulkhead(*filing)[0] == 0
    code, output = bulkhead("action", "list", incident, "--state-dir", s)
    manual = re.findall(r"(act-[0-9a-z-]+): carry out", output)
    assert manual, output
    for action_id in manual:
        assert bulkhead("action", "done", incident, action_id, "--operator", "Jonas Weber")[0] == 0
    code, output = bulkhead("restore", incident, "--state-dir", s, "--as", "Maria Keller")
    assert code == 0, output
    reviews = tmp_path / "reviews"
    code, output = bulkhead(
        "review", incident, "--by", "Maria Keller", "--root-cause", "An unlisted app kept a bulk scope",
        "--lesson", "Review app scopes monthly", "--out", str(reviews),
    )  # fmt: skip
    assert code == 0, output

    pack = tmp_path / "pack"
    code, output = bulkhead(
        "evidence", "export", incident, "--state-dir", s, "--out", str(pack), "--reviews", str(reviews)
    )
    assert code == 0, output
    return incident, pack


def views(pack: Path) -> dict[str, list[dict[str, Any]]]:
    return {p.stem: json.loads(p.read_text())["rows"] for p in (pack / "views").glob("*.json")}


def test_the_pack_carries_what_an_auditor_asks_and_both_verifiers_pass_it(state: Path, tmp_path: Path) -> None:
    incident, pack = walked(state, tmp_path)
    key = key_sha256(state)
    recorded = ledger(state, incident)
    summary = (pack / "SUMMARY.md").read_text()
    rows = views(pack)

    # Both verifiers pass the real pack
    checked = verify(pack, key)
    assert checked.returncode == 0, checked.stdout
    assert "review/review.md: the review signed at seq" in checked.stdout
    assert spec_check()(pack, key) == []

    # Who acted: approvals, manual tasks, filings, restores; a function-only step is marked
    acted = {(r["type"], r["acted_by"]["name"], r["acted_by"]["kind"]) for r in rows["who_acted"]}
    assert ("approval.granted", "Maria Keller", "person") in acted
    assert ("clock.met", "Dr. Anna Schmidt", "person") in acted
    assert ("action.applied", "Jonas Weber", "person") in acted  # the manual task, done by hand
    assert ("restore.completed", "Maria Keller", "person") in acted
    assert ("dpo.informed", "Maria Keller", "person") in acted
    assert "| approval.granted | Maria Keller | person |" in summary
    assert "| restore.completed | Maria Keller | person |" in summary

    # When the DPO was told
    [told] = [e for e in recorded if e.type.value == "dpo.informed"]
    assert [r["seq"] for r in rows["dpo_informed"]] == [told.seq]
    assert f"- first told: Dr. Anna Schmidt at {told.at:%Y-%m-%d %H:%M:%S} UTC by phone, 0.00 h after" in summary

    # The Art. 33(5) record with its history; the latest counts
    history = [e for e in recorded if e.type.value == "breach.facts"]
    assert [r["data"]["revision"] for r in rows["breach_facts"]] == [1, 2]
    assert f"Revision 2 by Dr. Anna Schmidt at {history[1].at:%Y-%m-%d %H:%M:%S} UTC (seq {history[1].seq}" in summary
    assert "**Facts.** An unlisted app exported the contact data of 40 customers of acme-eu." in summary
    assert (
        f"- revision 1 by Dr. Anna Schmidt at {history[0].at:%Y-%m-%d %H:%M:%S} UTC (seq {history[0].seq})" in summary
    )

    # Regulator drafts in the pack by the SHA-256 the ledger records
    drafted = [e for e in recorded if e.type.value == "regulator.notice_drafted"]
    assert drafted
    for entry in drafted:
        name = entry.data["draft_key"].rsplit("/", 1)[-1]
        content = (pack / "notices" / "regulator" / name).read_bytes()
        assert hashlib.sha256(content).hexdigest() == entry.data["draft_sha256"]
        assert f"`notices/regulator/{name}` (seq {entry.seq})" in summary
    assert "- customers reached: 0 in 0 batches" in summary  # no customer was named: no template was sent

    # The 72-hour clock passes, with the reference; every clock has its outcome
    [met] = [e for e in recorded if e.type.value == "clock.met" and e.data["clock"] == "gdpr_art33"]
    assert f"- gdpr_art33 (72 hours from awareness): **PASS** (met, reference HBDI-2026-0042; seq {met.seq})" in summary
    started = {e.data["clock"] for e in recorded if e.type.value == "clock.started"}
    for clock in started:
        assert re.search(
            rf"^\| {re.escape(clock)} \| .* \| (met|missed|filed late|open \(not filed\)) \|", summary, re.M
        )

    # Drill scorecard, signal dispositions, subject counts
    mode = next(e for e in recorded if e.type.value == "incident.declared").data.get("mode")
    scored = [e for e in recorded if e.type.value == "drill.scored"]
    if mode == "drill" and not scored:
        assert "this drill is **NOT SCORED**" in summary
    assert "## Signal dispositions" in summary
    planned = next(e for e in recorded if e.type.value == "notification.planned")
    assert f"- notification audience resolved: {planned.data['customers']} customers (seq {planned.seq})" in summary
    assert "- the counts differ because the declaration gave a count but named no customers" in summary, summary

    # The review: its files are the ones signed into the ledger
    [review] = [e for e in recorded if e.type.value == "review.recorded"]
    assert hashlib.sha256((pack / "review" / "review.md").read_bytes()).hexdigest() == review.data["sha256"]
    assert hashlib.sha256((pack / "review" / "review.html").read_bytes()).hexdigest() == review.data["html_sha256"]
    assert f"- by Maria Keller at {review.at:%Y-%m-%d %H:%M:%S} UTC (seq {review.seq})" in summary
    for section in (
        "## Who acted",
        "## When the DPO was told",
        "## GDPR Art. 33(5) record",
        "## Regulatory clocks",
        "## Notices",
        "## Data subjects",
        "## Drill scorecards",
        "## Post-incident review",
    ):
        assert section in summary

    # Tampering with the new files is named by both verifiers, even with the manifest resealed
    review_seq = review.seq
    for tamper, named, rule in (
        (
            lambda p: (p / "review" / "review.md").write_text("# A nicer review\n"),
            f"review/review.md is not the review signed at seq {review_seq}",
            "rule 9 seq",
        ),
        (
            lambda p: (p / "review" / "review.html").unlink(),
            f"missing part: review/review.html, the review signed at seq {review_seq}",
            "review/review.html is missing",
        ),
        (
            lambda p: next((p / "notices" / "regulator").iterdir()).write_text("softer wording\n"),
            "is not the draft recorded at seq",
            "is not a recorded draft",
        ),
        (_relabel_function_as_person, "acted_by is not who the entry names", "who_acted.json row differs"),
    ):
        copy = tmp_path / "tampered"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(pack, copy)
        tamper(copy)
        reseal(copy)
        checked = verify(copy, key)
        assert checked.returncode == 1 and named in checked.stdout, checked.stdout
        assert any(rule in failure for failure in spec_check()(copy, key))


def _relabel_function_as_person(pack: Path) -> None:
    path = pack / "views" / "who_acted.json"
    view = json.loads(path.read_text())
    row = next(r for r in view["rows"] if r["acted_by"]["kind"] == "function")
    row["acted_by"] = {"kind": "person", "name": "Maria Keller", "source": "actor"}
    path.write_text(json.dumps(view))


def test_export_refuses_a_review_that_is_not_the_one_signed(state: Path, tmp_path: Path) -> None:
    incident = declared(state)
    reviews = tmp_path / "reviews"
    assert bulkhead("review", incident, "--by", "Maria Keller", "--root-cause", "x", "--out", str(reviews))[0] == 0
    (reviews / f"{incident}-review.md").write_text("# edited after signing\n")
    pack = tmp_path / "pack"

    code, output = bulkhead("evidence", "export", incident, "--out", str(pack), "--reviews", str(reviews))

    assert code == 2 and "the review's Markdown is not the one signed at seq" in output, output
    assert not pack.exists()


def test_a_drills_pack_carries_its_notice_templates_and_says_it_is_not_scored(state: Path, tmp_path: Path) -> None:
    # Given the thin-path drill, which notifies the sandbox's customers (redirected to the sink)
    drilled = runner.invoke(app, ["drill", "--reports", str(tmp_path / "reports")])
    assert drilled.exit_code == 0, drilled.output
    incident = next(p.stem for p in (tmp_path / "reports").glob("inc-*.html"))
    pack = tmp_path / "pack"

    # When it is exported
    code, output = bulkhead("evidence", "export", incident, "--out", str(pack), "--reviews", str(tmp_path / "none"))
    assert code == 0, output

    # Then each e-mail template its batches record is in the pack, by the recorded SHA-256, with its placeholder
    recorded = ledger(state, incident)
    sent = {n: d for e in recorded if e.type.value == "notification.batch_sent" for n, d in e.data["templates"].items()}
    assert sent, [e.data for e in recorded if e.type.value == "notification.batch_sent"]
    summary = (pack / "SUMMARY.md").read_text()
    for name, digest in sent.items():
        content = (pack / "notices" / "customer" / f"{name}.json").read_bytes()
        assert hashlib.sha256(content).hexdigest() == digest
        assert "{{greeting}}" in json.loads(content)["text"]
        assert f"- customer notice template {name}: sha256 `{digest}`, `notices/customer/{name}.json`" in summary
    assert not any("@" in line for line in (pack / "entries.jsonl").read_text().splitlines() if '"templates"' in line)
    scored = [e for e in recorded if e.type.value == "drill.scored"]
    assert scored or "this drill is **NOT SCORED**" in summary
    key = key_sha256(state)
    assert verify(pack, key).returncode == 0 and spec_check()(pack, key) == []

    # And an altered template is named by both verifiers
    copy = tmp_path / "tampered"
    shutil.copytree(pack, copy)
    target = next((copy / "notices" / "customer").iterdir())
    target.write_text(target.read_text().replace("{{greeting}}", "Dear customer"))
    reseal(copy)
    checked = verify(copy, key)
    assert checked.returncode == 1 and f"notices/customer/{target.name} is not the template sent" in checked.stdout
    assert f"rule 9: notices/customer/{target.name} is not a template a batch records" in spec_check()(copy, key)
