"""Time-to-contain against sandbox stores with a fixed injected latency, as a ratio to the critical path.

Scenario: six containment actions on two stores (Shopify: revoke storefront tokens, remove an
exfiltrating webhook, tag four customers; Magento: lock an admin user, disable an integration,
switch a payment method off), applied side by side as the response's Isolate map does (one
ApplyContainmentAction per action, in parallel, through the local Lambda seam).

Critical path: every sandbox request waits LATENCY; an action's requests are sequential, actions are
parallel, so the critical path is LATENCY x the largest number of requests one action makes
(counted in a calibration run without latency). Then the same scenario runs with LATENCY, and with
LATENCY plus 20% injected transient failures (503 before acting, or the response lost after acting).

Run: .venv/bin/python scripts/bench/contain.py [latency seconds, default 0.2]
"""

import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bulkhead.local.runtime import LocalFabric, local_fabric
from bulkhead.sandbox import Faults

LATENCY = float(sys.argv[1]) if len(sys.argv) > 1 else 0.2  # Shopify Admin GraphQL answers in ~0.1-0.3 s
CUSTOMERS = ("customer:7001", "customer:7002", "customer:7003", "customer:7004")
ACTIONS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("shopify.revoke_storefront_token", "acme-eu", "all", ()),
    ("shopify.remove_webhook_subscription", "acme-eu", "host:collector.exfil.example", ()),
    ("shopify.tag_customers", "acme-eu", "customers", CUSTOMERS),
    ("magento.lock_admin_user", "acme-us", "ops.contractor", ()),
    ("magento.disable_integration", "acme-us", "12", ()),
    ("magento.disable_payment_method", "acme-us", "braintree", ()),
)


def _event(n: int, kind: str, store: str, target: str, subjects: tuple[str, ...], run: str) -> dict[str, Any]:
    action = {
        "action_id": f"act-{n:02d}-bench",
        "kind": kind,
        "store_id": store,
        "target": target,
        "reason": "benchmark",
        "subjects": list(subjects),
    }
    return {"incident_id": f"inc-20261127-bench-{run}", "mode": "drill", "action": action}


def _contain(fabric: LocalFabric, run: str) -> tuple[float, list[str]]:
    events = [_event(n, *spec, run=run) for n, spec in enumerate(ACTIONS, start=1)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(events)) as pool:
        outcomes = list(pool.map(lambda e: fabric.invoke("ApplyContainmentAction", e), events))
    return time.perf_counter() - started, [o["status"] for o in outcomes]


def _requests_per_action(fabric: LocalFabric) -> list[int]:
    """Calibration: run each action alone and count the sandbox requests it makes."""
    counts = []
    for n, spec in enumerate(ACTIONS, start=1):
        sandbox = fabric.sandboxes[spec[1]]
        before = len(sandbox.calls)
        fabric.invoke("ApplyContainmentAction", _event(n, *spec, run="calibrate"))
        counts.append(len(sandbox.calls) - before)
    return counts


def _faulty(fabric: LocalFabric, faults: Faults) -> None:
    for sandbox in fabric.sandboxes.values():
        sandbox.faults = faults


def main() -> None:
    with local_fabric(log_level="ERROR") as fabric:
        requests = _requests_per_action(fabric)
    critical = LATENCY * max(requests)
    with local_fabric(log_level="ERROR") as fabric:
        _faulty(fabric, Faults(latency_seconds=LATENCY))
        clean, clean_status = _contain(fabric, "latency")
    with local_fabric(log_level="ERROR") as fabric:
        _faulty(fabric, Faults(latency_seconds=LATENCY, error_rate=0.1, lost_response_rate=0.1, seed=20))
        flaky, flaky_status = _contain(fabric, "faults")
        injected = Counter(c.fault for s in fabric.sandboxes.values() for c in s.calls)
    print(f"actions: {len(ACTIONS)} on 2 sandbox stores; requests per action: {requests}")
    print(f"statuses with latency: {clean_status}")
    print(f"statuses with 20% transient failures: {flaky_status}; faults drawn: {dict(injected)}")
    print(f"latency_per_request_s: {LATENCY}")
    print(f"critical_path_s: {critical:.3f}")
    print(f"time_to_contain_s: {clean:.3f}")
    print(f"ratio_to_critical_path: {clean / critical:.2f}")
    print(f"time_to_contain_20pct_transient_s: {flaky:.3f}")
    print(f"ratio_to_critical_path_20pct_transient: {flaky / critical:.2f}")


if __name__ == "__main__":
    main()
