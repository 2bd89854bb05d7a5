"""Benchmark: notifying 100,000 customers, in-process (no AWS, no moto).

Runs the real domain code (resolve_audience, send_batch) with in-memory adapters (the exactly-once
guard, roster and ledger of tests/fakes/notification.py) and an SES simulator that
enforces a send-rate quota the way SES does: a token bucket of `quota` recipients/s, and a call
that does not fit is refused with a throttling error. Workers stand for the Distributed Map's
children: each paces itself to quota / workers, as the deployed SendNoticeBatch does.

Measures, side by side in one run:
1. with the quota: achieved send rate / quota, throttled calls, duplicates (then the whole send
   phase is run again, as a redrive would, and duplicates are counted again);
2. with no quota: customers per second the pipeline itself sustains (resolve + send).

    .venv/bin/python scripts/bench/notify.py [--customers 100000] [--quota 2000] [--workers 40]
"""

import argparse
import queue
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the test doubles live in tests/fakes

from functions.common.config import parse_config
from functions.detection.models import Incident
from functions.notification.adapters.pseudonym import HmacPseudonyms
from functions.notification.domain import Channels, resolve_audience, send_batch
from functions.notification.models import (
    Address,
    AudienceScope,
    BatchRef,
    Customer,
    NotificationPlan,
    ResolveRequest,
    SendBatchRequest,
)
from functions.notification.pacing import TokenBucket
from tests.fakes.ledger import MemoryLedger
from tests.fakes.notification import (
    MemoryDeliveryGuard,
    MemoryRosterStore,
    NoSms,
    SimulatedSes,
    UnlimitedSmsBudget,
)

CONFIG = parse_config(
    """{"firm_name": "Bench Wealth", "contact_point": "DPO, dpo@bench.example", "stores": [
    {"store_id": "bench", "platform": "shopify", "shop_domain": "bench.myshopify.com",
     "webhook_secret_id": "w", "admin_token_secret_id": "t", "jurisdictions": ["DE"]}]}"""
)
COUNTRIES = (("DE", None, "de-DE"), ("FR", None, "fr-FR"), ("ES", None, "es-ES"), ("US", "NY", "en-US"))


class Directory:
    def __init__(self, n: int) -> None:
        self.n = n

    def customers(self, scope: AudienceScope) -> Iterator[Customer]:  # noqa: ARG002 - every scope is the store
        for i in range(self.n):
            country, province, locale = COUNTRIES[i % len(COUNTRIES)]
            yield Customer(
                platform_id=str(1_000_000 + i),
                email=f"customer{i}@bench.example",
                first_name="Sam",
                locale=locale,
                addresses=(Address(country_code=country, province_code=province),),
            )

    def exact(self, scope: AudienceScope) -> bool:  # noqa: ARG002
        return True


def incident() -> Incident:
    now = datetime.now(UTC)
    return Incident(
        incident_id="inc-bench-notify-0001",
        store_id="bench",
        platform="shopify",
        rule_id="bench",
        title="Benchmark",
        severity="critical",
        data_categories=("contact",),
        scope={"subject_ids": ["store:all"]},
        jurisdictions=("DE",),
        aware_at=now,
        declared_at=now,
        signal_ids=("bench",),
    )


def resolve(n: int, ledger: MemoryLedger, rosters: MemoryRosterStore, rate: float, workers: int) -> list[BatchRef]:
    request = ResolveRequest(
        incident=incident(),
        mode="live",
        notification=NotificationPlan(channels=("email",), subject_ids=("store:all",), required=True),
        concurrency=workers,
    )
    pseudonyms = HmacPseudonyms(b"bench-pseudonym-key-0123456789-0123456789")
    resolved = resolve_audience(request, CONFIG, Directory(n), rosters, pseudonyms, rate, ledger, datetime.now(UTC))
    return [BatchRef.model_validate(item) for item in rosters.objects[resolved.manifest_key]]


def send_all(
    refs: list[BatchRef], rosters: MemoryRosterStore, guard: MemoryDeliveryGuard, ses: SimulatedSes, workers: int
) -> float:
    """Run every batch on `workers` threads; returns the wall time of the send phase."""
    per_worker = ses.max_send_rate() / workers
    todo: queue.Queue[BatchRef] = queue.Queue()
    for ref in refs:
        todo.put(ref)
    ledger = MemoryLedger()
    failures: list[BaseException] = []

    def worker() -> None:
        lanes = Channels(
            guard=guard,
            email=ses,
            email_pacer=TokenBucket(per_worker, time.monotonic, time.sleep),
            sms=NoSms(),
            sms_pacer=TokenBucket(1.0, time.monotonic, time.sleep),
            sms_budget=UnlimitedSmsBudget(),
        )
        while True:
            try:
                ref = todo.get_nowait()
            except queue.Empty:
                return
            request = SendBatchRequest(
                incident=incident(),
                mode="live",
                roster_bucket="memory",
                channels=("email",),
                email_rate_per_worker=per_worker,
                batch=ref,
            )
            for _ in range(8):  # the state machine's Retry on PlatformThrottled
                try:
                    send_batch(request, CONFIG, rosters, lanes, ledger, lambda: datetime.now(UTC))
                    break
                except Exception as exc:  # counted: the bench must finish
                    failures.append(exc)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--quota", type=float, default=5_000.0, help="simulated SES MaxSendRate, recipients/s")
    parser.add_argument("--workers", type=int, default=40, help="parallel Map children (NotificationConcurrency)")
    args = parser.parse_args()

    # 1. With the quota
    rosters, guard, ses = MemoryRosterStore(), MemoryDeliveryGuard(), SimulatedSes(args.quota)
    refs = resolve(args.customers, MemoryLedger(), rosters, args.quota, args.workers)
    seconds = send_all(refs, rosters, guard, ses, args.workers)
    delivered = sum(ses.delivered.values())
    duplicates = delivered - len(ses.delivered)
    achieved = delivered / seconds
    rerun_before = delivered
    send_all(refs, rosters, guard, ses, args.workers)  # a redrive / re-run of the whole send phase
    rerun_duplicates = sum(ses.delivered.values()) - rerun_before
    print(f"quota run: {delivered} notices in {seconds:.1f} s, {ses.throttled_calls} throttled calls")

    # 2. No quota: the pipeline itself (resolve + send)
    rosters2, guard2, free = MemoryRosterStore(), MemoryDeliveryGuard(), SimulatedSes(None)
    started = time.perf_counter()
    refs2 = resolve(args.customers, MemoryLedger(), rosters2, free.max_send_rate(), args.workers)
    resolved_at = time.perf_counter()
    send_all(refs2, rosters2, guard2, free, args.workers)
    total = time.perf_counter() - started
    print(f"no-quota run: resolve {resolved_at - started:.1f} s, send {total - (resolved_at - started):.1f} s")

    print(f"customers: {args.customers}")
    print(f"quota_recipients_per_second: {args.quota:.0f}")
    print(f"workers: {args.workers}")
    print(f"achieved_rate_per_second: {achieved:.0f}")
    print(f"achieved_over_quota: {achieved / args.quota:.3f}")
    print(f"throttled_calls: {ses.throttled_calls}")
    print(f"duplicates: {duplicates}")
    print(f"duplicates_after_rerun: {rerun_duplicates}")
    print(f"pipeline_customers_per_second_no_quota: {args.customers / total:.0f}")


if __name__ == "__main__":
    main()
