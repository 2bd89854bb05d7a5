"""Each tampering an auditor's adversary would try, applied to an exported pack and to the local
ledger: the pack's verifier (`verify.py`, run as an auditor runs it) and `bulkhead ledger verify`
both refuse it and name the first bad entry or the missing part. The pack's forger is capable: after
each change it recomputes the manifest's counts and SHA-256s, so only the chain, the signed heads,
the pinned key and the bucket's anchors can give it away."""

import base64
import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from typer.testing import CliRunner

from bulkhead.cli.main import app
from bulkhead.local.runtime import local_fabric
from functions.common import clients
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.adapters.kms import KmsHeadSigner
from functions.ledger.adapters.s3 import S3AnchorStore
from functions.ledger.canonical import canonical
from functions.ledger.domain import Anchoring, ChainedLedger
from functions.ledger.models import EntryDraft, EntryType
from functions.ledger.wiring import ledger
from infra import fabric

INCIDENT = "inc-20261127-e2e000000013"
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
# declared 1, contained 3, notified 5, closed 6, then the tail after close: 7, 8, 9
SCRIPT = (
    (EntryType.SIGNAL_DISPOSITION, {"outcome": "declared", "signal_id": "sig-1"}),
    (EntryType.INCIDENT_DECLARED, {"severity": "critical", "subjects": 4}),
    (EntryType.ACTION_APPLIED, {"action_id": "a-1", "status": "applied"}),
    (EntryType.INCIDENT_CONTAINED, {"actions_applied": 1}),
    (EntryType.NOTIFICATION_BATCH_SENT, {"sent": 4}),
    (EntryType.INCIDENT_NOTIFIED, {"customers": 4}),
    (EntryType.INCIDENT_CLOSED, {"mode": "drill"}),
    (EntryType.DRILL_SCORED, {"passed": True, "score": 92}),
    (EntryType.RESTORE_COMPLETED, {"actions_reverted": 1, "operator": "oncall@example.com"}),
    (EntryType.CLOCK_MET, {"regime": "gdpr_art33", "filed_by": "dpo@example.com"}),
)
LAST = len(SCRIPT) - 1
runner = CliRunner()


def flat(output: str) -> str:
    return " ".join(output.split())


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A recorded incident in saved local state, its clean pack, the key's fingerprint and the
    bucket's listing of the incident's anchors (as `aws s3api list-object-versions` gives it)."""
    root = tmp_path_factory.mktemp("evidence")
    state = root / "state"
    with local_fabric(log_level="ERROR", state_dir=state) as local:
        recorder = ledger()
        for n, (kind, data) in enumerate(SCRIPT):
            recorder.append(INCIDENT, EntryDraft(type=kind, actor="e2e", at=T0 + timedelta(minutes=n), data=data))
        listing = clients.client("s3").list_object_versions(
            Bucket=local.buckets["LedgerAnchors"], Prefix=f"anchors/{INCIDENT}/"
        )
    listing_file = root / "bucket-anchors.json"
    listing_file.write_text(json.dumps(listing, default=str))
    pack = root / "pack"
    exported = runner.invoke(app, ["evidence", "export", INCIDENT, "--state-dir", str(state), "--out", str(pack)])
    assert exported.exit_code == 0, exported.output
    fingerprint = json.loads((pack / "manifest.json").read_text())["signing_key"]["public_key_sha256"]
    return {"state": state, "pack": pack, "key": fingerprint, "listing": listing_file}


def verify(pack: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(pack / "verify.py"), str(pack), *args], capture_output=True, text=True, check=False
    )


def pinned(template: dict[str, Any], pack: Path) -> subprocess.CompletedProcess[str]:
    return verify(pack, "--expect-key-sha256", template["key"], "--bucket-listing", str(template["listing"]))


# --- what a forger does to a pack ---------------------------------------------------------------


def lines(pack: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (pack / "entries.jsonl").read_text().splitlines() if line]


def write_lines(pack: Path, entries: list[dict[str, Any]]) -> None:
    (pack / "entries.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))


def rehash_from(entries: list[dict[str, Any]], start: int) -> None:
    """Recompute every hash from `start` on, so the chain alone is consistent again."""
    prev = entries[start - 1]["hash"] if start else "0" * 64
    for entry in entries[start:]:
        body = {**json.loads(entry["body"]), "prev_hash": prev}
        raw = canonical(body)
        entry["body"] = raw.decode()
        entry["hash"] = prev = hashlib.sha256(bytes.fromhex(prev) + raw).hexdigest()


def drop_anchors_after(pack: Path, seq: int) -> None:
    for anchor in (pack / "anchors").glob("*.json"):
        if int(anchor.name[:10]) > seq:
            anchor.unlink()


def drop_views(pack: Path) -> None:
    shutil.rmtree(pack / "views")  # a forger rewriting the chain drops what would show it


def reseal(pack: Path) -> None:
    """Make the manifest agree with whatever the pack now holds."""
    manifest = json.loads((pack / "manifest.json").read_text())
    entries = lines(pack)
    manifest["chain"]["entries"] = len(entries)
    manifest["chain"]["head_seq"] = len(entries) - 1
    manifest["chain"]["head_hash"] = entries[-1]["hash"] if entries else None
    if entries:
        manifest["chain"]["last_entry"] = {"seq": len(entries) - 1, "hash": entries[-1]["hash"], "anchor": None}
    files = {
        p.relative_to(pack).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(pack.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }
    manifest["files"] = files
    (pack / "manifest.json").write_text(json.dumps(manifest, indent=2))


def modify(pack: Path) -> None:
    entries = lines(pack)
    entries[4]["body"] = entries[4]["body"].replace('"sent":4', '"sent":3')
    write_lines(pack, entries)


def delete(pack: Path) -> None:
    entries = lines(pack)
    del entries[2]
    write_lines(pack, entries)


def insert(pack: Path) -> None:
    # A forged entry chained to seq 2, the rest renumbered and re-hashed on top of it
    entries = lines(pack)
    forged = {**entries[2], "body": entries[2]["body"].replace('"status":"applied"', '"status":"reverted"')}
    entries.insert(3, forged)
    for seq, entry in enumerate(entries):
        entry["seq"] = seq
        entry["body"] = canonical({**json.loads(entry["body"]), "seq": seq}).decode()
    rehash_from(entries, 3)
    write_lines(pack, entries)


def reorder(pack: Path) -> None:
    entries = lines(pack)
    entries[2], entries[4] = entries[4], entries[2]
    write_lines(pack, entries)


def alter_head(pack: Path) -> None:
    path = pack / "anchors" / "0000000003-contained.json"
    anchor = json.loads(path.read_text())
    statement = json.loads(anchor["statement"])
    anchor["statement"] = canonical({**statement, "head_hash": "e" * 64}).decode()
    path.write_text(json.dumps(anchor))


def resign_with_another_key(pack: Path) -> None:
    """Rewrite the tail, then re-sign every head with the forger's key and swap the key file."""
    entries = lines(pack)
    entries[7]["body"] = entries[7]["body"].replace('"passed":true', '"passed":false')
    rehash_from(entries, 7)
    write_lines(pack, entries)
    drop_views(pack)
    forger = ec.generate_private_key(ec.SECP256R1())
    pem = forger.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    der = forger.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    (pack / "public_key.pem").write_bytes(pem)
    fingerprint = hashlib.sha256(der).hexdigest()
    for path in (pack / "anchors").glob("*.json"):
        anchor = json.loads(path.read_text())
        statement = json.loads(anchor["statement"])
        statement |= {"head_hash": entries[statement["seq"]]["hash"], "public_key_sha256": fingerprint}
        message = canonical(statement)
        signature = forger.sign(message, ec.ECDSA(hashes.SHA256()))
        path.write_text(
            json.dumps({**anchor, "statement": message.decode(), "signature": base64.b64encode(signature).decode()})
        )
    manifest = json.loads((pack / "manifest.json").read_text())
    manifest["signing_key"]["public_key_sha256"] = fingerprint
    (pack / "manifest.json").write_text(json.dumps(manifest))


def truncate_tail(pack: Path) -> None:
    write_lines(pack, lines(pack)[:7])  # the anchors of 7..9 stay: the forger forgot them


def cut_back_to_contained(pack: Path) -> None:
    write_lines(pack, lines(pack)[:4])
    drop_anchors_after(pack, 3)
    drop_views(pack)


def rehash_tail_after_close(pack: Path) -> None:
    entries = lines(pack)
    entries[7]["body"] = entries[7]["body"].replace('"passed":true', '"passed":false')
    rehash_from(entries, 7)
    write_lines(pack, entries)
    drop_anchors_after(pack, 6)  # the signed heads of 7..9 would betray the new hashes
    drop_views(pack)


def empty(pack: Path) -> None:
    write_lines(pack, [])
    shutil.rmtree(pack / "anchors")
    drop_views(pack)


# (tampering, the first bad entry or missing part the verifier must name)
TAMPERINGS: dict[str, tuple[Callable[[Path], None], str]] = {
    "modify": (modify, "INVALID (first bad entry: seq 4): content does not match its hash (entry modified)"),
    "delete": (delete, "INVALID (first bad entry: seq 2): expected seq 2, found 3"),
    "insert": (insert, "INVALID (first bad entry: seq 3): anchor contained@3: entry 3 differs from the signed head"),
    "reorder": (reorder, "INVALID (first bad entry: seq 2): expected seq 2, found 4"),
    "alter a head": (alter_head, "INVALID (first bad entry: seq 3): anchor contained@3: signature does not verify"),
    "re-sign with another key and swap the key file": (
        resign_with_another_key,
        "INVALID (the pack): the signing key",
    ),
    "truncate the tail": (
        truncate_tail,
        "INVALID (first bad entry: seq 7): anchor checkpoint@7: signed head is past the end of the chain",
    ),
    "cut back to an earlier milestone, later anchors removed": (
        cut_back_to_contained,
        "INVALID (first bad entry: seq 4): missing part: the bucket holds "
        f"anchors/{INCIDENT}/0000000004-checkpoint.json",
    ),
    "re-hash the tail after close": (
        rehash_tail_after_close,
        "INVALID (first bad entry: seq 7): entries from seq 7 to 9 are covered by no signed head",
    ),
    "empty pack": (empty, "INVALID (first bad entry: seq 0): missing part: the pack holds no entries"),
}


def test_the_untouched_pack_is_valid_with_the_key_pinned_and_the_bucket_checked(template: dict[str, Any]) -> None:
    checked = pinned(template, template["pack"])

    assert checked.returncode == 0, checked.stdout
    assert "VALID" in checked.stdout and "WARNING" not in checked.stdout
    assert f"last entry seq {LAST} covered by its signed head" in checked.stdout
    assert f"every one of the bucket's {LAST + 1} anchors is in the pack" in checked.stdout


def test_without_a_pinned_key_the_verifier_says_so_loudly_and_does_not_say_valid(template: dict[str, Any]) -> None:
    checked = verify(template["pack"])

    assert checked.returncode == 3
    assert "WARNING: THE SIGNING KEY IS NOT PINNED" in checked.stdout
    assert "NOT PROVEN" in checked.stdout and "VALID:" not in checked.stdout


@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_each_tampering_of_a_pack_is_named(name: str, template: dict[str, Any], tmp_path: Path) -> None:
    tamper, named = TAMPERINGS[name]
    pack = tmp_path / "pack"
    shutil.copytree(template["pack"], pack)
    tamper(pack)
    reseal(pack)

    checked = pinned(template, pack)

    assert checked.returncode == 1, checked.stdout
    assert named in checked.stdout, checked.stdout


def test_a_pack_resigned_with_another_key_fails_against_the_real_public_key(
    template: dict[str, Any], tmp_path: Path
) -> None:
    # Given the forger's pack, and the real key as KMS gives it (DER), not its fingerprint
    pack = tmp_path / "pack"
    shutil.copytree(template["pack"], pack)
    real_pem = (pack / "public_key.pem").read_bytes()
    key = serialization.load_pem_public_key(real_pem)
    der = tmp_path / "key.der"
    der.write_bytes(key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
    resign_with_another_key(pack)
    reseal(pack)

    checked = verify(pack, "--public-key", str(der))

    assert checked.returncode == 1
    assert "INVALID (first bad entry: seq 0): anchor checkpoint@0: signature does not verify" in checked.stdout
    # And unpinned, the forgery is self-consistent: the verifier can only say it proved nothing
    assert verify(pack).returncode == 3


def test_an_empty_directory_names_the_missing_parts(tmp_path: Path, template: dict[str, Any]) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    shutil.copy(template["pack"] / "verify.py", tmp_path / "verify.py")

    checked = subprocess.run(
        [sys.executable, str(tmp_path / "verify.py"), str(pack)], capture_output=True, text=True, check=False
    )

    assert checked.returncode == 1
    assert "INVALID (the pack): missing part: manifest.json, entries.jsonl, public_key.pem" in checked.stdout


# --- a verifier written from docs/evidence-format.md alone ---------------------------------------


def spec_verifier() -> Callable[..., list[str]]:
    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("verify_from_spec", root / "scripts" / "verify_from_spec.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.check  # type: ignore[no-any-return]


def test_the_verifier_written_from_the_format_verifies_the_real_pack(template: dict[str, Any]) -> None:
    listing = json.loads(template["listing"].read_text())

    assert spec_verifier()(template["pack"], template["key"], listing) == []


@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_the_verifier_written_from_the_format_refuses_each_tampering(
    name: str, template: dict[str, Any], tmp_path: Path
) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(template["pack"], pack)
    TAMPERINGS[name][0](pack)
    reseal(pack)

    assert spec_verifier()(pack, template["key"], json.loads(template["listing"].read_text())) != []


# --- the same adversary on the local ledger: `bulkhead ledger verify` --------------------------


@pytest.fixture
def state(template: dict[str, Any], tmp_path: Path) -> Path:
    copy = tmp_path / "state"
    shutil.copytree(template["state"], copy)
    return copy


def ledger_verify(state: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["ledger", "verify", INCIDENT, "--state-dir", str(state), *args])
    return result.exit_code, flat(result.output)


def delete_entries(state: Path, seqs: range) -> None:
    with local_fabric(log_level="ERROR", state_dir=state) as local:
        db = clients.client("dynamodb")
        for seq in seqs:
            key = {"incident_id": {"S": INCIDENT}, "seq": {"N": str(seq)}}
            db.delete_item(TableName=local.tables["Ledger"], Key=key)


class Table:
    """The local ledger table and anchor bucket, as someone with write access to them would see them."""

    def __init__(self, state: Path, tables: dict[str, str], buckets: dict[str, str]) -> None:
        self.state, self.db, self.s3 = state, clients.client("dynamodb"), clients.client("s3")
        self.name, self.bucket = tables["Ledger"], buckets["LedgerAnchors"]

    def key(self, seq: int) -> dict[str, Any]:
        return {"incident_id": {"S": INCIDENT}, "seq": {"N": str(seq)}}

    def item(self, seq: int) -> dict[str, Any]:
        return dict(self.db.get_item(TableName=self.name, Key=self.key(seq))["Item"])

    def put(self, item: dict[str, Any]) -> None:
        self.db.put_item(TableName=self.name, Item=item)

    def delete(self, seq: int) -> None:
        self.db.delete_item(TableName=self.name, Key=self.key(seq))

    def rehashed(self, item: dict[str, Any], prev: str, **changes: Any) -> dict[str, Any]:
        raw = canonical({**json.loads(item["body"]["S"]), **changes, "prev_hash": prev})
        digest = hashlib.sha256(bytes.fromhex(prev) + raw).hexdigest()
        return {**item, "body": {"S": raw.decode()}, "hash": {"S": digest}}

    def anchor(self, name: str) -> dict[str, Any]:
        body = self.s3.get_object(Bucket=self.bucket, Key=f"anchors/{INCIDENT}/{name}")["Body"].read()
        return dict(json.loads(body))

    def put_anchor(self, name: str, anchor: dict[str, Any]) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=f"anchors/{INCIDENT}/{name}", Body=json.dumps(anchor).encode())


def table_modify(t: Table) -> None:
    item = t.item(4)
    t.put({**item, "body": {"S": item["body"]["S"].replace('"sent":4', '"sent":3')}})


def table_insert(t: Table) -> None:
    items = [t.item(n) for n in range(LAST + 1)]
    for item in reversed(items[3:]):
        t.put({**item, "seq": {"N": str(int(item["seq"]["N"]) + 1)}})
    forged = t.rehashed(items[2], items[2]["hash"]["S"], seq=3, type="action.reverted")
    t.put({**forged, "seq": {"N": "3"}})


def table_reorder(t: Table) -> None:
    second, fourth = t.item(2), t.item(4)
    t.put({**fourth, "seq": {"N": "2"}})
    t.put({**second, "seq": {"N": "4"}})


def table_alter_head(t: Table) -> None:
    # Overwriting the anchor only adds a version (ignored); an altered copy beside it is refused.
    anchor = t.anchor("0000000003-contained.json")
    altered = {**anchor, "statement": canonical(json.loads(anchor["statement"]) | {"head_hash": "e" * 64}).decode()}
    t.put_anchor("0000000003-contained.json", altered)
    t.put_anchor("0000000003-contained-v2.json", altered)


def swap_key_file(state: Path) -> None:
    """Locally the signing key's private half lives in the state directory: put a forger's there."""
    forger = ec.generate_private_key(ec.SECP256R1())
    pem = forger.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (state / "local-LedgerSigning.pem").write_bytes(pem)


def table_swap_key(t: Table) -> None:
    swap_key_file(t.state)


def table_truncate(t: Table) -> None:
    for seq in range(7, LAST + 1):
        t.delete(seq)


def table_rehash_after_close(t: Table) -> None:
    prev = t.item(6)["hash"]["S"]
    for seq in range(7, LAST + 1):
        changes = {"data": {"passed": False, "score": 12}} if seq == 7 else {}
        item = t.rehashed(t.item(seq), prev, **changes)
        t.put(item)
        prev = item["hash"]["S"]


TABLE_TAMPERINGS: dict[str, tuple[Callable[[Table], None], str]] = {
    "modify": (table_modify, "first bad entry seq 4: content does not match its hash (entry modified)"),
    "delete": (lambda t: t.delete(2), "first bad entry seq 2: expected seq 2, found 3"),
    "insert": (table_insert, "first bad entry seq 3: anchor contained@3: entry 3 differs from the signed head"),
    "reorder": (table_reorder, "first bad entry seq 2: expected seq 2, found 4"),
    "alter a head": (table_alter_head, "first bad entry seq 3: anchor contained@3: signature does not verify"),
    "swap the key file": (table_swap_key, "first bad entry seq 0: anchor checkpoint@0: signed by another key"),
    "truncate the tail": (
        table_truncate,
        "first bad entry seq 7: anchor checkpoint@7: signed head is seq 7 but the chain ends at seq 6",
    ),
    "re-hash the tail after close": (
        table_rehash_after_close,
        "first bad entry seq 7: anchor checkpoint@7: entry 7 differs from the signed head",
    ),
}


@pytest.mark.parametrize("name", list(TABLE_TAMPERINGS))
def test_ledger_verify_names_each_tampering_of_the_local_ledger(name: str, state: Path) -> None:
    tamper, named = TABLE_TAMPERINGS[name]
    with local_fabric(log_level="ERROR", state_dir=state) as local:
        tamper(Table(state, local.tables, local.buckets))

    code, output = ledger_verify(state)

    assert code == 1, output
    assert named in output, output


def test_ledger_verify_pinned_to_the_real_key_names_a_swapped_key_file(state: Path, template: dict[str, Any]) -> None:
    swap_key_file(state)

    code, output = ledger_verify(state, "--expect-key-sha256", template["key"])

    assert code == 1
    assert f"is not the expected key {template['key']}" in output


def test_ledger_verify_names_a_cut_back_while_the_later_anchors_exist(state: Path) -> None:
    delete_entries(state, range(4, LAST + 1))

    code, output = ledger_verify(state)

    assert code == 1
    assert "first bad entry seq 4: anchor checkpoint@4: signed head is seq 4 but the chain ends at seq 3" in output


def test_ledger_verify_reports_a_ledger_emptied_while_its_anchors_exist_as_tampered(state: Path) -> None:
    delete_entries(state, range(LAST + 1))

    code, output = ledger_verify(state)

    assert code == 1, output
    assert (
        f"the ledger holds no entries, but {LAST + 1} signed heads up to seq {LAST} exist (entries deleted)" in output
    )
    assert "unknown incident" not in output


def test_ledger_verify_pins_the_key_it_is_told_to_expect(state: Path, template: dict[str, Any]) -> None:
    code, output = ledger_verify(state, "--expect-key-sha256", template["key"])
    assert code == 0 and "pinned by --expect-key-sha256" in output

    code, output = ledger_verify(state, "--expect-key-sha256", "ab" * 32)
    assert code == 1 and f"is not the expected key {'ab' * 32}" in output


def test_exporting_a_tampered_ledger_writes_a_pack_marked_failing_and_exits_non_zero(
    state: Path, tmp_path: Path
) -> None:
    delete_entries(state, range(8, LAST + 1))
    pack = tmp_path / "pack"

    result = runner.invoke(app, ["evidence", "export", INCIDENT, "--state-dir", str(state), "--out", str(pack)])

    assert result.exit_code == 1
    assert "FAILED VERIFICATION" in flat(result.output)
    manifest = json.loads((pack / "manifest.json").read_text())
    assert manifest["verification"]["valid"] is False and manifest["verification"]["first_bad_seq"] == 8
    assert "FAILED VERIFICATION" in (pack / "VERIFICATION-FAILED.txt").read_text()
    summary = (pack / "SUMMARY.md").read_text()
    assert "**THE LEDGER FAILED VERIFICATION** (first bad entry seq 8" in summary
    assert "This summary uses only the 8 entries before it, of 8." in summary
    assert verify(pack).returncode == 1


def test_a_failed_anchoring_is_repaired_from_the_cli_and_the_ledger_verifies(state: Path) -> None:
    # Given a note appended to the closed incident while the anchor bucket refused writes
    with local_fabric(log_level="ERROR", state_dir=state) as local:
        store = DynamoLedgerStore(clients.client("dynamodb"), local.tables["Ledger"])
        signer = KmsHeadSigner(clients.client("kms"), fabric.SIGNING_KEYS[0].alias)
        refused = Anchoring(signer, S3AnchorStore(clients.client("s3"), "no-such-bucket"))
        ChainedLedger(store, anchoring=refused).append(
            INCIDENT, EntryDraft(type=EntryType.INCIDENT_CLOSED, actor="e2e", at=T0 + timedelta(hours=2))
        )
    code, output = ledger_verify(state)
    assert code == 1 and f"first bad entry seq {LAST + 1}: milestone closed" in output

    repaired = runner.invoke(
        app, ["ledger", "repair", INCIDENT, "--operator", "jonas-weber", "--state-dir", str(state)]
    )
    again = runner.invoke(app, ["ledger", "repair", INCIDENT, "--operator", "jonas-weber", "--state-dir", str(state)])

    assert repaired.exit_code == 0, repaired.output
    assert f"anchored closed at seq {LAST + 1}" in flat(repaired.output)
    assert "nothing to repair" in flat(again.output)
    unknown = runner.invoke(
        app, ["ledger", "repair", "inc-20261130-unknown1", "--operator", "jonas-weber", "--state-dir", str(state)]
    )
    assert unknown.exit_code == 2 and "no ledger entries for 'inc-20261130-unknown1'" in flat(unknown.output)
    code, output = ledger_verify(state)
    assert code == 0, output
