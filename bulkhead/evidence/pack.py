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

from bulkhead.evidence.summary import ACCOUNTABLE, render_summary
from functions.ledger.models import Anchor, EntryType, LedgerVerdict, SealedEntry

FORMAT = "bulkhead-evidence/2"
FAILED_MARK = "VERIFICATION-FAILED.txt"
VERIFIER = Path(__file__).with_name("verifier.py")

# view -> the entry types it lists, in chain order
VIEWS: dict[str, tuple[str, ...]] = {
    "timeline": (),  # every entry
    # the declaring signal, and the counts of signals merged into the incident (1st, 10th, 100th...)
    "dispositions": (EntryType.SIGNAL_DISPOSITION.value, EntryType.SIGNAL_DISPOSITIONS_COUNTED.value),
    "approvals": tuple(t.value for t in EntryType if t.value.startswith("approval.")),
    "actions": tuple(t.value for t in EntryType if t.value.startswith(("action.", "degradation."))),
    "notifications": tuple(t.value for t in EntryType if t.value.startswith(("notification.", "regulator."))),
    "clocks": tuple(t.value for t in EntryType if t.value.startswith("clock.")),
    "drill_scores": (EntryType.DRILL_SCORED.value,),
    # approvals, manual tasks, filings, restores and repairs: who acted, person or IAM principal
    "who_acted": tuple(t.value for t in ACCOUNTABLE),
}


@dataclass(frozen=True)
class ExportedPack:
    path: Path
    entries: int
    anchors: int
    files: int
    verified: bool


@dataclass(frozen=True)
class AnchorSource:
    """Where the signed heads live, so a reader of the pack can check it was not cut back."""

    bucket: str
    prefix: str


def export_pack(
    out: Path,
    incident_id: str,
    entries: Sequence[SealedEntry],
    anchors: Sequence[Anchor],
    public_key_pem: str,
    key_id: str,
    verdict: LedgerVerdict,
    source: AnchorSource | None = None,
) -> ExportedPack:
    """Write the pack into `out` (created; must not hold a pack already). Written to a temporary
    directory first and renamed, so a failed export leaves nothing half-written.

    A ledger that fails verification is still exported, for forensics, and the pack says so
    (`VERIFICATION-FAILED.txt`, the manifest's `verification`); `verified` tells the caller."""
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty")
    files = _files(incident_id, entries, anchors, public_key_pem, verdict, source)
    manifest = _manifest(incident_id, entries, anchors, key_id, verdict, source, files)
    staging = out.with_name(f".{out.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        for name, content in {**files, "manifest.json": (json.dumps(manifest, indent=2) + "\n").encode()}.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        if out.exists():
            out.rmdir()
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ExportedPack(out, len(entries), len(anchors), len(files), verdict.valid)


def _files(
    incident_id: str,
    entries: Sequence[SealedEntry],
    anchors: Sequence[Anchor],
    public_key_pem: str,
    verdict: LedgerVerdict,
    source: AnchorSource | None,
) -> dict[str, bytes]:
    """Every file of the pack but its manifest, by path."""
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
    if not verdict.valid:
        files[FAILED_MARK] = _failed(verdict).encode()
    files["VERIFY.md"] = _readme(incident_id, verdict, source).encode()
    files["SUMMARY.md"] = render_summary(incident_id, entries, verdict).encode()
    files["verify.py"] = VERIFIER.read_bytes()
    return files


def _manifest(
    incident_id: str,
    entries: Sequence[SealedEntry],
    anchors: Sequence[Anchor],
    key_id: str,
    verdict: LedgerVerdict,
    source: AnchorSource | None,
    files: dict[str, bytes],
) -> dict[str, Any]:
    """What the pack holds, with each file's SHA-256, and how to check it."""
    last_anchor = _last_entry_anchor(entries, anchors)
    return {
        "format": FORMAT,
        "incident_id": incident_id,
        "exported_at": datetime.now(UTC).isoformat(),
        "verification": {
            "valid": verdict.valid,
            "first_bad_seq": verdict.first_bad_seq,
            "problem": verdict.problem,
        },
        "chain": {
            "entries": len(entries),
            "head_seq": len(entries) - 1,
            "head_hash": entries[-1].hash if entries else None,
            "hash_rule": "sha256(bytes.fromhex(prev_hash) + body_utf8), prev of seq 0 = 64 zeros",
            "last_entry": {
                "seq": entries[-1].seq,
                "hash": entries[-1].hash,
                "anchor": last_anchor,
            }
            if entries
            else None,
        },
        "anchor_bucket": {"bucket": source.bucket, "prefix": source.prefix} if source else None,
        "signing_key": {
            "key_id": key_id,
            "algorithm": "ECDSA_SHA_256",
            "public_key_file": "public_key.pem",
            "public_key_sha256": verdict.public_key_sha256,
        },
        "anchors": len(anchors),
        "files": {name: hashlib.sha256(content).hexdigest() for name, content in sorted(files.items())},
    }


def _row(entry: SealedEntry, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "entry_hash": entry.hash,
        "at": body["at"],
        "type": body["type"],
        "actor": body["actor"],
        "data": body["data"],
    }


def _last_entry_anchor(entries: Sequence[SealedEntry], anchors: Sequence[Anchor]) -> str | None:
    """The file holding the signed statement of the last entry (its seq and hash), if there is one."""
    if not entries:
        return None
    last = entries[-1]
    for anchor in anchors:
        statement = anchor.parsed()
        if statement.seq == last.seq and statement.head_hash == last.hash:
            return f"anchors/{statement.seq:010d}-{statement.milestone.value}.json"
    return None


def _failed(verdict: LedgerVerdict) -> str:
    where = "the ledger" if verdict.first_bad_seq is None else f"first bad entry: seq {verdict.first_bad_seq}"
    return (
        f"THIS LEDGER FAILED VERIFICATION when it was exported ({where}): {verdict.problem}\n"
        "The pack is written for forensics only: it is not evidence that the record is whole.\n"
    )


def _readme(incident_id: str, verdict: LedgerVerdict, source: AnchorSource | None) -> str:
    bucket = source.bucket if source else "<the ledger anchor bucket>"
    prefix = source.prefix if source else f"anchors/{incident_id}/"
    status = (
        "The ledger verified when exported."
        if verdict.valid
        else f"**THE LEDGER FAILED VERIFICATION WHEN EXPORTED** (see {FAILED_MARK}): {verdict.problem}"
    )
    return f"""# Evidence pack: incident {incident_id}

{status}

Verify it offline (Python 3.11+ and the `cryptography` package). Take the signing key from outside
the pack, and check the pack was not cut back against the anchor bucket (Object Lock: its anchors
cannot be deleted, so any anchor there that the pack lacks shows entries were removed):

    aws kms get-public-key --key-id <ledger signing key> --query PublicKey --output text | base64 -d > key.der
    aws s3api list-object-versions --bucket {bucket} --prefix {prefix} --output json > bucket-anchors.json
    python verify.py . --public-key key.der --bucket-listing bucket-anchors.json

(`--expect-key-sha256 HEX` pins the key by its fingerprint instead.) Without a pinned key the
verifier says NOT PROVEN (exit 3): the pack's own public_key.pem can only vouch for itself. Use a
copy of the verifier you trust (`bulkhead/evidence/verifier.py`, or one written from
docs/evidence-format.md) rather than this pack's own `verify.py`.

- entries.jsonl: the hash chain, each entry's exact canonical bytes (RFC 8785) and hash
- anchors/: every chain head, signed with the KMS key: under its milestone's name (declared,
  contained, notified, closed) or as a checkpoint; the last entry's is named in the manifest
- public_key.pem: the signing key's public half (as the exporter read it from KMS)
- views/: timeline, dispositions, approvals, actions, notifications, clocks, drill scores; each row
  cites the entry (seq, entry_hash) it is copied from
- SUMMARY.md: the incident for a person to read, generated from the verified entries only
- verification.json: the exporter's verdict
- manifest.json: SHA-256 of every file, the entry count, the last entry and its signed head
"""
