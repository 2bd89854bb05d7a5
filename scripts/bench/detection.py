# ruff: noqa: ARG002 - in-memory ports implement the protocols' full signatures
"""Detection throughput in signals per second on one core: the domain with in-memory ports.

Three mixes side by side in one run: a burst of one attack (one declare, the rest merge), a
threshold rule being counted up (customer reads), and unmatched noise (ignored). The ports are in
memory so the figure is detection's own CPU cost; DynamoDB and EventBridge latency come on top.

    .venv/bin/python scripts/bench/detection.py [--signals 20000]
"""

import argparse
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from functions.common.config import parse_config
from functions.detection.domain import DetectDeps, detect
from functions.detection.models import IncidentDeclared, Tally, WindowSummary
from functions.detection.rules import packaged_rulebook
from functions.ingest.models import Signal, SignalSource
from functions.ledger.domain import ChainedLedger
from functions.ledger.models import LedgerEntry

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
# What ingest reads from the audit trail (functions/ingest/shopify.py): an app's bulk export, its reads.
BULK_EXPORT = {"actor_type": "app", "bulk_customer_exports": "1", "customer_reads": "0"}
READS = {"actor_type": "app", "bulk_customer_exports": "0", "customer_reads": "1"}


class Entries:
    def __init__(self) -> None:
        self.chains: dict[str, list[LedgerEntry]] = {}

    def head(self, chain: str) -> LedgerEntry | None:
        entries = self.chains.get(chain)
        return entries[-1] if entries else None

    def put_new(self, entry: LedgerEntry) -> bool:
        entries = self.chains.setdefault(entry.incident_id, [])
        if len(entries) != entry.seq:
            return False
        entries.append(entry)
        return True

    def entries(self, chain: str) -> Iterator[LedgerEntry]:
        yield from self.chains.get(chain, [])


class Windows:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], list[int]] = {}  # signals, weight, declared, claimed

    def count(self, day: str, window: str, facts: dict[str, str | int], signal_id: str, at: datetime, w: int) -> Tally:
        item = self.items.setdefault((day, window), [0, 0, 0, 0])
        item[0] += 1
        item[1] += w
        return Tally(signals=item[0], weight=item[1], declared=bool(item[2]))

    def count_below_threshold(self, day: str, window: str) -> None:
        return None

    def remember_subjects(self, day: str, window: str, subjects: tuple[str, ...]) -> None:
        return None

    def subjects(self, day: str, window: str) -> tuple[str, ...]:
        return ()

    def claim(self, day: str, window: str, at: datetime, lease_seconds: int) -> bool:
        item = self.items[(day, window)]
        if item[2] or item[3]:
            return False
        item[3] = 1
        return True

    def mark_declared(self, day: str, window: str, at: datetime) -> None:
        self.items[(day, window)][2] = 1

    def day(self, day: str) -> list[WindowSummary]:
        return []


class Bus:
    def declare(self, declared: IncidentDeclared) -> None:
        return None


def signals(kind: str, count: int) -> list[Signal]:
    made = []
    for n in range(count):
        topic, attributes, source = {
            "burst": ("audit_events/admin_api_activity", BULK_EXPORT, SignalSource.SHOPIFY_EVENTBRIDGE),
            "threshold": ("audit_events/admin_api_activity", READS, SignalSource.SHOPIFY_EVENTBRIDGE),
            "noise": ("app/uninstalled", {}, SignalSource.SHOPIFY_WEBHOOK),
        }[kind]
        made.append(
            Signal(
                signal_id=f"shopify:{kind}-{n}",
                source=source,
                store_id="acme-eu",
                topic=topic,
                actor="app:9912345",
                subject_ids=(f"customer:{n}",),
                observed_at=NOW - timedelta(seconds=1),
                received_at=NOW,
                raw_sha256="a" * 64,
                attributes=attributes,
            )
        )
    return made


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--signals", type=int, default=20_000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    config = parse_config(Path("config/bulkhead.local.json").read_text())
    book = packaged_rulebook()
    rates: dict[str, float] = {}
    for kind in ("burst", "threshold", "noise"):
        batch = signals(kind, args.signals)
        deps = DetectDeps(book, config, ChainedLedger(Entries()), Windows(), Bus(), NOW)
        started = time.perf_counter()
        for signal in batch:
            detect(signal, deps)
        rates[kind] = args.signals / (time.perf_counter() - started)
    print(f"signals per mix: {args.signals}, one core, in-memory ports")
    for kind, rate in rates.items():
        print(f"detection_{kind}_signals_per_s: {rate:,.0f}")
    print(f"detection_noise_to_burst_ratio: {rates['noise'] / rates['burst']:.2f}")


if __name__ == "__main__":
    main()
