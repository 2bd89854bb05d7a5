"""Write an incident's evidence pack: the sealed entries, the signed anchors, the public key, the
auditor's views (timeline, dispositions, approvals, actions, notifications, clocks, drill scores)
and a manifest with every file's SHA-256.

Every row of a view cites the entry it comes from (`seq`, `entry_hash`) and copies its fields, so
the standalone verifier can prove each view against the chain; nothing in the pack is trusted
because of where it came from.
"""

import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from functions.ledger.models import Anchor, EntryType, LedgerVerdict, SealedEntry

FORMAT = "bulkhead-evidence/1"
VERIFIER = Path(__file__).with_name("verifier.py")

# view -> the entry types it lists, in chain order
VIEWS: dict[str, tuple[str, ...]] = {
    "timeline": (),  # every entry
    "dispositions": (EntryType.SIGNAL_DISPOSITION.value,),
    "approvals": tuple(t.value for t in EntryType if t.value.startswith("approval.")),
    "actions": tuple(t.value for t in EntryType if t.value.startswith(("action.", "degradation."))),
    "notifications": tuple(t.value for t in EntryType if t.value.startswith(("notification.", "regulator."))),
    "clocks": tuple(t.value for t in EntryType if t.value.startswith("clock.")),
    "drill_scores": (EntryType.DRILL_SCORED.value,),
}


@dataclass(frozen=True)
class ExportedPack:
    path: Path
    entries: int
    anchors: int
    files: int


def export_pack(
    out: Path,
    incident_id: str,
    entries: Sequence[SealedEntry],
    anchors: Sequence[Anchor],
    public_key_pem: str,
    key_id: str,
    verdict: LedgerVerdict,
) -> ExportedPack:
    """Write the pack into `out` (created; must not hold a pack already). Written to a temporary
    directory first and renamed, so a failed export leaves nothing half-written."""
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty")
    staging = out.with_name(f".{out.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        _write(staging, incident_id, entries, anchors, public_key_pem, key_id, verdict)
        if out.exists():
            out.rmdir()
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    manifest = json.loads((out / "manifest.json").read_text())
    return ExportedPack(out, len(entries), len(anchors), len(manifest["files"]))


def _write(
    root: Path,
    incident_id: str,
    entries: Sequence[SealedEntry],
    anchors: Sequence[Anchor],
    public_key_pem: str,
    key_id: str,
    verdict: LedgerVerdict,
) -> None:
    files: dict[str, bytes] = {}
    files["entries.jsonl"] = b"".join(
        json.dumps({"seq": e.seq, "hash": e.hash, "body": e.body.decode()}, ensure_ascii=False).encode() + b"\n"
        for e in entries
    )
    for anchor in anchors:
        statement = anchor.parsed()
        name = f"anchors/{statement.seq:010d}-{statement.milestone.value}.json"
        files[name] = anchor.model_dump_json(indent=2).encode()
    files["public_key.pem"] = public_key_pem.encode()
    bodies = [json.loads(e.body) for e in entries]
    for view, types in VIEWS.items():
        rows = [_row(e, body) for e, body in zip(entries, bodies, strict=True) if not types or body["type"] in types]
        files[f"views/{view}.json"] = json.dumps({"types": list(types), "rows": rows}, indent=2).encode()
    files["verification.json"] = verdict.model_dump_json(indent=2).encode()
    files["VERIFY.md"] = _readme(incident_id).encode()
    files["verify.py"] = VERIFIER.read_bytes()
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    manifest = {
        "format": FORMAT,
        "incident_id": incident_id,
        "exported_at": datetime.now(UTC).isoformat(),
        "chain": {
            "entries": len(entries),
            "head_seq": len(entries) - 1,
            "head_hash": entries[-1].hash if entries else None,
            "hash_rule": "sha256(bytes.fromhex(prev_hash) + body_utf8), prev of seq 0 = 64 zeros",
        },
        "signing_key": {
            "key_id": key_id,
            "algorithm": "ECDSA_SHA_256",
            "public_key_file": "public_key.pem",
            "public_key_sha256": verdict.public_key_sha256,
        },
        "anchors": len(anchors),
        "files": {name: hashlib.sha256(content).hexdigest() for name, content in sorted(files.items())},
    }
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def _row(entry: SealedEntry, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "entry_hash": entry.hash,
        "at": body["at"],
        "type": body["type"],
        "actor": body["actor"],
        "data": body["data"],
    }


def _readme(incident_id: str) -> str:
    return f"""# Evidence pack: incident {incident_id}

Verify it offline (Python 3.11+ and the `cryptography` package; no AWS access):

    python verify.py .
    python verify.py . --expect-key-sha256 <fingerprint of the ledger signing key>

Use a copy of the verifier you trust (the one shipped with Bulkhead, `bulkhead/evidence/verifier.py`)
rather than this pack's own `verify.py`, and obtain the key fingerprint independently (for example
`aws kms get-public-key`), so that nothing in the pack vouches for itself.

- entries.jsonl: the hash chain, each entry's exact canonical bytes (RFC 8785) and hash
- anchors/: chain heads signed with the KMS key at each milestone (declared, contained, notified, closed)
- public_key.pem: the signing key's public half
- views/: timeline, dispositions, approvals, actions, notifications, clocks, drill scores; each row
  cites the entry (seq, entry_hash) it is copied from
- manifest.json: SHA-256 of every file
"""
