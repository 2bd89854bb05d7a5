"""Ledger benchmarks, side by side in one run.

1. Append throughput against the local (moto) DynamoDB table: ChainedLedger.append, one writer,
   each append a consistent head query plus a conditional PutItem.
2. Verification of a 1,000,000-entry chain (verify_chain on in-memory sealed entries) against raw
   SHA-256 of the same canonical bytes; the ratio is what chaining and checks cost over hashing.
3. Contention: 32 writers x 10 appends to one chain at once, with the ledger's back-off, twice:
   bare appends (the tightest race) and with every head signed (KMS) and anchored (S3 Object Lock);
   side by side, bare appends with no wait between tries (the policy before back-off).
   `failed_appends` (LedgerWriteConflict) and `forks` (acknowledged appends missing from the final
   chain, or a chain that does not verify), summed over the two back-off runs, must both be 0.

Run: .venv/bin/python scripts/bench/ledger.py [--entries N] [--appends N] [--writers N] [--per-writer N]
Figures are printed last as `<metric>: <value>` lines.
"""

import argparse
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from moto import mock_aws
from moto.dynamodb.models import DynamoDBBackend

from bulkhead.local.runtime import create_table
from functions.common.errors import LedgerWriteConflict
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.adapters.kms import KmsHeadSigner
from functions.ledger.adapters.s3 import S3AnchorStore
from functions.ledger.canonical import canonical
from functions.ledger.domain import Anchoring, ChainedLedger, verify_chain, verify_ledger
from functions.ledger.models import GENESIS_HASH, EntryDraft, EntryType, SealedEntry
from infra.fabric import table

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
INCIDENT = "inc-20261127-abcdef123456"


def append_throughput(appends: int) -> float:
    with mock_aws():
        db = boto3.client("dynamodb", region_name="eu-west-1")
        create_table(db, table("Ledger"), "ledger")
        ledger = ChainedLedger(DynamoLedgerStore(db, "ledger"))
        drafts = [_draft(n) for n in range(appends)]
        started = time.perf_counter()
        for draft in drafts:
            ledger.append(INCIDENT, draft)
        seconds = time.perf_counter() - started
        assert ledger.verify(INCIDENT).entries == appends
    return appends / seconds


@dataclass
class Contention:
    failed_appends: int
    lost_races: int
    forks: int
    seconds: float
    ledger_valid: bool


def contention(writers: int, per_writer: int, sleep: Callable[[float], None], *, signed: bool) -> Contention:
    """`writers` threads, each its own ledger (as separate Lambda invocations are), appending at once."""
    with mock_aws(), _atomic_conditional_puts():
        db, s3, kms = (boto3.client(s, region_name="eu-west-1") for s in ("dynamodb", "s3", "kms"))
        create_table(db, table("Ledger"), "ledger")
        s3.create_bucket(
            Bucket="anchors",
            CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
            ObjectLockEnabledForBucket=True,
        )
        key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
        signer, anchors = KmsHeadSigner(kms, key), S3AnchorStore(s3, "anchors")
        start, failed, acknowledged, races = threading.Barrier(writers), [0], [], [0]
        lock = threading.Lock()

        def wait(seconds: float) -> None:  # called once per lost race
            with lock:
                races[0] += 1
            sleep(seconds)

        def write(w: int) -> None:
            anchoring = Anchoring(signer, anchors) if signed else None
            ledger = ChainedLedger(DynamoLedgerStore(db, "ledger"), anchoring=anchoring, sleep=wait)
            start.wait()
            for n in range(per_writer):
                draft = EntryDraft(type=EntryType.ACTION_APPLIED, actor=f"writer-{w}", at=T0, data={"n": n})
                try:
                    ledger.append(INCIDENT, draft)
                except LedgerWriteConflict:
                    with lock:
                        failed[0] += 1
                    continue
                with lock:
                    acknowledged.append((f"writer-{w}", n))

        threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        store = DynamoLedgerStore(db, "ledger")
        landed = [(e.actor, e.data["n"]) for e in store.entries(INCIDENT)]
        verdict = verify_ledger(
            INCIDENT, list(store.sealed(INCIDENT)), anchors.anchors(INCIDENT), signer.public_key_pem()
        )
        lost = len(set(acknowledged) - set(landed)) + (len(landed) - len(set(landed)))
        forks = lost + (0 if verify_chain(INCIDENT, store.entries(INCIDENT)).valid else 1)
        return Contention(failed[0], races[0], forks, seconds, verdict.valid or not signed)


class _atomic_conditional_puts:  # noqa: N801 (used as a context manager)
    """DynamoDB checks a write's condition and writes atomically; moto does not (two threads can both
    pass `attribute_not_exists`). Give moto DynamoDB's guarantee, so the bench measures the ledger."""

    def __enter__(self) -> None:
        lock, self._real = threading.Lock(), DynamoDBBackend.put_item
        real = self._real

        def put_item(backend: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
            with lock:
                return real(backend, *args, **kwargs)

        DynamoDBBackend.put_item = put_item  # type: ignore[method-assign]

    def __exit__(self, *exc: object) -> None:
        DynamoDBBackend.put_item = self._real  # type: ignore[method-assign]


def _draft(n: int) -> EntryDraft:
    return EntryDraft(
        type=EntryType.ACTION_APPLIED,
        actor="containment",
        at=T0 + timedelta(milliseconds=n),
        data={
            "action_id": f"a-{n}",
            "kind": "shopify.revoke_storefront_token",
            "status": "applied",
            "store_id": "acme-eu",
        },
    )


def build_chain(count: int) -> list[SealedEntry]:
    """A realistic chain built with the same canonical encoding (bodies as the store holds them)."""
    entries: list[SealedEntry] = []
    prev_hex, prev_raw = GENESIS_HASH, bytes(32)
    template = _draft(0).model_dump(mode="json")
    for seq in range(count):
        body = canonical(
            {
                **template,
                "data": {**template["data"], "action_id": f"a-{seq}"},
                "incident_id": INCIDENT,
                "seq": seq,
                "prev_hash": prev_hex,
            }
        )
        digest = hashlib.sha256(prev_raw + body).digest()
        entries.append(SealedEntry(INCIDENT, seq, prev_hex, body, digest.hex()))
        prev_hex, prev_raw = digest.hex(), digest
    return entries


def best_of(runs: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--appends", type=int, default=1_000)
    parser.add_argument("--writers", type=int, default=32)
    parser.add_argument("--per-writer", type=int, default=10)
    args = parser.parse_args()

    bare = contention(args.writers, args.per_writer, time.sleep, signed=False)
    signed = contention(args.writers, args.per_writer, time.sleep, signed=True)
    eager = contention(args.writers, args.per_writer, lambda _: None, signed=False)
    print(f"{args.writers} writers x {args.per_writer} appends to one chain: bare, signed, bare without back-off")

    per_second = append_throughput(args.appends)
    print(f"appended {args.appends} entries to the moto table")

    chain = build_chain(args.entries)
    bodies = [e.body for e in chain]
    sha = hashlib.sha256

    def raw_sha256() -> None:
        for body in bodies:
            sha(body).digest()

    def verify() -> None:
        verdict = verify_chain(INCIDENT, chain)
        assert verdict.valid, verdict.problem
        assert verdict.entries == args.entries

    raw_seconds = best_of(3, raw_sha256)
    verify_seconds = best_of(3, verify)
    mean_body = sum(map(len, bodies)) / len(bodies)
    print(f"chain of {args.entries} entries, mean canonical body {mean_body:.0f} bytes; best of 3 runs each")
    print(f"append_per_second_moto: {per_second:.0f}")
    print(f"raw_sha256_seconds: {raw_seconds:.3f}")
    print(f"verify_chain_seconds: {verify_seconds:.3f}")
    print(f"verify_entries_per_second: {args.entries / verify_seconds:.0f}")
    print(f"verify_to_raw_sha256_ratio: {verify_seconds / raw_seconds:.2f}")
    print(f"contention_seconds_bare: {bare.seconds:.2f}")
    print(f"contention_seconds_signed: {signed.seconds:.2f}")
    print(f"contention_signed_ledger_valid: {signed.ledger_valid}")
    print(f"lost_races_with_backoff: {bare.lost_races}")
    print(f"lost_races_without_backoff: {eager.lost_races}")
    print(f"failed_appends_without_backoff: {eager.failed_appends}")
    print(f"failed_appends: {bare.failed_appends + signed.failed_appends}")
    print(f"forks: {bare.forks + signed.forks}")


if __name__ == "__main__":
    main()
