"""Write an incident's evidence pack: the sealed entries, the signed anchors, the public key, the
auditor's views (timeline, dispositions, approvals, actions, notifications, clocks, drill scores,
who acted, when the DPO was told, the Art. 33(5) record, reviews), the documents the ledger signs by
their SHA-256 (the post-incident review, the regulator drafts), the disposition of every signal the
incident merged (excerpts of the day chains `dispositions-<day>` with their signed heads) and a
manifest with every file's SHA-256.

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

from bulkhead.evidence.dispositions import SignalDispositions, excerpt, is_disposition_of
from bulkhead.evidence.summary import ACCOUNTABLE, acted_by, render_summary
from functions.ledger.models import Anchor, EntryType, LedgerVerdict, SealedEntry

FORMAT = "bulkhead-evidence/4"
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
    "dpo_informed": (EntryType.DPO_INFORMED.value,),
    "breach_facts": (EntryType.BREACH_FACTS.value,),  # GDPR Art. 33(5), every revision
    "reviews": (EntryType.REVIEW_RECORDED.value,),
}
REVIEW_FILES = ("review/review.md", "review/review.html")  # the latest review.recorded: sha256, html_sha256
DRAFTS_DIR = "notices/regulator/"  # each file: a regulator.notice_drafted entry's draft_sha256
TEMPLATES_DIR = "notices/customer/"  # each file: a template a notification.batch_sent entry records
DISPOSITIONS_DIR = "dispositions/"  # <day chain>/entries.jsonl and <day chain>/anchors/: excerpts, signed
DISPOSITIONS_VIEW = "views/signal_dispositions.json"  # the incident's rows of those excerpts


@dataclass(frozen=True)
class Documents:
    """Documents the ledger records by their SHA-256, as found beside it; checked before they go in."""

    review_markdown: bytes | None = None
    review_html: bytes | None = None
    regulator_drafts: tuple[tuple[str, bytes], ...] = ()  # (file name, text)
    customer_templates: tuple[tuple[str, bytes], ...] = ()  # (<template name>.json, RFC 8785 JSON)


class DocumentMismatch(ValueError):
    """A document the ledger signs by its SHA-256 is missing or is not the one recorded."""


def latest_review(entries: Sequence[SealedEntry]) -> dict[str, Any] | None:
    bodies = [json.loads(e.body) for e in entries]
    reviews = [b for b in bodies if b["type"] == EntryType.REVIEW_RECORDED.value]
    return reviews[-1] if reviews else None


def check_documents(entries: Sequence[SealedEntry], documents: Documents) -> list[str]:
    """What the pack would hold that the ledger does not vouch for, or what it must hold and lacks."""
    problems: list[str] = []
    review = latest_review(entries)
    if review is not None:
        for name, content, member in (
            ("Markdown", documents.review_markdown, "sha256"),
            ("HTML", documents.review_html, "html_sha256"),
        ):
            if content is None:
                problems.append(f"the review's {name} (review.recorded at seq {review['seq']}) was not found")
            elif hashlib.sha256(content).hexdigest() != review["data"].get(member):
                problems.append(f"the review's {name} is not the one signed at seq {review['seq']} ({member})")
    return problems


def customer_templates(entries: Sequence[SealedEntry]) -> list[str]:
    """The names of the e-mail templates the incident's notice batches record."""
    bodies = [json.loads(e.body) for e in entries]
    return list(_templates_recorded(bodies))


def _templates_recorded(bodies: list[dict[str, Any]]) -> dict[str, str]:
    """template name -> SHA-256, from every notification.batch_sent entry."""
    return {
        str(name): str(digest)
        for b in bodies
        if b["type"] == EntryType.NOTIFICATION_BATCH_SENT.value
        for name, digest in (b["data"].get("templates") or {}).items()
    }


def _drafts_recorded(bodies: list[dict[str, Any]]) -> dict[str, str]:
    """file name -> draft_sha256 of every regulator draft the ledger records."""
    return {
        str(b["data"].get("draft_key", "")).rsplit("/", 1)[-1]: str(b["data"].get("draft_sha256"))
        for b in bodies
        if b["type"] == EntryType.REGULATOR_NOTICE_DRAFTED.value and b["data"].get("draft_key")
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
    documents: Documents | None = None,
    dispositions: SignalDispositions | None = None,
) -> ExportedPack:
    """Write the pack into `out` (created; must not hold a pack already). Written to a temporary
    directory first and renamed, so a failed export leaves nothing half-written. A review the ledger
    records must be given and match its signed SHA-256s (`DocumentMismatch` otherwise: nothing written).

    A ledger that fails verification is still exported, for forensics, and the pack says so
    (`VERIFICATION-FAILED.txt`, the manifest's `verification`); `verified` tells the caller."""
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty")
    documents = documents or Documents()
    problems = check_documents(entries, documents)
    if problems:
        raise DocumentMismatch("; ".join(problems))
    dispositions = dispositions or SignalDispositions()
    files = _files(incident_id, entries, anchors, public_key_pem, verdict, source, documents, dispositions)
    manifest = _manifest(incident_id, entries, anchors, key_id, verdict, source, files)
    manifest["dispositions"] = _dispositions_manifest(incident_id, dispositions)
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
    documents: Documents,
    dispositions: SignalDispositions,
) -> dict[str, bytes]:
    """Every file of the pack but its manifest, by path."""
    files: dict[str, bytes] = {}
    files["entries.jsonl"] = _lines(entries)
    for anchor in anchors:
        statement = anchor.parsed()
        name = f"anchors/{statement.seq:010d}-{statement.milestone.value}.json"
        files[name] = anchor.model_dump_json(indent=2).encode()
    files["public_key.pem"] = public_key_pem.encode()
    bodies = [json.loads(e.body) for e in entries]
    for view, types in VIEWS.items():
        rows = [_row(e, body) for e, body in zip(entries, bodies, strict=True) if not types or body["type"] in types]
        if view == "who_acted":
            rows = [{**row, "acted_by": acted_by(row["actor"], row["data"])} for row in rows]
        files[f"views/{view}.json"] = json.dumps({"types": list(types), "rows": rows}, indent=2).encode()
    if documents.review_markdown is not None and documents.review_html is not None:
        files[REVIEW_FILES[0]] = documents.review_markdown
        files[REVIEW_FILES[1]] = documents.review_html
    recorded = _drafts_recorded(bodies)
    included: list[str] = []
    for name, text in documents.regulator_drafts:
        # Only the drafts the ledger vouches for: a draft changed since it was recorded stays out.
        if recorded.get(name) == hashlib.sha256(text).hexdigest():
            files[f"{DRAFTS_DIR}{name}"] = text
            included.append(name)
    templates = _templates_recorded(bodies)
    for name, text in documents.customer_templates:
        if templates.get(name.removesuffix(".json")) == hashlib.sha256(text).hexdigest():
            files[f"{TEMPLATES_DIR}{name}"] = text
            included.append(name)
    files.update(_disposition_files(incident_id, dispositions))
    files["verification.json"] = verdict.model_dump_json(indent=2).encode()
    if not verdict.valid:
        files[FAILED_MARK] = _failed(verdict).encode()
    files["VERIFY.md"] = _readme(incident_id, verdict, source).encode()
    files["SUMMARY.md"] = render_summary(
        incident_id, entries, verdict, drafts_included=included, dispositions=dispositions
    ).encode()
    files["verify.py"] = VERIFIER.read_bytes()
    return files


def _disposition_files(incident_id: str, dispositions: SignalDispositions) -> dict[str, bytes]:
    """Each day chain's excerpt (entries and signed heads, as the incident chain's) and the view of them."""
    files: dict[str, bytes] = {}
    rows: list[dict[str, Any]] = []
    for chain in sorted(dispositions.chains, key=lambda c: c.name):
        entries, anchors = excerpt(incident_id, chain)
        if not entries:
            continue
        folder = f"{DISPOSITIONS_DIR}{chain.name}/"
        files[f"{folder}entries.jsonl"] = _lines(entries)
        for anchor in anchors:
            statement = anchor.parsed()
            files[f"{folder}anchors/{statement.seq:010d}-{statement.milestone.value}.json"] = anchor.model_dump_json(
                indent=2
            ).encode()
        for entry in entries:
            body = json.loads(entry.body)
            if is_disposition_of(incident_id, body):
                rows.append({"chain": chain.name, **_row(entry, body)})
    view = {"types": [EntryType.SIGNAL_DISPOSITION.value], "incident_id": incident_id, "rows": rows}
    files[DISPOSITIONS_VIEW] = json.dumps(view, indent=2).encode()
    return files


def _dispositions_manifest(incident_id: str, dispositions: SignalDispositions) -> dict[str, Any]:
    """Which day chains the pack carries excerpts of, and what the incident's windows count."""
    chains: dict[str, Any] = {}
    for chain in sorted(dispositions.chains, key=lambda c: c.name):
        entries, anchors = excerpt(incident_id, chain)
        if entries:
            chains[chain.name] = {"entries": len(entries), "anchors": len(anchors)}
    windows = [
        {
            "window_sha256": w.window_sha256,
            "day": w.day,
            "signals": w.signals,
            "ignored": w.ignored,
            "declared": w.declared,
            "merged": w.merged,
        }
        for w in dispositions.windows
    ]
    return {"view": DISPOSITIONS_VIEW, "chains": chains, "windows": windows}


def _lines(entries: Sequence[SealedEntry]) -> bytes:
    return b"".join(
        json.dumps({"seq": e.seq, "hash": e.hash, "body": e.body.decode()}, ensure_ascii=False).encode() + b"\n"
        for e in entries
    )


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
- views/: timeline, dispositions, approvals, actions, notifications, clocks, drill scores, who acted
  (each row also says whether a person, an IAM principal or only a function acted), when the DPO was
  told, the Art. 33(5) record (every revision), reviews; each row cites the entry (seq, entry_hash)
  it is copied from
- review/: the post-incident review (Markdown and HTML) whose SHA-256s the last review.recorded entry signs
- notices/regulator/: the regulator drafts, each the one whose SHA-256 a regulator.notice_drafted entry records
- notices/customer/: the customer notice e-mail templates (with their placeholders), each the one whose
  SHA-256 a notification.batch_sent entry records
- dispositions/<day chain>/: the disposition of every signal correlated into the incident (declared,
  merged, below threshold), as excerpts of the day chains `dispositions-<day>`: each entry with its
  hash and the signed head that covers it; views/signal_dispositions.json lists them
- SUMMARY.md: the incident for a person to read, generated from the verified entries only
- verification.json: the exporter's verdict
- manifest.json: SHA-256 of every file, the entry count, the last entry and its signed head
"""
