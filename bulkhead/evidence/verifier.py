#!/usr/bin/env python3
"""Standalone verifier of a Bulkhead evidence pack. Needs only the pack, Python 3.11+ and `cryptography`.

    python verifier.py PACK_DIR --expect-key-sha256 HEX [--bucket-listing LISTING.json]
    python verifier.py PACK_DIR --public-key KEY.pem|KEY.der [--bucket-listing LISTING.json]

Checks, offline (the format is docs/evidence-format.md):
- every file against the manifest, and that the pack holds entries and the count it declares;
- the hash chain: sha256(prev_hash || body) over the exact stored bytes, seq 0..n, one incident;
- every signed head's ECDSA P-256 signature against the signing key, and the key itself against
  one obtained outside the pack (--expect-key-sha256 or --public-key); without either the pack can
  vouch only for itself, which is said loudly and never reported as VALID;
- that every signed head matches the chain, every milestone has its own signed head, the last
  entry is covered by a signed head at its own seq (the pack carries that statement), and no signed
  head points past the last entry;
- with --bucket-listing (`aws s3api list-object-versions --bucket B --prefix anchors/INCIDENT/`),
  that every anchor the Object Lock bucket holds is in the pack: a pack cut back to an earlier
  head, its later anchors dropped, is otherwise self-consistent;
- that every view row is a faithful copy of the entry it cites and no entry of a view's types is missing,
  and that `who_acted` says rightly whether a person, an IAM principal or only a function acted;
- that the documents the ledger signs by SHA-256 are the ones signed: the post-incident review
  (`review/`, against the last `review.recorded`, which requires them) and each regulator draft
  (`notices/regulator/`, against its `regulator.notice_drafted`) and customer notice template
  (`notices/customer/`, against the `notification.batch_sent` entries that name it);
- (format 4) that the dispositions of the signals the incident merged (`dispositions/<day chain>/`)
  are excerpts of those day chains that hash right and are each covered by a signed head of their
  chain, that `views/signal_dispositions.json` lists exactly the incident's entries of them, and
  that they are as many, per correlation window and outcome, as the windows count (the manifest's
  `dispositions.windows`, and at least what the incident's own signed count checkpoints say).

Exit 0 when all hold and the key was pinned; 1 with the first bad entry or missing part named;
2 when the pack cannot be read at all; 3 when everything holds but the key was not pinned.

Deliberately imports nothing from Bulkhead, so an auditor can read all of it.
"""

# ruff: noqa: T201  (a command-line tool: it reports by printing)

import argparse
import base64
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

GENESIS = "0" * 64
MILESTONE_TYPES = {
    "incident.declared": "declared",
    "incident.contained": "contained",
    "incident.notified": "notified",
    "incident.closed": "closed",
}
PACK = -1  # where a problem belongs to the pack itself rather than to one entry
ANCHOR_NAME = re.compile(r"^(\d{10})-([a-z]+)\.json$")
REVIEW_FILES = (("review/review.md", "sha256"), ("review/review.html", "html_sha256"))
DRAFTS_DIR = "notices/regulator"
TEMPLATES_DIR = "notices/customer"
DISPOSITIONS_DIR = "dispositions"
DISPOSITIONS_VIEW = "signal_dispositions.json"
DAY_CHAIN = re.compile(r"^dispositions-\d{4}-\d{2}-\d{2}$")
FORMATS = ("bulkhead-evidence/3", "bulkhead-evidence/4")


class Findings:
    def __init__(self) -> None:
        self.problems: list[tuple[int, str]] = []  # (seq, or PACK for the pack itself, problem)
        self.notes: list[str] = []
        self.warnings: list[str] = []
        self.key_pinned = False

    def bad(self, seq: int, problem: str) -> None:
        self.problems.append((seq, problem))


def verify_pack(
    root: Path,
    expect_key_sha256: str | None = None,
    public_key: bytes | None = None,
    bucket_listing: dict[str, Any] | None = None,
) -> Findings:
    found = Findings()
    missing = [name for name in ("manifest.json", "entries.jsonl", "public_key.pem") if not (root / name).is_file()]
    if missing:
        found.bad(PACK, f"missing part: {', '.join(missing)} (an empty or gutted pack proves nothing)")
        return found
    manifest = json.loads((root / "manifest.json").read_text())
    _check_files(root, manifest, found)
    incident = manifest["incident_id"]
    entries = [json.loads(line) for line in (root / "entries.jsonl").read_text().splitlines() if line]
    bodies = _check_chain(incident, entries, found)
    _check_count(manifest, entries, found)
    key, fingerprint = _trusted_key(root, manifest, expect_key_sha256, public_key, found)
    if key is None:
        return found
    anchored = _check_anchors(root, incident, entries, key, fingerprint, found)
    for seq, body in enumerate(bodies):
        milestone = MILESTONE_TYPES.get(body.get("type", ""))
        if milestone and (seq, milestone) not in anchored:
            found.bad(seq, f"milestone {milestone} at seq {seq} has no valid anchor")
    _check_last_entry_signed(manifest, entries, anchored, found)
    if bucket_listing is not None:
        _check_bucket(root, incident, len(entries), bucket_listing, found)
    else:
        found.warnings.append(
            "cut-back not checked against the anchor bucket: a pack cut back to an earlier head with its later "
            "anchors dropped is self-consistent. Run with --bucket-listing (see VERIFY.md)."
        )
    _check_views(root, entries, bodies, found)
    _check_documents(root, bodies, found)
    if manifest.get("format") == FORMATS[0]:
        found.warnings.append(
            "a format-3 pack carries no dispositions of the signals the incident merged: whether every merged "
            "signal's disposition was recorded cannot be checked from it"
        )
    elif manifest.get("format") != FORMATS[1]:
        found.bad(PACK, f"unknown format {manifest.get('format')!r} (this verifier reads {', '.join(FORMATS)})")
    else:
        _check_dispositions(root, manifest, bodies, key, fingerprint, found)
    return found


def _check_files(root: Path, manifest: dict[str, Any], found: Findings) -> None:
    listed = manifest["files"]
    for name, digest in listed.items():
        path = root / name
        if not path.is_file():
            found.bad(PACK, f"missing part: {name} is listed in the manifest but not in the pack")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            found.bad(PACK, f"{name} does not match its SHA-256 in the manifest")
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    for name in sorted(present - set(listed) - {"manifest.json"}):
        found.bad(PACK, f"{name} is in the pack but not in the manifest")


def _check_chain(incident: str, entries: list[dict[str, Any]], found: Findings) -> list[dict[str, Any]]:
    prev_hex, prev_raw, bodies = GENESIS, bytes(32), []
    for position, entry in enumerate(entries):
        raw = entry["body"].encode()
        body = json.loads(raw)
        bodies.append(body)
        digest = hashlib.sha256(prev_raw + raw).digest()
        if body.get("incident_id") != incident:
            found.bad(position, f"entry belongs to incident {body.get('incident_id')!r}")
        elif body.get("seq") != position or entry.get("seq") != position:
            found.bad(
                position, f"expected seq {position}, found {body.get('seq')} (entry missing, inserted or reordered)"
            )
        elif body.get("prev_hash") != prev_hex:
            found.bad(position, "prev_hash does not match the previous entry's hash")
        elif digest.hex() != entry["hash"]:
            found.bad(position, "content does not match its hash (entry modified)")
        else:
            prev_hex, prev_raw = entry["hash"], digest
            continue
        break  # after the first break nothing later can be trusted
    return bodies


def _check_count(manifest: dict[str, Any], entries: list[dict[str, Any]], found: Findings) -> None:
    if not entries:
        found.bad(0, "missing part: the pack holds no entries")
        return
    chain = manifest["chain"]
    if chain.get("entries") != len(entries):
        found.bad(
            min(len(entries), int(chain.get("entries") or 0)),
            f"the manifest declares {chain.get('entries')} entries but entries.jsonl holds {len(entries)}",
        )
    if chain.get("head_hash") != entries[-1]["hash"]:
        found.bad(len(entries) - 1, "the manifest's head_hash is not the hash of the last entry")


def _trusted_key(
    root: Path,
    manifest: dict[str, Any],
    expect_key_sha256: str | None,
    public_key: bytes | None,
    found: Findings,
) -> tuple[ec.EllipticCurvePublicKey | None, str]:
    """The key to verify with: the outside one when given, else the pack's own (and a loud warning)."""
    pem = (root / "public_key.pem").read_bytes()
    pack_fingerprint = _fingerprint(serialization.load_pem_public_key(pem))
    if pack_fingerprint != manifest["signing_key"]["public_key_sha256"]:
        found.bad(PACK, "public_key.pem is not the key the manifest names")
    key: Any = serialization.load_pem_public_key(pem)
    if public_key is not None:
        key = _load_key(public_key)
        found.key_pinned = True
    fingerprint = _fingerprint(key)
    if expect_key_sha256:
        found.key_pinned = True
        if fingerprint != expect_key_sha256.strip().lower():
            found.bad(PACK, f"the signing key {fingerprint} is not the expected key {expect_key_sha256.lower()}")
    if public_key is not None and fingerprint != pack_fingerprint:
        found.bad(PACK, f"the pack's public_key.pem ({pack_fingerprint}) is not the trusted key ({fingerprint})")
    if not found.key_pinned:
        found.warnings.append(
            "THE SIGNING KEY IS NOT PINNED: the pack's own public_key.pem vouches for itself, so a pack re-signed "
            "with another key and that key swapped in would pass. Re-run with --expect-key-sha256 (from "
            "`aws kms get-public-key`) or --public-key."
        )
    found.notes.append(f"signing key sha256: {fingerprint}")
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        found.bad(PACK, "the signing key is not an ECDSA P-256 key")
        return None, fingerprint
    return key, fingerprint


def _load_key(data: bytes) -> Any:
    if data.lstrip().startswith(b"-----BEGIN"):
        return serialization.load_pem_public_key(data)
    return serialization.load_der_public_key(data)  # as `aws kms get-public-key` gives it, base64-decoded


def _fingerprint(key: Any) -> str:
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def _check_anchors(
    root: Path,
    incident: str,
    entries: list[dict[str, Any]],
    key: ec.EllipticCurvePublicKey,
    fingerprint: str,
    found: Findings,
) -> set[tuple[int, str]]:
    anchored: set[tuple[int, str]] = set()
    checkpoints = 0
    for path in sorted((root / "anchors").glob("*.json")):
        anchor = json.loads(path.read_text())
        statement = json.loads(anchor["statement"])
        seq, milestone = int(statement["seq"]), statement["milestone"]
        where = f"anchor {milestone}@{seq}"
        try:
            key.verify(base64.b64decode(anchor["signature"]), anchor["statement"].encode(), ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            found.bad(min(seq, len(entries)), f"{where}: signature does not verify (forged head, or another key)")
            continue
        if statement["public_key_sha256"] != fingerprint or statement["incident_id"] != incident:
            found.bad(seq, f"{where}: names another key or incident")
        elif path.name != f"{seq:010d}-{milestone}.json":
            found.bad(seq, f"{where}: stored as {path.name}, not under its own name")
        elif seq >= len(entries):
            found.bad(len(entries), f"{where}: signed head is past the end of the chain (entries deleted)")
        elif entries[seq]["hash"] != statement["head_hash"]:
            found.bad(seq, f"{where}: entry {seq} differs from the signed head (entries up to it rewritten)")
        else:
            anchored.add((seq, milestone))
            if milestone == "checkpoint":
                checkpoints += 1
            else:
                found.notes.append(f"{where}: signed head verified ({statement['at']})")
    found.notes.append(f"{checkpoints} checkpoint heads verified")
    return anchored


def _check_last_entry_signed(
    manifest: dict[str, Any], entries: list[dict[str, Any]], anchored: set[tuple[int, str]], found: Findings
) -> None:
    """Every entry must be covered by a signature: a signed head at the last seq covers all before it."""
    if not entries:
        return
    last = len(entries) - 1
    if not any(seq == last for seq, _ in anchored):
        first = max((seq for seq, _ in anchored), default=-1) + 1
        problem = f"entries from seq {first} to {last} are covered by no signed head (the last entry must have one)"
        found.bad(first, problem)
        return
    declared = manifest["chain"].get("last_entry") or {}
    if declared.get("seq") != last or declared.get("hash") != entries[last]["hash"]:
        found.bad(last, "the manifest's last_entry is not the last entry of the chain")
    found.notes.append(f"last entry seq {last} covered by its signed head ({declared.get('anchor')})")


def _check_bucket(root: Path, incident: str, count: int, listing: dict[str, Any], found: Findings) -> None:
    """Every anchor the Object Lock bucket holds (it cannot lose one) must be in the pack."""
    prefix = f"anchors/{incident}/"
    in_pack = {p.name for p in (root / "anchors").glob("*.json")}
    in_bucket: set[str] = set()
    for version in [*listing.get("Versions", []), *listing.get("DeleteMarkers", [])]:
        name = str(version.get("Key", ""))
        if name.startswith(prefix):
            in_bucket.add(name[len(prefix) :])
    if not in_bucket:
        found.bad(PACK, f"the bucket listing holds no anchors under {prefix} (wrong bucket, prefix or incident?)")
        return
    for name in sorted(in_bucket - in_pack):
        match = ANCHOR_NAME.match(name)
        seq = int(match.group(1)) if match else PACK
        found.bad(
            min(seq, count) if seq >= 0 else PACK,
            f"missing part: the bucket holds anchors/{incident}/{name}, which the pack lacks (pack cut back or "
            "its anchors removed)",
        )
    found.notes.append(f"every one of the bucket's {len(in_bucket)} anchors is in the pack")


def _check_views(root: Path, entries: list[dict[str, Any]], bodies: list[dict[str, Any]], found: Findings) -> None:
    for path in sorted((root / "views").glob("*.json")):
        if path.name == DISPOSITIONS_VIEW:
            continue  # rows of the day chains, not of this chain: _check_dispositions
        view = json.loads(path.read_text())
        types = set(view["types"])
        cited = []
        for row in view["rows"]:
            seq = row["seq"]
            if not 0 <= seq < len(bodies) or entries[seq]["hash"] != row["entry_hash"]:
                found.bad(seq, f"views/{path.name}: row cites an entry that is not in the chain")
                continue
            body = bodies[seq]
            if any(row[field] != body[field] for field in ("at", "type", "actor", "data")):
                found.bad(seq, f"views/{path.name}: row differs from the entry it cites")
            elif path.name == "who_acted.json" and row.get("acted_by") != _acted_by(body["actor"], body["data"]):
                found.bad(seq, f"views/{path.name}: acted_by is not who the entry names")
            cited.append(seq)
        expected = [s for s, b in enumerate(bodies) if not types or b["type"] in types]
        if cited != expected:
            found.bad(PACK, f"views/{path.name}: lists entries {cited[:5]}... but the chain has {expected[:5]}...")


def _acted_by(actor: str, data: dict[str, Any]) -> dict[str, str]:
    """A person (`person:` or `operator:`), an IAM principal (`arn:` or `iam:`) or an OS login
    (`os-user:`) named by the actor, else by `data.by`; otherwise only a function acted."""
    for source, value in (("actor", actor), ("data.by", data.get("by"))):
        if not isinstance(value, str):
            continue
        for prefix in ("person:", "operator:"):
            if value.startswith(prefix):
                return {"kind": "person", "name": value[len(prefix) :], "source": source}
        if value.startswith("arn:"):
            return {"kind": "iam_principal", "name": value, "source": source}
        if value.startswith("iam:"):
            return {"kind": "iam_principal", "name": value[len("iam:") :], "source": source}
        if value.startswith("os-user:"):
            return {"kind": "os_user", "name": value[len("os-user:") :], "source": source}
    return {"kind": "function", "name": actor, "source": "actor"}


def _check_documents(root: Path, bodies: list[dict[str, Any]], found: Findings) -> None:
    """The review, the regulator drafts and the customer notice templates in the pack are exactly the
    documents the entries sign."""
    reviews = [b for b in bodies if b.get("type") == "review.recorded"]
    for name, member in REVIEW_FILES:
        path = root / name
        if not reviews:
            if path.exists():
                found.bad(PACK, f"{name} is in the pack but the ledger records no review")
            continue
        signed = reviews[-1]
        if not path.is_file():
            found.bad(PACK, f"missing part: {name}, the review signed at seq {signed['seq']}")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != signed["data"].get(member):
            found.bad(PACK, f"{name} is not the review signed at seq {signed['seq']} ({member} differs: altered)")
        else:
            found.notes.append(f"{name}: the review signed at seq {signed['seq']}")
    drafts = {
        str(b["data"].get("draft_key", "")).rsplit("/", 1)[-1]: (b["seq"], b["data"].get("draft_sha256"))
        for b in bodies
        if b.get("type") == "regulator.notice_drafted"
    }
    _check_folder(root, DRAFTS_DIR, drafts, "regulator.notice_drafted", "the draft recorded", found)
    templates = {
        f"{name}.json": (b["seq"], digest)
        for b in bodies
        if b.get("type") == "notification.batch_sent"
        for name, digest in (b["data"].get("templates") or {}).items()
    }
    _check_folder(root, TEMPLATES_DIR, templates, "notification.batch_sent", "the template sent", found)


def _check_folder(
    root: Path, folder: str, recorded: dict[str, tuple[int, Any]], entry_type: str, what: str, found: Findings
) -> None:
    """Each file of `folder` is named and hashed as an entry of `entry_type` records it."""
    for path in sorted((root / folder).glob("*")) if (root / folder).is_dir() else []:
        known = recorded.get(path.name)
        if known is None:
            found.bad(PACK, f"{folder}/{path.name}: no {entry_type} entry records it")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != known[1]:
            found.bad(PACK, f"{folder}/{path.name} is not {what} at seq {known[0]} (altered)")
        else:
            found.notes.append(f"{folder}/{path.name}: {what} at seq {known[0]}")


def _check_dispositions(
    root: Path,
    manifest: dict[str, Any],
    bodies: list[dict[str, Any]],
    key: ec.EllipticCurvePublicKey,
    fingerprint: str,
    found: Findings,
) -> None:
    """Each day chain's excerpt is its chain's (hashes, links, signed heads), the view lists exactly
    the incident's entries of them, and their number per window and outcome is what the windows count."""
    declared = manifest.get("dispositions")
    if not isinstance(declared, dict):
        found.bad(PACK, "missing part: the manifest says nothing of the signals' dispositions (format 4)")
        return
    incident = manifest["incident_id"]
    folder = root / DISPOSITIONS_DIR
    present = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    for name in sorted(set(declared.get("chains", {})) ^ set(present)):
        where = "listed in the manifest but not in the pack" if name not in present else "not in the manifest"
        found.bad(PACK, f"{DISPOSITIONS_DIR}/{name}: {where}")
    mine: list[dict[str, Any]] = []
    for name in present:
        if not DAY_CHAIN.match(name):
            found.bad(PACK, f"{DISPOSITIONS_DIR}/{name}: not a day chain of dispositions")
            continue
        lines = [json.loads(t) for t in (folder / name / "entries.jsonl").read_text().splitlines() if t]
        expected = (declared.get("chains", {}).get(name) or {}).get("entries")
        if expected is not None and expected != len(lines):
            found.bad(
                PACK,
                f"{DISPOSITIONS_DIR}/{name}: the manifest declares {expected} entries, the pack holds {len(lines)}",
            )
        chain_bodies = _check_excerpt(root, name, lines, key, fingerprint, found)
        mine += [
            {
                "chain": name,
                "seq": line["seq"],
                "entry_hash": line["hash"],
                **{k: body[k] for k in ("at", "type", "actor", "data")},
            }
            for line, body in zip(lines, chain_bodies, strict=False)
            if body.get("type") == "signal.disposition" and body["data"].get("incident_id") == incident
        ]
    view_path = root / "views" / DISPOSITIONS_VIEW
    # Like every view, derived: an absent view hides nothing (the counts below are of the excerpts).
    rows = json.loads(view_path.read_text())["rows"] if view_path.is_file() else mine
    if rows != mine:
        bad = next((r for r, m in zip(rows, mine, strict=False) if r != m), None)
        at = f"{bad['chain']} seq {bad['seq']}" if isinstance(bad, dict) and "chain" in bad else "its end"
        found.bad(
            PACK,
            f"views/{DISPOSITIONS_VIEW}: does not list exactly the incident's entries of the day chains "
            f"(first difference: {at})",
        )
    _check_disposition_counts(declared.get("windows", []), mine, bodies, found)
    if not found.problems:
        found.notes.append(f"{len(mine)} signal dispositions verified in {len(present)} day chains")


def _check_excerpt(
    root: Path,
    name: str,
    lines: list[dict[str, Any]],
    key: ec.EllipticCurvePublicKey,
    fingerprint: str,
    found: Findings,
) -> list[dict[str, Any]]:
    """The entries of one day chain the pack carries: ascending seqs, each hashing to its `hash`, linked
    to the line before when that is its predecessor, and covered by a signed head at its own seq or at
    a later line it links to. The bodies up to the first bad line."""
    where = f"{DISPOSITIONS_DIR}/{name}"
    bodies: list[dict[str, Any]] = []
    for n, line in enumerate(lines):
        raw = line["body"].encode()
        body = json.loads(raw)
        problem = None
        previous = lines[n - 1] if n else None
        if body.get("incident_id") != name or body.get("seq") != line.get("seq"):
            problem = f"entry belongs to chain {body.get('incident_id')!r} or its seq is not {line.get('seq')}"
        elif previous is not None and line["seq"] <= previous["seq"]:
            problem = f"seq {line['seq']} after seq {previous['seq']} (entries reordered)"
        elif hashlib.sha256(bytes.fromhex(body["prev_hash"]) + raw).hexdigest() != line["hash"]:
            problem = "content does not match its hash (entry modified)"
        elif previous is not None and line["seq"] == previous["seq"] + 1 and body["prev_hash"] != previous["hash"]:
            problem = "prev_hash does not match the previous entry's hash"
        if problem:
            found.bad(PACK, f"{where}: first bad entry: seq {line.get('seq')}: {problem}")
            return bodies
        bodies.append(body)
    heads = _excerpt_heads(root, name, {line["seq"]: line["hash"] for line in lines}, key, fingerprint, found)
    covered = False
    for n in range(len(lines) - 1, -1, -1):
        follows = n + 1 < len(lines) and lines[n + 1]["seq"] == lines[n]["seq"] + 1
        covered = lines[n]["seq"] in heads or (follows and covered)
        if not covered:
            found.bad(PACK, f"{where}: first bad entry: seq {lines[n]['seq']}: covered by no signed head")
            break
    return bodies


def _excerpt_heads(
    root: Path,
    name: str,
    hashes_by_seq: dict[int, str],
    key: ec.EllipticCurvePublicKey,
    fingerprint: str,
    found: Findings,
) -> set[int]:
    """The seqs of a day chain's excerpt whose signed heads verify and match the entry carried."""
    where = f"{DISPOSITIONS_DIR}/{name}"
    heads: set[int] = set()
    for path in sorted((root / DISPOSITIONS_DIR / name / "anchors").glob("*.json")):
        anchor = json.loads(path.read_text())
        statement = json.loads(anchor["statement"])
        seq = int(statement["seq"])
        try:
            key.verify(base64.b64decode(anchor["signature"]), anchor["statement"].encode(), ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            found.bad(PACK, f"{where}: first bad entry: seq {seq}: its signed head does not verify")
            continue
        if statement["public_key_sha256"] != fingerprint or statement["incident_id"] != name:
            found.bad(PACK, f"{where}: first bad entry: seq {seq}: its signed head names another key or chain")
        elif path.name != f"{seq:010d}-{statement['milestone']}.json":
            found.bad(PACK, f"{where}: first bad entry: seq {seq}: its signed head is stored as {path.name}")
        elif seq not in hashes_by_seq:
            found.bad(PACK, f"{where}: first bad entry: seq {seq}: signed, but not in the pack (entry removed)")
        elif hashes_by_seq[seq] != statement["head_hash"]:
            found.bad(PACK, f"{where}: first bad entry: seq {seq}: differs from its signed head")
        else:
            heads.add(seq)
    return heads


def _check_disposition_counts(
    windows: list[dict[str, Any]], mine: list[dict[str, Any]], bodies: list[dict[str, Any]], found: Findings
) -> None:
    """As many dispositions per window and outcome as the window counts (manifest), and at least as many
    per window as the incident's signed count checkpoints."""
    carried: dict[tuple[str, str], dict[str, int]] = {}
    for row in mine:
        # A window is counted per day (the day of its chain): the same window on two days is two counts.
        where = (row["chain"].removeprefix("dispositions-"), str(row["data"].get("window_sha256")))
        outcomes = carried.setdefault(where, {})
        outcome = str(row["data"].get("outcome"))
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    for window in windows:
        sha = window["window_sha256"]
        for outcome in ("declared", "merged", "ignored"):
            have = carried.get((window["day"], sha), {}).get(outcome, 0)
            if have != window.get(outcome, 0):
                found.bad(
                    PACK,
                    f"count disagreement: correlation window {sha[:12]} counts {window.get(outcome, 0)} {outcome} "
                    f"signals on {window['day']}, the pack carries {have} {outcome} dispositions",
                )
    for body in bodies:
        if body.get("type") != "signal.dispositions_counted":
            continue
        sha, signed = str(body["data"].get("window_sha256")), int(body["data"].get("signals", 0))
        have = sum(carried.get((str(body["at"])[:10], sha), {}).values())
        if have < signed:
            found.bad(
                PACK,
                f"count disagreement: the incident's entry seq {body['seq']} signs {signed} signals in correlation "
                f"window {sha[:12]}, the pack carries {have} dispositions of it",
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a Bulkhead evidence pack offline.")
    parser.add_argument("pack", type=Path, help="the pack directory (holds manifest.json)")
    parser.add_argument("--expect-key-sha256", help="SHA-256 of the ledger signing key's DER public key")
    parser.add_argument("--public-key", type=Path, help="the signing key's public half (PEM, or DER from KMS)")
    parser.add_argument(
        "--bucket-listing", type=Path, help="output of `aws s3api list-object-versions` for the incident's anchors"
    )
    args = parser.parse_args(argv)
    if not args.pack.is_dir():
        print(f"UNREADABLE: {args.pack} is not a directory")
        return 2
    try:
        public_key = args.public_key.read_bytes() if args.public_key else None
        listing = json.loads(args.bucket_listing.read_text()) if args.bucket_listing else None
        found = verify_pack(args.pack, args.expect_key_sha256, public_key, listing)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"INVALID (the pack): unreadable: {type(exc).__name__}: {exc}")
        return 1
    for note in found.notes:
        print(f"  {note}")
    for warning in found.warnings:
        print(f"WARNING: {warning}")
    if found.problems:
        # The first bad entry leads, the chain's own finding first at a seq (it is checked first);
        # problems with the pack itself follow.
        ordered = sorted(found.problems, key=lambda p: (p[0] < 0, p[0]))
        seq, problem = ordered[0]
        where = "the pack" if seq < 0 else f"first bad entry: seq {seq}"
        print(f"INVALID ({where}): {problem}")
        for other_seq, other in ordered[1:]:
            print(f"  also: seq {other_seq}: {other}" if other_seq >= 0 else f"  also: {other}")
        return 1
    if not found.key_pinned:
        print("NOT PROVEN: consistent, but only against the pack's own key (pin it: --expect-key-sha256)")
        return 3
    print(
        "VALID: every file, the hash chain, every signed head (the last entry's included), every view and every "
        "signed document check out"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
