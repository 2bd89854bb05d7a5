"""Hash chain arithmetic, head signatures and verification: pure, no I/O.

entry.hash = SHA-256(bytes(prev_hash) || RFC 8785 canonical JSON of the entry without its hash).
Every head the ledger writes is signed (ECDSA P-256, the private key never leaves KMS) and the
signed statement is written once to a bucket under Object Lock in compliance mode; a milestone's
statement also names the milestone. The byte-level format is docs/evidence-format.md.
"""

import base64
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

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
    RepairOutcome,
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
    incident_id: str,
    entries: Sequence[SealedEntry],
    anchors: Sequence[Anchor],
    public_key_pem: str,
    expect_key_sha256: str | None = None,
) -> LedgerVerdict:
    """The chain, every anchor against the trusted key, every milestone anchored, the last entry
    covered by a signed head, and no signed head past the last entry.

    `public_key_pem` must come from outside the data verified (the deployment's KMS key);
    `expect_key_sha256`, when given, pins it further. The first bad entry is the earliest seq any
    check names: a broken link names itself; a chain rewritten and re-hashed is caught by the first
    signed head it no longer matches; entries cut from the end are named at the first missing seq.
    """
    fingerprint = public_key_sha256(public_key_pem)
    pinned = expect_key_sha256 is not None
    if expect_key_sha256 is not None and fingerprint != expect_key_sha256.lower():
        return LedgerVerdict(
            incident_id=incident_id,
            entries=len(entries),
            head_hash=entries[-1].hash if entries else GENESIS_HASH,
            valid=False,
            problem=f"the signing key {fingerprint} is not the expected key {expect_key_sha256.lower()}",
            public_key_sha256=fingerprint,
            key_pinned=True,
        )
    chain = verify_chain(incident_id, entries)
    checks = [_check_anchor(incident_id, a, entries, fingerprint, public_key_pem) for a in anchors]
    checks.sort(key=lambda c: c.seq)
    # (seq, rank, problem): at the same seq the chain's own finding is the most precise.
    problems: list[tuple[int, int, str]] = []
    if not chain.valid and chain.first_bad_seq is not None:
        problems.append((chain.first_bad_seq, 0, chain.problem or "chain broken"))
    # A signed head past the end means entries were cut: the first missing seq is the first bad one.
    problems += [
        (min(c.seq, len(entries)), 1, f"anchor {c.milestone.value}@{c.seq}: {c.problem}") for c in checks if not c.valid
    ]
    valid_seqs = {c.seq for c in checks if c.valid}
    anchored = {(c.seq, c.milestone) for c in checks if c.valid}
    trusted = entries[: chain.entries if chain.valid else chain.first_bad_seq]
    for entry in trusted:
        milestone = _milestone_of(entry)
        if milestone is not None and (entry.seq, milestone) not in anchored:
            problems.append((entry.seq, 2, f"milestone {milestone.value} at seq {entry.seq} has no valid anchor"))
    if not entries:
        problems.append((0, -1, _empty_problem(checks)))
    last_anchor = max(valid_seqs, default=-1)
    if entries and chain.valid and entries[-1].seq not in valid_seqs:
        problems.append((last_anchor + 1, 3, unsigned_tail(last_anchor + 1, entries[-1].seq)))
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
        key_pinned=pinned,
    )


def unsigned_tail(first: int, last: int) -> str:
    return f"entries from seq {first} to {last} are covered by no signed head (the last entry must have one)"


def _empty_problem(checks: Sequence[AnchorCheck]) -> str:
    if not checks:
        return "the ledger holds no entries"
    last = checks[-1].seq
    return f"the ledger holds no entries, but {len(checks)} signed heads up to seq {last} exist (entries deleted)"


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
    """Signs a head and writes it once to WORM storage; a second anchoring of a head is a no-op."""

    def __init__(self, signer: HeadSigner, anchors: AnchorStore) -> None:
        self._signer = signer
        self._anchors = anchors

    def anchor(self, entry: LedgerEntry, milestone: Milestone) -> Anchor:
        anchor = sign_head(entry, milestone, self._signer)
        self._anchors.put(entry.incident_id, anchor_name(anchor.parsed()), anchor)
        return anchor

    def anchored(self, incident_id: str) -> set[tuple[int, Milestone]]:
        """The (seq, milestone) of every anchor the store holds for this incident, read as written."""
        found: set[tuple[int, Milestone]] = set()
        for anchor in self._anchors.anchors(incident_id):
            try:
                statement = anchor.parsed()
            except ValueError:
                continue
            found.add((statement.seq, statement.milestone))
        return found


class _Conflict(Exception):
    """The sequence number was taken by another writer (internal: retried with back-off)."""


# Back-off on a lost race: full jitter (a random wait up to an exponentially growing cap), so that
# writers who collided spread out instead of colliding again in step.
BACKOFF_FIRST_CAP_SECONDS = 0.01
BACKOFF_MAX_CAP_SECONDS = 0.5


class ChainedLedger:
    """Appends to one chain per incident; concurrent writers never fork it, and every head is signed.

    Each append is a conditional write on the next free `seq`: the loser of a race backs off (full
    jitter) and tries again on top of the winner's entry. The new head is then signed and anchored,
    under its milestone's name for a milestone entry, as a checkpoint otherwise, so every entry is
    covered by a signature the moment its append returns. An anchoring that fails (KMS or S3 down)
    never undoes or blocks the step that appended: it is recorded as `ledger.anchor_failed`, and
    the next append on that chain, or `repair`, anchors the missed heads again.
    """

    def __init__(
        self,
        store: LedgerStore,
        max_attempts: int = 50,
        anchoring: Anchoring | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._store = store
        self._max_attempts = max_attempts
        self._anchoring = anchoring
        self._sleep = sleep
        self._healing = False

    def append(self, incident_id: str, draft: EntryDraft) -> LedgerEntry:
        previous: list[LedgerEntry | None] = [None]

        def attempt() -> LedgerEntry:
            previous[0] = self._store.head(incident_id)
            entry = next_entry(incident_id, previous[0], draft)
            if not self._store.put_new(entry):
                raise _Conflict
            return entry

        retrying = Retrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=wait_random_exponential(multiplier=BACKOFF_FIRST_CAP_SECONDS, max=BACKOFF_MAX_CAP_SECONDS),
            retry=retry_if_exception_type(_Conflict),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            entry = retrying(attempt)
        except _Conflict:
            raise LedgerWriteConflict(f"no free sequence number after {self._max_attempts} attempts") from None
        self._after_append(entry, previous[0])
        return entry

    def open_chain(self, incident_id: str, draft: EntryDraft) -> LedgerEntry | None:
        """Write the first entry of a new chain; None if the chain already exists (someone opened it)."""
        entry = next_entry(incident_id, None, draft)
        if not self._store.put_new(entry):
            return None
        self._after_append(entry, None)
        return entry

    def has_entry(self, incident_id: str, entry_type: EntryType) -> bool:
        return any(e.type is entry_type for e in self._store.entries(incident_id))

    def verify(self, incident_id: str) -> ChainVerdict:
        return verify_chain(incident_id, self._store.entries(incident_id))

    def repair(self, incident_id: str, now: datetime, actor: str = "ledger") -> RepairOutcome:
        """Anchor again every milestone head that has no anchor, and the last entry if no signed head
        covers it; record what was anchored in an entry (whose own head is then anchored).

        Idempotent: anchors are written once by name, and a ledger with nothing to repair gets no
        entry. Raises the signer's or the store's error when they are still unavailable.
        """
        if self._anchoring is None:
            return RepairOutcome(incident_id=incident_id)
        entries = list(self._store.entries(incident_id))
        if not entries:
            return RepairOutcome(incident_id=incident_id)
        anchored = self._anchoring.anchored(incident_id)
        done: list[tuple[int, Milestone]] = []
        for entry in entries:
            milestone = MILESTONES.get(entry.type)
            if milestone is not None and (entry.seq, milestone) not in anchored:
                self._anchoring.anchor(entry, milestone)
                done.append((entry.seq, milestone))
        last = entries[-1]
        if not done and any(seq == last.seq for seq, _ in anchored):
            return RepairOutcome(incident_id=incident_id)
        if not done:
            # Only the tail was uncovered (an appender stopped between its write and its anchoring).
            self._anchoring.anchor(last, Milestone.CHECKPOINT)
            return RepairOutcome(incident_id=incident_id, anchored=((last.seq, Milestone.CHECKPOINT),))
        record = EntryDraft(
            type=EntryType.ANCHORS_REPAIRED,
            actor=actor,
            at=now,
            data={"anchored": [{"seq": seq, "milestone": m.value} for seq, m in done]},
        )
        entry = self._append_without_healing(incident_id, record)
        return RepairOutcome(incident_id=incident_id, anchored=tuple(done), entry_seq=entry.seq)

    def _append_without_healing(self, incident_id: str, draft: EntryDraft) -> LedgerEntry:
        healing, self._healing = self._healing, True
        try:
            return self.append(incident_id, draft)
        finally:
            self._healing = healing

    def _after_append(self, entry: LedgerEntry, previous: LedgerEntry | None) -> None:
        if self._anchoring is None or entry.type is EntryType.ANCHOR_FAILED:
            # A failure record is not anchored on its own (in an outage that would fail again): the
            # next head anchored, or a repair, covers it.
            return
        milestone = MILESTONES.get(entry.type, Milestone.CHECKPOINT)
        try:
            self._anchoring.anchor(entry, milestone)
        except BulkheadError as exc:
            self._record_failure(entry, {"milestone": milestone.value, "seq": entry.seq}, exc)
            return
        # The head before this one records a failed anchoring: the outage may be over, so heal now.
        if previous is not None and previous.type is EntryType.ANCHOR_FAILED and not self._healing:
            try:
                self.repair(entry.incident_id, entry.at)
            except BulkheadError as exc:
                # Still failing: a new failure record keeps the next append healing.
                self._record_failure(entry, {"repair_after_seq": entry.seq}, exc)

    def _record_failure(self, entry: LedgerEntry, data: dict[str, Any], exc: BulkheadError) -> None:
        failure = EntryDraft(
            type=EntryType.ANCHOR_FAILED, actor="ledger", at=entry.at, data={**data, "error": type(exc).__name__}
        )
        self.append(entry.incident_id, failure)
