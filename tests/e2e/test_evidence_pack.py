"""Evidence end to end on the local fabric: an incident is recorded through the functions' own
ledger wiring, `bulkhead ledger verify` and `bulkhead evidence export` read it back from the saved
local state, and the standalone verifier proves the pack offline (and names a tampered entry)."""

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bulkhead.cli.main import app
from bulkhead.local.runtime import local_fabric
from functions.common import clients
from functions.ledger.adapters.kms import KmsHeadSigner
from functions.ledger.domain import public_key_sha256
from functions.ledger.models import EntryDraft, EntryType
from functions.ledger.wiring import ledger
from infra import fabric

INCIDENT = "inc-20261127-e2e000000001"
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
SCRIPT = (
    (EntryType.SIGNAL_DISPOSITION, {"outcome": "declared", "signal_id": "sig-1"}),
    (EntryType.INCIDENT_DECLARED, {"severity": "critical", "subjects": 4}),
    (EntryType.APPROVAL_GRANTED, {"approver": "ps_3f1c0e0a9b7d4e21a8c6f5d4b3a29180"}),
    (EntryType.ACTION_APPLIED, {"action_id": "a-1", "pre_state_ref": "prestate/a-1", "status": "applied"}),
    (EntryType.INCIDENT_CONTAINED, {"actions_applied": 1}),
    (EntryType.NOTIFICATION_BATCH_SENT, {"sent": 4, "recipients": ["ps_aa", "ps_bb", "ps_cc", "ps_dd"]}),
    (EntryType.CLOCK_MET, {"clock": "gdpr_art33", "late": False, "reference": "CNIL-2026-0042"}),
    (EntryType.INCIDENT_NOTIFIED, {"customers": 4}),
    (EntryType.DRILL_SCORED, {"scenario": "thin-path", "passed": True, "score": 92}),
    (EntryType.INCIDENT_CLOSED, {"mode": "drill"}),
)
ACTORS = {EntryType.APPROVAL_GRANTED: "operator:oncall@example.com", EntryType.CLOCK_MET: "operator:dpo@example.com"}
runner = CliRunner()


def flat(output: str) -> str:
    """The console wraps long lines; compare words, not line breaks."""
    return " ".join(output.split())


KEY_SHA256: dict[Path, str] = {}


@pytest.fixture
def state(tmp_path: Path) -> Path:
    state_dir = tmp_path / "state"
    with local_fabric(log_level="ERROR", state_dir=state_dir):
        recorder = ledger()
        for n, (kind, data) in enumerate(SCRIPT):
            actor = ACTORS.get(kind, "e2e")
            recorder.append(INCIDENT, EntryDraft(type=kind, actor=actor, at=T0 + timedelta(minutes=n), data=data))
        # The auditor's pin comes from the key service, not from the pack.
        signer = KmsHeadSigner(clients.client("kms"), fabric.SIGNING_KEYS[0].alias)
        KEY_SHA256[tmp_path] = public_key_sha256(signer.public_key_pem())
    return state_dir


def verify_offline(pack: Path) -> subprocess.CompletedProcess[str]:
    pin = ["--expect-key-sha256", KEY_SHA256[pack.parent]] if pack.parent in KEY_SHA256 else []
    return subprocess.run(
        [sys.executable, str(pack / "verify.py"), str(pack), *pin], capture_output=True, text=True, check=False
    )


def test_verify_reads_the_saved_local_state_and_finds_every_milestone_anchored(state: Path) -> None:
    result = runner.invoke(app, ["ledger", "verify", INCIDENT, "--state-dir", str(state)])

    assert result.exit_code == 0, result.output
    assert f"VALID {INCIDENT}: 10 entries" in flat(result.output)
    for milestone in ("declared", "contained", "notified", "closed"):
        assert f"anchor {milestone}" in result.output


def test_an_exported_pack_verifies_offline_and_holds_the_auditor_views(state: Path, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    exported = runner.invoke(app, ["evidence", "export", INCIDENT, "--state-dir", str(state), "--out", str(pack)])
    assert exported.exit_code == 0, exported.output

    checked = verify_offline(pack)

    assert checked.returncode == 0, checked.stdout
    assert "VALID" in checked.stdout
    manifest = json.loads((pack / "manifest.json").read_text())
    assert manifest["chain"]["entries"] == 10 and manifest["anchors"] == 10
    assert "BEGIN PUBLIC KEY" in (pack / "public_key.pem").read_text()
    views = {p.stem: json.loads(p.read_text())["rows"] for p in (pack / "views").glob("*.json")}
    assert [r["type"] for r in views["approvals"]] == ["approval.granted"]
    assert views["actions"][0]["data"]["pre_state_ref"] == "prestate/a-1"
    assert views["notifications"][0]["data"]["recipients"] == ["ps_aa", "ps_bb", "ps_cc", "ps_dd"]
    assert [r["data"]["clock"] for r in views["clocks"]] == ["gdpr_art33"]
    assert [r["data"]["score"] for r in views["drill_scores"]] == [92]
    assert len(views["timeline"]) == 10


def test_the_pack_summary_tells_the_incident_from_its_verified_entries(state: Path, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    runner.invoke(app, ["evidence", "export", INCIDENT, "--state-dir", str(state), "--out", str(pack)])

    summary = (pack / "SUMMARY.md").read_text()

    assert "Ledger verified at export: 10 entries" in summary
    assert "| contained | 2026-11-27 09:04:00 | 0.05 h | 4 |" in summary
    assert "| approval.granted | oncall@example.com | person | 2026-11-27 09:02:00 | 2 |" in summary
    assert "| action.applied | e2e | **function only** | 2026-11-27 09:03:00 | 3 |" in summary
    assert "| clock.met | dpo@example.com | person | 2026-11-27 09:06:00 | 6 |" in summary
    assert "- gdpr_art33 (72 hours from awareness): **PASS** (met, reference CNIL-2026-0042; seq 6)" in summary
    assert "- declared: 1" in summary and "(seq 8)" in summary
    assert "- restores: none recorded" in summary and "## When the DPO was told\n\n- not recorded" in summary
    views = json.loads((pack / "views" / "who_acted.json").read_text())["rows"]
    assert [(r["seq"], r["actor"], r["acted_by"]["kind"]) for r in views] == [
        (2, "operator:oncall@example.com", "person"),
        (3, "e2e", "function"),
        (6, "operator:dpo@example.com", "person"),
    ]


def test_the_offline_verifier_names_a_tampered_entry(state: Path, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    runner.invoke(app, ["evidence", "export", INCIDENT, "--state-dir", str(state), "--out", str(pack)])
    lines = (pack / "entries.jsonl").read_text().splitlines()
    entry = json.loads(lines[5])
    entry["body"] = entry["body"].replace('"sent":4', '"sent":3')
    lines[5] = json.dumps(entry)
    (pack / "entries.jsonl").write_text("\n".join(lines) + "\n")

    checked = verify_offline(pack)

    assert checked.returncode == 1
    assert "INVALID (first bad entry: seq 5): content does not match its hash (entry modified)" in checked.stdout


def test_verify_names_an_entry_modified_in_the_local_table(state: Path) -> None:
    with local_fabric(log_level="ERROR", state_dir=state) as local:
        db = clients.client("dynamodb")
        key = {"incident_id": {"S": INCIDENT}, "seq": {"N": "3"}}
        item = db.get_item(TableName=local.tables["Ledger"], Key=key)["Item"]
        item["body"]["S"] = item["body"]["S"].replace('"status":"applied"', '"status":"reverted"')
        db.put_item(TableName=local.tables["Ledger"], Item=item)

    result = runner.invoke(app, ["ledger", "verify", INCIDENT, "--state-dir", str(state)])

    assert result.exit_code == 1
    assert "first bad entry seq 3: content does not match its hash (entry modified)" in flat(result.output)


def test_bad_input_gets_a_clear_message_and_writes_nothing(state: Path, tmp_path: Path) -> None:
    unknown = runner.invoke(app, ["ledger", "verify", "inc-20261130-unknown1", "--state-dir", str(state)])
    assert unknown.exit_code == 2
    assert "no ledger entries and no signed heads for 'inc-20261130-unknown1'" in flat(unknown.output)
    malformed = runner.invoke(app, ["ledger", "verify", "inc-unknown", "--state-dir", str(state)])
    assert malformed.exit_code == 2 and "'inc-unknown' is malformed" in flat(malformed.output)

    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "keep.txt").write_text("x")
    refused = runner.invoke(app, ["evidence", "export", INCIDENT, "--state-dir", str(state), "--out", str(occupied)])
    assert refused.exit_code == 2 and "--out" in refused.output
    assert sorted(p.name for p in occupied.iterdir()) == ["keep.txt"]

    aws = runner.invoke(app, ["ledger", "verify", INCIDENT, "--target", "aws"], env={"LEDGER_TABLE_NAME": ""})
    assert aws.exit_code == 2 and "--table" in aws.output
