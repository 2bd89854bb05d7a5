#!/usr/bin/env python3
"""Standalone verifier of a Bulkhead evidence pack. Needs only the pack, Python 3.11+ and `cryptography`.

    python verifier.py PACK_DIR [--expect-key-sha256 HEX]

Checks, offline: every file against the manifest; the hash chain (sha256(prev_hash || body) over the
exact stored bytes, seq 0..n, one incident); every anchor's ECDSA P-256 signature against the
pack's public key (and, with --expect-key-sha256, that key against the one you expect); that every
signed head matches the chain; that every milestone is anchored; that every view row is a faithful
copy of the entry it cites and that no entry of a view's types is missing. Exit 0 when all hold,
1 with the first bad entry named otherwise, 2 when the pack cannot be read.

Deliberately imports nothing from Bulkhead, so an auditor can read all of it.
"""

# ruff: noqa: T201  (a command-line tool: it reports by printing)

import argparse
import base64
import hashlib
import json
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


class Findings:
    def __init__(self) -> None:
        self.problems: list[tuple[int, str]] = []  # (seq or -1 for the pack itself, problem)
        self.notes: list[str] = []

    def bad(self, seq: int, problem: str) -> None:
        self.problems.append((seq, problem))


def verify_pack(root: Path, expect_key_sha256: str | None = None) -> Findings:
    found = Findings()
    manifest = json.loads((root / "manifest.json").read_text())
    _check_files(root, manifest, found)
    incident = manifest["incident_id"]
    entries = [json.loads(line) for line in (root / "entries.jsonl").read_text().splitlines() if line]
    bodies = _check_chain(incident, entries, found)
    pem = (root / "public_key.pem").read_bytes()
    key = serialization.load_pem_public_key(pem)
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    fingerprint = hashlib.sha256(der).hexdigest()
    found.notes.append(f"signing key sha256: {fingerprint}")
    if fingerprint != manifest["signing_key"]["public_key_sha256"]:
        found.bad(-1, "public_key.pem is not the key the manifest names")
    if expect_key_sha256 and fingerprint != expect_key_sha256.lower():
        found.bad(-1, f"the pack's key {fingerprint} is not the expected key {expect_key_sha256}")
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        found.bad(-1, "the signing key is not an ECDSA P-256 key")
        return found
    anchored = _check_anchors(root, incident, entries, key, fingerprint, found)
    for seq, body in enumerate(bodies):
        milestone = MILESTONE_TYPES.get(body.get("type", ""))
        if milestone and (seq, milestone) not in anchored:
            found.bad(seq, f"milestone {milestone} at seq {seq} has no valid anchor")
    last = max((seq for seq, _ in anchored), default=-1)
    if entries and last < len(entries) - 1:
        found.notes.append(f"{len(entries) - 1 - last} entries after seq {last} are covered by no signed head")
    _check_views(root, entries, bodies, found)
    return found


def _check_files(root: Path, manifest: dict[str, Any], found: Findings) -> None:
    listed = manifest["files"]
    for name, digest in listed.items():
        path = root / name
        if not path.is_file():
            found.bad(-1, f"{name} is listed in the manifest but missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            found.bad(-1, f"{name} does not match its SHA-256 in the manifest")
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    for name in sorted(present - set(listed) - {"manifest.json"}):
        found.bad(-1, f"{name} is in the pack but not in the manifest")


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


def _check_anchors(
    root: Path,
    incident: str,
    entries: list[dict[str, Any]],
    key: ec.EllipticCurvePublicKey,
    fingerprint: str,
    found: Findings,
) -> set[tuple[int, str]]:
    anchored: set[tuple[int, str]] = set()
    for path in sorted((root / "anchors").glob("*.json")):
        anchor = json.loads(path.read_text())
        statement = json.loads(anchor["statement"])
        seq, milestone = int(statement["seq"]), statement["milestone"]
        where = f"anchor {milestone}@{seq}"
        try:
            key.verify(base64.b64decode(anchor["signature"]), anchor["statement"].encode(), ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            found.bad(seq, f"{where}: signature does not verify (forged head)")
            continue
        if statement["public_key_sha256"] != fingerprint or statement["incident_id"] != incident:
            found.bad(seq, f"{where}: names another key or incident")
        elif seq >= len(entries):
            found.bad(len(entries), f"{where}: signed head is past the end of the chain (entries deleted)")
        elif entries[seq]["hash"] != statement["head_hash"]:
            found.bad(seq, f"{where}: entry {seq} differs from the signed head (entries up to it rewritten)")
        else:
            anchored.add((seq, milestone))
            found.notes.append(f"{where}: signed head verified ({statement['at']})")
    return anchored


def _check_views(root: Path, entries: list[dict[str, Any]], bodies: list[dict[str, Any]], found: Findings) -> None:
    for path in sorted((root / "views").glob("*.json")):
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
            cited.append(seq)
        expected = [s for s, b in enumerate(bodies) if not types or b["type"] in types]
        if cited != expected:
            found.bad(-1, f"views/{path.name}: lists entries {cited[:5]}... but the chain has {expected[:5]}...")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a Bulkhead evidence pack offline.")
    parser.add_argument("pack", type=Path, help="the pack directory (holds manifest.json)")
    parser.add_argument("--expect-key-sha256", help="SHA-256 of the ledger signing key's DER public key")
    args = parser.parse_args(argv)
    try:
        found = verify_pack(args.pack, args.expect_key_sha256)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"UNREADABLE: {args.pack}: {type(exc).__name__}: {exc}")
        return 2
    for note in found.notes:
        print(f"  {note}")
    if found.problems:
        # The first bad entry leads; problems with the pack's files (seq -1) follow.
        ordered = sorted(found.problems, key=lambda p: (p[0] < 0, p))
        seq, problem = ordered[0]
        where = "the pack" if seq < 0 else f"first bad entry: seq {seq}"
        print(f"INVALID ({where}): {problem}")
        for other_seq, other in ordered[1:]:
            print(f"  also: seq {other_seq}: {other}" if other_seq >= 0 else f"  also: {other}")
        return 1
    print("VALID: every file, the hash chain, every signed head and every view check out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
