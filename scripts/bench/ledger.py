"""Ledger benchmarks, side by side in one run.

1. Append throughput against the local (moto) DynamoDB table: ChainedLedger.append, one writer,
   each append a consistent head query plus a conditional PutItem.
2. Verification of a 1,000,000-entry chain (verify_chain on in-memory sealed entries) against raw
   SHA-256 of the same canonical bytes; the ratio is what chaining and checks cost over hashing.

Run: .venv/bin/python scripts/bench/ledger.py [--entries N] [--appends N]
Figures are printed last as `<metric>: <value>` lines.
"""

import argparse
import hashlib
import time
from datetime import UTC, datetime, timedelta

import boto3
from moto import mock_aws

from bulkhead.local.runtime import create_table
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.canonical import canonical
from functions.ledger.domain import ChainedLedger, verify_chain
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
    args = parser.parse_args()

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


if __name__ == "__main__":
    main()
