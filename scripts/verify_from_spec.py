#!/usr/bin/env python3
"""A second, independent verifier of Bulkhead evidence packs, written from docs/evidence-format.md
alone (sections 2-7, 10 and 11), sharing no code with Bulkhead or its own verifier.

    python scripts/verify_from_spec.py PACK --expect-key-sha256 HEX [--bucket-listing LISTING.json]

Prints OK, or FAIL with every rule broken (rule number from section 5, and the seq where there is
one). Exit 0 OK, 1 FAIL. The key fingerprint is required: section 4 says an unpinned pack is never valid.
"""

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

MILESTONE_OF = {
    "incident.declared": "declared",
    "incident.contained": "contained",
    "incident.notified": "notified",
    "incident.closed": "closed",
}


def check(pack: Path, fingerprint: str, listing: dict[str, Any] | None = None) -> list[str]:
    """Every rule of section 5 that does not hold, as `rule N [seq S]: why`; empty when all hold."""
    absent = [name for name in ("manifest.json", "entries.jsonl", "public_key.pem") if not (pack / name).is_file()]
    if absent:
        return [f"rule 1: {name} is missing" for name in absent]
    failures: list[str] = []
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    failures += files_rule(pack, manifest["files"])
    text = (pack / "entries.jsonl").read_text(encoding="utf-8")
    lines = [json.loads(t) for t in text.split("\n") if t.strip()]
    bodies, chain_failures = chain_rule(lines, manifest["incident_id"])
    failures += chain_failures + count_rule(lines, manifest["chain"])
    key = pinned_key(pack, fingerprint)
    if isinstance(key, str):
        return [*failures, key]
    good, anchor_failures = anchor_rule(pack, key, fingerprint, manifest["incident_id"], lines)
    failures += anchor_failures + coverage_rules(bodies, lines, good)
    if listing is not None:
        failures += bucket_rule(pack, manifest["incident_id"], listing)
    failures += views_rule(pack, lines, bodies) + documents_rule(pack, bodies)
    if manifest.get("format") == "bulkhead-evidence/4":
        failures += dispositions_rule(pack, manifest, key, fingerprint, bodies)
    return failures


def files_rule(pack: Path, listed: dict[str, str]) -> list[str]:
    """Rule 7: the files and their SHA-256s."""
    present = {p.relative_to(pack).as_posix() for p in pack.rglob("*") if p.is_file()} - {"manifest.json"}
    failures = [
        f"rule 7: {path} is {'not listed' if path in present else 'listed but absent'}"
        for path in sorted(present ^ set(listed))
    ]
    return failures + [
        f"rule 7: {path} does not match its SHA-256"
        for path in sorted(present & set(listed))
        if hashlib.sha256((pack / path).read_bytes()).hexdigest() != listed[path]
    ]


def chain_rule(lines: list[dict[str, Any]], incident: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Section 2: the chain, hashing the stored body bytes; the bodies up to the first bad line."""
    bodies: list[dict[str, Any]] = []
    previous = "0" * 64
    for n, line in enumerate(lines):
        body = json.loads(line["body"])
        digest = hashlib.sha256(bytes.fromhex(previous) + line["body"].encode("utf-8")).hexdigest()
        if not (line["seq"] == body["seq"] == n):
            return bodies, [f"rule 2 seq {n}: line or body seq is not {n}"]
        if body["incident_id"] != incident or body["prev_hash"] != previous or digest != line["hash"]:
            return bodies, [f"rule 2 seq {n}: incident, prev_hash or hash does not hold"]
        bodies.append(body)
        previous = line["hash"]
    return bodies, []


def count_rule(lines: list[dict[str, Any]], chain: dict[str, Any]) -> list[str]:
    """Rule 1: entries present and counted, the last one declared."""
    if not lines:
        return ["rule 1: no entries"]
    if chain["entries"] != len(lines) or chain["head_hash"] != lines[-1]["hash"]:
        return ["rule 1: the manifest's count or head_hash disagrees with entries.jsonl"]
    if (chain.get("last_entry") or {}).get("hash") != lines[-1]["hash"]:
        return ["rule 1: last_entry is not the last line"]
    return []


def pinned_key(pack: Path, fingerprint: str) -> ec.EllipticCurvePublicKey | str:
    """Section 4: the pack's key, if it is the pinned one (SHA-256 of the DER SubjectPublicKeyInfo)."""
    key = serialization.load_pem_public_key((pack / "public_key.pem").read_bytes())
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if hashlib.sha256(der).hexdigest() != fingerprint.lower():
        return "section 4: public_key.pem is not the pinned key"
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        return "section 4: not a P-256 key"
    return key


def anchor_rule(
    pack: Path, key: ec.EllipticCurvePublicKey, fingerprint: str, incident: str, lines: list[dict[str, Any]]
) -> tuple[dict[int, set[str]], list[str]]:
    """Rule 3: each anchor; the valid ones by seq."""
    good: dict[int, set[str]] = {}
    failures: list[str] = []
    for path in sorted((pack / "anchors").glob("*.json")):
        anchor = json.loads(path.read_text(encoding="utf-8"))
        message = anchor["statement"].encode("utf-8")
        statement = json.loads(message)
        seq = statement["seq"]
        try:
            key.verify(base64.b64decode(anchor["signature"], validate=True), message, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            failures.append(f"rule 3 seq {seq}: {path.name}: bad signature")
            continue
        if statement["public_key_sha256"] != fingerprint.lower() or statement["incident_id"] != incident:
            failures.append(f"rule 3 seq {seq}: {path.name}: another key or incident")
        elif path.name != f"{seq:010d}-{statement['milestone']}.json":
            failures.append(f"rule 3 seq {seq}: {path.name}: misnamed")
        elif seq >= len(lines):
            failures.append(f"rule 3 seq {seq}: {path.name}: past the last entry")
        elif lines[seq]["hash"] != statement["head_hash"]:
            failures.append(f"rule 3 seq {seq}: {path.name}: head_hash is not entry {seq}'s hash")
        else:
            good.setdefault(seq, set()).add(statement["milestone"])
    return good, failures


def coverage_rules(bodies: list[dict[str, Any]], lines: list[dict[str, Any]], good: dict[int, set[str]]) -> list[str]:
    """Rules 4 and 5: every milestone anchored under its name; the last entry covered."""
    failures = [
        f"rule 4 seq {n}: milestone {MILESTONE_OF[b['type']]} has no valid anchor"
        for n, b in enumerate(bodies)
        if b["type"] in MILESTONE_OF and MILESTONE_OF[b["type"]] not in good.get(n, set())
    ]
    if lines and len(lines) - 1 not in good:
        failures.append(f"rule 5 seq {len(lines) - 1}: the last entry has no valid anchor")
    return failures


def bucket_rule(pack: Path, incident: str, listing: dict[str, Any]) -> list[str]:
    """Rule 6: the bucket's anchors are all in the pack."""
    prefix = f"anchors/{incident}/"
    keys = {v["Key"] for v in listing.get("Versions", []) + listing.get("DeleteMarkers", [])}
    in_pack = {p.name for p in (pack / "anchors").glob("*.json")}
    return [
        f"rule 6: the bucket holds {name}, the pack does not"
        for name in sorted(k for k in keys if k.startswith(prefix))
        if name[len(prefix) :] not in in_pack
    ]


def views_rule(pack: Path, lines: list[dict[str, Any]], bodies: list[dict[str, Any]]) -> list[str]:
    """Rule 8: each view lists exactly its entries, each row a copy of its entry."""
    failures: list[str] = []
    for path in sorted((pack / "views").glob("*.json")):
        if path.name == "signal_dispositions.json":
            continue  # section 11: rows of the day chains
        view = json.loads(path.read_text(encoding="utf-8"))
        wanted = [n for n, b in enumerate(bodies) if not view["types"] or b["type"] in view["types"]]
        if [row["seq"] for row in view["rows"]] != wanted:
            failures.append(f"rule 8: {path.name} does not list exactly its entries")
            continue
        for row in view["rows"]:
            body = bodies[row["seq"]]
            copy = {"seq": body["seq"], "entry_hash": lines[row["seq"]]["hash"]}
            copy |= {k: body[k] for k in ("at", "type", "actor", "data")}
            if path.name == "who_acted.json":
                copy["acted_by"] = who(body["actor"], body["data"])
            if row != copy:
                failures.append(f"rule 8 seq {row['seq']}: {path.name} row differs from its entry")
    return failures


def who(actor: str, data: dict[str, Any]) -> dict[str, str]:
    """Section 7, `acted_by`: the first of actor, data.by naming a person or an IAM principal."""
    for source, value in (("actor", actor), ("data.by", data.get("by"))):
        if isinstance(value, str) and value.startswith(("person:", "operator:")):
            return {"kind": "person", "name": value.split(":", 1)[1], "source": source}
        if isinstance(value, str) and value.startswith("arn:"):
            return {"kind": "iam_principal", "name": value, "source": source}
        if isinstance(value, str) and value.startswith(("iam:", "os-user:")):
            kind = "iam_principal" if value.startswith("iam:") else "os_user"
            return {"kind": kind, "name": value.split(":", 1)[1], "source": source}
    return {"kind": "function", "name": actor, "source": "actor"}


def documents_rule(pack: Path, bodies: list[dict[str, Any]]) -> list[str]:
    """Rule 9 (section 10): the review and the regulator drafts are the documents the entries sign."""
    failures: list[str] = []
    reviews = [b for b in bodies if b["type"] == "review.recorded"]
    for path, member in (("review/review.md", "sha256"), ("review/review.html", "html_sha256")):
        present = (pack / path).is_file()
        if not reviews:
            failures += [f"rule 9: {path} present without a review.recorded entry"] if present else []
        elif not present:
            failures.append(f"rule 9 seq {reviews[-1]['seq']}: {path} is missing")
        elif hashlib.sha256((pack / path).read_bytes()).hexdigest() != reviews[-1]["data"][member]:
            failures.append(f"rule 9 seq {reviews[-1]['seq']}: {path} does not match {member}")
    recorded = {
        b["data"]["draft_key"].split("/")[-1]: b["data"]["draft_sha256"]
        for b in bodies
        if b["type"] == "regulator.notice_drafted" and b["data"].get("draft_key")
    }
    folder = pack / "notices" / "regulator"
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if recorded.get(path.name) != hashlib.sha256(path.read_bytes()).hexdigest():
            failures.append(f"rule 9: notices/regulator/{path.name} is not a recorded draft")
    sent = {
        f"{name}.json": digest
        for b in bodies
        if b["type"] == "notification.batch_sent"
        for name, digest in (b["data"].get("templates") or {}).items()
    }
    folder = pack / "notices" / "customer"
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if sent.get(path.name) != hashlib.sha256(path.read_bytes()).hexdigest():
            failures.append(f"rule 9: notices/customer/{path.name} is not a template a batch records")
    return failures


def dispositions_rule(
    pack: Path, manifest: dict[str, Any], key: ec.EllipticCurvePublicKey, fingerprint: str, bodies: list[dict[str, Any]]
) -> list[str]:
    """Rule 10 (section 11): the day chains' excerpts, their signed heads, the view and the counts."""
    declared = manifest.get("dispositions")
    if not isinstance(declared, dict):
        return ["rule 10: the manifest has no dispositions member"]
    failures: list[str] = []
    root = pack / "dispositions"
    names = sorted(p.name for p in root.iterdir()) if root.is_dir() else []
    if names != sorted(declared["chains"]):
        failures.append("rule 10: the day chains in dispositions/ are not the ones the manifest lists")
    expected_rows: list[dict[str, Any]] = []
    for name in names:
        excerpt = [json.loads(t) for t in (root / name / "entries.jsonl").read_text(encoding="utf-8").split("\n") if t]
        if declared["chains"].get(name, {}).get("entries") != len(excerpt):
            failures.append(f"rule 10: dispositions/{name}: the manifest's entry count differs")
        bad = excerpt_failure(name, excerpt) or head_failure(root / name, name, excerpt, key, fingerprint)
        if bad:
            failures.append(f"rule 10: dispositions/{name} seq {bad[0]}: {bad[1]}")
            continue
        for line in excerpt:
            body = json.loads(line["body"])
            if body["type"] == "signal.disposition" and body["data"].get("incident_id") == manifest["incident_id"]:
                row = {"chain": name, "seq": line["seq"], "entry_hash": line["hash"]}
                expected_rows.append(row | {k: body[k] for k in ("at", "type", "actor", "data")})
    view = pack / "views" / "signal_dispositions.json"
    if view.is_file() and json.loads(view.read_text(encoding="utf-8"))["rows"] != expected_rows:
        failures.append("rule 10: views/signal_dispositions.json is not exactly the incident's dispositions")
    return failures + count_failures(declared["windows"], expected_rows, bodies)


def excerpt_failure(name: str, excerpt: list[dict[str, Any]]) -> tuple[int, str] | None:
    """Section 11: ascending seqs, each body hashing to its hash, linked to a predecessor that is carried."""
    for n, line in enumerate(excerpt):
        body = json.loads(line["body"])
        if body["incident_id"] != name or body["seq"] != line["seq"]:
            return line["seq"], "not an entry of this chain at this seq"
        if n and line["seq"] <= excerpt[n - 1]["seq"]:
            return line["seq"], "seqs do not ascend"
        if hashlib.sha256(bytes.fromhex(body["prev_hash"]) + line["body"].encode("utf-8")).hexdigest() != line["hash"]:
            return line["seq"], "hash does not hold"
        if n and line["seq"] == excerpt[n - 1]["seq"] + 1 and body["prev_hash"] != excerpt[n - 1]["hash"]:
            return line["seq"], "prev_hash is not the previous entry's hash"
    return None


def head_failure(
    folder: Path, name: str, excerpt: list[dict[str, Any]], key: ec.EllipticCurvePublicKey, fingerprint: str
) -> tuple[int, str] | None:
    """Section 11: every signed head valid and on a carried line; every line covered by one."""
    carried = {line["seq"]: line["hash"] for line in excerpt}
    signed: set[int] = set()
    for path in sorted((folder / "anchors").glob("*.json")):
        anchor = json.loads(path.read_text(encoding="utf-8"))
        statement = json.loads(anchor["statement"])
        try:
            message = anchor["statement"].encode("utf-8")
            key.verify(base64.b64decode(anchor["signature"], validate=True), message, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            return statement["seq"], "bad signature"
        if statement["incident_id"] != name or statement["public_key_sha256"] != fingerprint.lower():
            return statement["seq"], "signed head of another chain or key"
        if path.name != f"{statement['seq']:010d}-{statement['milestone']}.json":
            return statement["seq"], "signed head misnamed"
        if carried.get(statement["seq"]) != statement["head_hash"]:
            return statement["seq"], "signed head of an entry the pack does not carry as signed"
        signed.add(statement["seq"])
    reaches_head = False
    for n in reversed(range(len(excerpt))):
        linked = n + 1 < len(excerpt) and excerpt[n + 1]["seq"] == excerpt[n]["seq"] + 1
        reaches_head = excerpt[n]["seq"] in signed or (linked and reaches_head)
        if not reaches_head:
            return excerpt[n]["seq"], "no signed head covers it"
    return None


def count_failures(
    windows: list[dict[str, Any]], rows: list[dict[str, Any]], bodies: list[dict[str, Any]]
) -> list[str]:
    """Section 11: per window and day, as many dispositions of each outcome as counted; and at least
    as many as each signed count checkpoint of the incident says."""
    failures: list[str] = []

    def carried(day: str, window: str, outcome: str | None = None) -> int:
        return sum(
            1
            for r in rows
            if r["chain"] == f"dispositions-{day}"
            and r["data"].get("window_sha256") == window
            and (outcome is None or r["data"].get("outcome") == outcome)
        )

    for w in windows:
        for outcome in ("declared", "merged", "ignored"):
            if carried(w["day"], w["window_sha256"], outcome) != w[outcome]:
                failures.append(
                    f"rule 10: count disagreement: window {w['window_sha256'][:12]} counts {w[outcome]} {outcome}"
                )
    for b in bodies:
        if (
            b["type"] == "signal.dispositions_counted"
            and carried(b["at"][:10], b["data"]["window_sha256"]) < b["data"]["signals"]
        ):
            failures.append(f"rule 10 seq {b['seq']}: count disagreement: fewer dispositions than the signed count")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pack", type=Path)
    parser.add_argument("--expect-key-sha256", required=True)
    parser.add_argument("--bucket-listing", type=Path)
    args = parser.parse_args()
    listing = json.loads(args.bucket_listing.read_text()) if args.bucket_listing else None
    failures = check(args.pack, args.expect_key_sha256, listing)
    if failures:
        print("FAIL")
        for failure in failures:
            print(f"  {failure}")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
