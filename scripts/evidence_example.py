#!/usr/bin/env python3
"""Print the known-answer example of docs/evidence-format.md, produced by Bulkhead's own code.

A two-entry chain is appended through `ChainedLedger` (every head signed and anchored), exported
with `export_pack`, and the files are read back: what the doc shows is what the code writes. The
example key is a fixed P-256 scalar and signatures are deterministic (RFC 6979), so the output is
the same on every run; tests/e2e/test_evidence_format.py checks the doc against it.

Run: .venv/bin/python scripts/evidence_example.py > /tmp/example.md
"""

import hashlib
import json
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bulkhead.evidence.pack import AnchorSource, export_pack  # noqa: E402
from functions.ledger.domain import Anchoring, ChainedLedger, public_key_sha256, verify_ledger  # noqa: E402
from functions.ledger.models import Anchor, EntryDraft, EntryType, LedgerEntry, SealedEntry  # noqa: E402

INCIDENT = "inc-20261127-0123456789ab"
# The example's private scalar: published on purpose, it signs nothing but this example.
EXAMPLE_SCALAR = 0x5EED_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0001
KEY_ID = "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-4000-8000-000000000001"


class ExampleSigner:
    def __init__(self) -> None:
        self._key = ec.derive_private_key(EXAMPLE_SCALAR, ec.SECP256R1())
        self.key_id = KEY_ID

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))

    def public_key_pem(self) -> str:
        public = self._key.public_key()
        return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


class MemoryStore:
    def __init__(self) -> None:
        self.chain: list[LedgerEntry] = []

    def head(self, incident_id: str) -> LedgerEntry | None:  # noqa: ARG002 (one chain only)
        return self.chain[-1] if self.chain else None

    def put_new(self, entry: LedgerEntry) -> bool:
        if entry.seq != len(self.chain):
            return False
        self.chain.append(entry)
        return True

    def entries(self, incident_id: str) -> Iterator[LedgerEntry]:  # noqa: ARG002 (one chain only)
        yield from self.chain


class MemoryAnchors:
    def __init__(self) -> None:
        self.written: dict[str, Anchor] = {}

    def put(self, incident_id: str, name: str, anchor: Anchor) -> bool:  # noqa: ARG002 (one chain only)
        return self.written.setdefault(name, anchor) is anchor

    def anchors(self, incident_id: str) -> list[Anchor]:  # noqa: ARG002 (one chain only)
        return [self.written[name] for name in sorted(self.written)]


def build(out: Path) -> Path:
    store, written, signer = MemoryStore(), MemoryAnchors(), ExampleSigner()
    ledger = ChainedLedger(store, anchoring=Anchoring(signer, written))
    at = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    ledger.append(
        INCIDENT,
        EntryDraft(type=EntryType.SIGNAL_DISPOSITION, actor="detection", at=at, data={"outcome": "declared"}),
    )
    ledger.append(
        INCIDENT,
        EntryDraft(type=EntryType.INCIDENT_DECLARED, actor="detection", at=at, data={"severity": "critical"}),
    )
    sealed: list[SealedEntry] = [e.sealed() for e in store.chain]
    anchors = written.anchors(INCIDENT)
    pem = signer.public_key_pem()
    verdict = verify_ledger(INCIDENT, sealed, anchors, pem, expect_key_sha256=public_key_sha256(pem))
    assert verdict.valid, verdict.problem
    pack = out / "pack"
    source = AnchorSource("bulkhead-ledger-anchors", f"anchors/{INCIDENT}/")
    export_pack(pack, INCIDENT, sealed, anchors, pem, KEY_ID, verdict, source)
    return pack


def render(pack: Path) -> str:
    lines = (pack / "entries.jsonl").read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    pem = (pack / "public_key.pem").read_text()
    der = serialization.load_pem_public_key(pem.encode()).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    anchor_files = sorted((pack / "anchors").glob("*.json"))
    out = [
        f"Incident `{INCIDENT}`, two entries, each head signed. Example private key (P-256 scalar, "
        f"published so anyone can re-derive the signatures; RFC 6979 deterministic ECDSA): `{EXAMPLE_SCALAR:064x}`.",
        "",
        "`public_key.pem`:",
        "",
        "```",
        pem.rstrip("\n"),
        "```",
        "",
        f"Key fingerprint = SHA-256 of the DER SubjectPublicKeyInfo ({len(der)} bytes): "
        f"`{hashlib.sha256(der).hexdigest()}`",
        "",
        "`entries.jsonl` (one JSON object per line; `body` is the exact hashed text):",
        "",
        "```json",
        *lines,
        "```",
        "",
    ]
    prev = "0" * 64
    for entry in entries:
        body = entry["body"].encode()
        out += [
            f"Entry {entry['seq']}: SHA-256( bytes.fromhex(prev_hash `{prev[:16]}…`) (32 bytes) ‖ body "
            f"({len(body)} bytes) ) = `{entry['hash']}`",
            "",
        ]
        prev = entry["hash"]
    for path in anchor_files:
        anchor = json.loads(path.read_text())
        out += [
            f"`anchors/{path.name}`:",
            "",
            "```json",
            path.read_text().rstrip("\n"),
            "```",
            "",
            f"The signed message is the `statement` string's UTF-8 bytes ({len(anchor['statement'].encode())} bytes); "
            "`signature` is base64 of the DER ECDSA signature over them.",
            "",
        ]
    manifest = json.loads((pack / "manifest.json").read_text())
    out += [
        "The manifest's `chain` (its `last_entry.anchor` names the last entry's signed statement):",
        "",
        "```json",
        json.dumps(manifest["chain"], indent=2),
        "```",
    ]
    return "\n".join(out) + "\n"


def example() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        return render(build(Path(tmp)))


if __name__ == "__main__":
    print(example(), end="")
