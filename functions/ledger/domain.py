"""Hash chain arithmetic, head signatures and verification: pure, no I/O.

entry.hash = SHA-256(bytes(prev_hash) || RFC 8785 canonical JSON of the entry without its hash).
At each milestone the new head is signed (ECDSA P-256, the private key never leaves KMS) and the
signed statement is written once to a bucket under Object Lock in compliance mode.
"""

import base64
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from functions.common.errors import BulkheadError, LedgerWriteConflict
from functions.ledger.canonical import canonical
from functions.ledger.models import (
    GENESIS_HASH,
    MILESTONES,
    Anchor,
    AnchorCheck,
    AnchorStatement,
    ChainVerdict,
    EntryDraft,
    EntryType,
    LedgerEntry,
    LedgerVerdict,
    Milestone,
    SealedEntry,
)
from functions.ledger.ports import AnchorStore, HeadSigner, LedgerStore

__all__ = ["ChainedLedger", "canonical", "chain_hash", "next_entry", "verify_chain", "verify_ledger"]

_sha256 = hashlib.sha256


def chain_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return _sha256(bytes.fromhex(prev_hash) + canonical(body)).hexdigest()


def next_entry(incident_id: str, head: LedgerEntry | None, draft: EntryDraft) -> LedgerEntry:
    """The entry that follows `head` (or opens the chain) for this draft."""
    seq = 0 if head is None else head.seq + 1
    prev_hash = GENESIS_HASH if head is None else head.hash
    unsealed = LedgerEntry(
        incident_id=incident_id,
        seq=seq,
        type=draft.type,
        actor=draft.actor,
        at=draft.at,
        data=draft.data,
        prev_hash=prev_hash,
        hash=GENESIS_HASH,
    )
    return unsealed.model_copy(update={"hash": chain_hash(prev_hash, unsealed.body())})


def verify_chain(incident_id: str, entries: Iterable[LedgerEntry | SealedEntry]) -> ChainVerdict:
    """Recompute the chain; name the first entry that breaks it.

    The hot path hashes the stored canonical bytes directly (no model, no re-encoding), so a
    million entries verify in about the time SHA-256 takes over the same bytes.
    """
    prev_hex, prev_raw, count = GENESIS_HASH, bytes(32), 0
    for expected_seq, item in enumerate(entries):
        entry = item if type(item) is SealedEntry else item.sealed()  # type: ignore[union-attr]
        count += 1
        digest = _sha256(prev_raw + entry.body).digest()
        if entry.seq != expected_seq or entry.prev_hash != prev_hex or entry.incident_id != incident_id:
            return _broken(incident_id, count, prev_hex, expected_seq, _link_problem(incident_id, expected_seq, entry))
        if digest.hex() != entry.hash:
            return _broken(
                incident_id, count, prev_hex, expected_seq, "content does not match its hash (entry modified)"
            )
        prev_hex, prev_raw = entry.hash, digest
    return ChainVerdict(incident_id=incident_id, entries=count, valid=True, head_hash=prev_hex)


def _broken(incident_id: str, count: int, head: str, seq: int, problem: str) -> ChainVerdict:
    return ChainVerdict(
        incident_id=incident_id, entries=count, valid=False, head_hash=head, first_bad_seq=seq, problem=problem
    )


def _link_problem(incident_id: str, seq: int, entry: SealedEntry) -> str:
    if entry.incident_id != incident_id:
        return f"entry belongs to incident {entry.incident_id!r}"
    if entry.seq != seq:
        return f"expected seq {seq}, found {entry.seq} (entry missing, inserted or reordered)"
    return "prev_hash does not match the previous entry's hash (entry inserted or reordered)"


# --- signed heads ------------------------------------------------------------------------------


def public_key_sha256(public_key_pem: str) -> str:
    """Fingerprint of a public key: SHA-256 of its DER SubjectPublicKeyInfo."""
    key = serialization.load_pem_public_key(public_key_pem.encode())
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return _sha256(der).hexdigest()


def sign_head(entry: LedgerEntry, milestone: Milestone, signer: HeadSigner) -> Anchor:
    statement = AnchorStatement(
        incident_id=entry.incident_id,
        seq=entry.seq,
        head_hash=entry.hash,
        milestone=milestone,
        at=entry.at,
        key_id=signer.key_id,
        public_key_sha256=public_key_sha256(signer.public_key_pem()),
    )
    message = canonical(statement.model_dump(mode="json"))
    return Anchor(statement=message.decode(), signature=base64.b64encode(signer.sign(message)).decode())


def anchor_name(statement: AnchorStatement) -> str:
    """Sortable and unique per (head, milestone): a retried anchoring finds its own earlier write."""
    return f"{statement.seq:010d}-{statement.milestone.value}.json"


def signature_valid(public_key_pem: str, message: bytes, signature: bytes) -> bool:
    key = serialization.load_pem_public_key(public_key_pem.encode())
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        return False
    try:
        key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def verify_ledger(
    incident_id: str, entries: Sequence[SealedEntry], anchors: Sequence[Anchor], public_key_pem: str
) -> LedgerVerdict:
    """The chain, every anchor against the trusted key, and every milestone entry anchored.

    The first bad entry is the earliest seq any check names: a broken link names itself; a chain
    rewritten and re-hashed is caught by the first signed head it no longer matches.
    """
    chain = verify_chain(incident_id, entries)
    fingerprint = public_key_sha256(public_key_pem)
    checks = [_check_anchor(incident_id, a, entries, fingerprint, public_key_pem) for a in anchors]
    checks.sort(key=lambda c: c.seq)
    # (seq, rank, problem): at the same seq the chain's own finding is the most precise.
    problems: list[tuple[int, int, str]] = []
    if not chain.valid and chain.first_bad_seq is not None:
        problems.append((chain.first_bad_seq, 0, chain.problem or "chain broken"))
    problems += [(c.seq, 1, f"anchor {c.milestone.value}@{c.seq}: {c.problem}") for c in checks if not c.valid]
    anchored = {(c.seq, c.milestone) for c in checks if c.valid}
    for entry in entries[: chain.entries if chain.valid else chain.first_bad_seq]:
        milestone = _milestone_of(entry)
        if milestone is not None and (entry.seq, milestone) not in anchored:
            problems.append((entry.seq, 2, f"milestone {milestone.value} at seq {entry.seq} has no valid anchor"))
    last_anchor = max((c.seq for c in checks if c.valid), default=-1)
    first = min(problems, default=None)
    return LedgerVerdict(
        incident_id=incident_id,
        entries=len(entries),
        head_hash=entries[-1].hash if entries else GENESIS_HASH,
        valid=first is None,
        first_bad_seq=first[0] if first else None,
        problem=first[2] if first else None,
        anchors=tuple(checks),
        unanchored_tail=max(0, len(entries) - 1 - last_anchor),
        public_key_sha256=fingerprint,
    )


def _milestone_of(entry: SealedEntry) -> Milestone | None:
    kind = json.loads(entry.body)["type"]
    return next((m for t, m in MILESTONES.items() if t.value == kind), None)


def _check_anchor(
    incident_id: str, anchor: Anchor, entries: Sequence[SealedEntry], fingerprint: str, public_key_pem: str
) -> AnchorCheck:
    try:
        statement = anchor.parsed()
    except ValueError:
        return AnchorCheck(milestone=Milestone.DECLARED, seq=0, valid=False, problem="statement is not readable")

    def bad(problem: str) -> AnchorCheck:
        return AnchorCheck(milestone=statement.milestone, seq=statement.seq, valid=False, problem=problem)

    if statement.public_key_sha256 != fingerprint:
        return bad(f"signed by another key ({statement.public_key_sha256[:16]}...), not the trusted one")
    try:
        signature = base64.b64decode(anchor.signature, validate=True)
    except ValueError:
        return bad("signature is not base64")
    if not signature_valid(public_key_pem, anchor.statement.encode(), signature):
        return bad("signature does not verify (forged head)")
    if statement.incident_id != incident_id:
        return bad(f"anchors incident {statement.incident_id!r}")
    if statement.seq >= len(entries):
        return bad(f"signed head is seq {statement.seq} but the chain ends at seq {len(entries) - 1} (entries deleted)")
    if entries[statement.seq].hash != statement.head_hash:
        return bad(f"entry {statement.seq} differs from the signed head (entries up to it rewritten)")
    return AnchorCheck(milestone=statement.milestone, seq=statement.seq, valid=True)


# --- the ledger --------------------------------------------------------------------------------


class Anchoring:
    """Signs a milestone head and writes it once to WORM storage."""

    def __init__(self, signer: HeadSigner, anchors: AnchorStore) -> None:
        self._signer = signer
        self._anchors = anchors

    def anchor(self, entry: LedgerEntry, milestone: Milestone) -> Anchor:
        anchor = sign_head(entry, milestone, self._signer)
        self._anchors.put(entry.incident_id, anchor_name(anchor.parsed()), anchor)
        return anchor


class ChainedLedger:
    """Appends to one chain per incident; concurrent writers never fork it.

    Each append is a conditional write on the next free `seq`: the loser of a race re-reads the
    head and tries again on top of the winner's entry. Appending a milestone entry (declared,
    contained, notified, closed) then anchors the new head; an anchoring that fails is itself
    recorded, and never undoes or blocks the response step that appended.
    """

    def __init__(self, store: LedgerStore, max_attempts: int = 50, anchoring: Anchoring | None = None) -> None:
        self._store = store
        self._max_attempts = max_attempts
        self._anchoring = anchoring

    def append(self, incident_id: str, draft: EntryDraft) -> LedgerEntry:
        for _ in range(self._max_attempts):
            entry = next_entry(incident_id, self._store.head(incident_id), draft)
            if self._store.put_new(entry):
                self._after_append(entry)
                return entry
        raise LedgerWriteConflict(f"no free sequence number after {self._max_attempts} attempts")

    def open_chain(self, incident_id: str, draft: EntryDraft) -> LedgerEntry | None:
        """Write the first entry of a new chain; None if the chain already exists (someone opened it)."""
        entry = next_entry(incident_id, None, draft)
        if not self._store.put_new(entry):
            return None
        self._after_append(entry)
        return entry

    def has_entry(self, incident_id: str, entry_type: EntryType) -> bool:
        return any(e.type is entry_type for e in self._store.entries(incident_id))

    def verify(self, incident_id: str) -> ChainVerdict:
        return verify_chain(incident_id, self._store.entries(incident_id))

    def _after_append(self, entry: LedgerEntry) -> None:
        milestone = MILESTONES.get(entry.type)
        if milestone is None or self._anchoring is None:
            return
        try:
            self._anchoring.anchor(entry, milestone)
        except BulkheadError as exc:
            failure = EntryDraft(
                type=EntryType.ANCHOR_FAILED,
                actor="ledger",
                at=entry.at,
                data={"milestone": milestone.value, "seq": entry.seq, "error": type(exc).__name__},
            )
            self.append(entry.incident_id, failure)
