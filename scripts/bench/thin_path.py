"""Thin path on the local fabric: webhook receipt to state machine completion, and `make drill` wall time.

Side by side in one run: the end-to-end time of each run (each on a fresh local fabric) against
the time spent inside the handlers of that run (ratio = what the local engine adds around the
real work; below 1 where branches overlap), and the wall time of the whole `make drill` command,
once set up (process start, moto, provisioning, the run, the report).

    .venv/bin/python scripts/bench/thin_path.py [--runs 20]
"""

import argparse
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bulkhead.local import client  # noqa: E402
from bulkhead.local.drill import bulk_export_webhook  # noqa: E402
from bulkhead.local.paths import DEFAULT_STATE_DIR  # noqa: E402
from bulkhead.local.runtime import local_fabric  # noqa: E402

SECRET = "sandbox-shopify-app-secret-acme-eu"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--drills", type=int, default=3)
    args = parser.parse_args()

    end_to_end, in_handlers = [], []
    for n in range(args.runs):
        # A fresh fabric per run: the sandbox store's Admin API cost bucket (Shopify's leaky bucket)
        # would otherwise throttle later runs, and this measures the response, not the rate limit.
        with local_fabric(log_level="ERROR") as fabric:
            run_id = uuid.uuid4()
            headers, body = bulk_export_webhook(SECRET, event_id=f"bench-{run_id}", app_id=n + 1)
            mark = time.monotonic()
            started = time.perf_counter()
            answer = fabric.post("/webhooks/shopify", headers, body)
            fabric.settle()
            end_to_end.append(time.perf_counter() - started)
            assert answer.status == 202
            assert fabric.execution(fabric.executions[-1])["status"] == "SUCCEEDED"
            in_handlers.append(sum(i.seconds for i in fabric.invocations.items() if i.started >= mark))

    # `make drill` starts the local service when none runs (the first run) and leaves it up; the
    # bench stops it again if it was not running before.
    was_running = client.running(DEFAULT_STATE_DIR) is not None
    drill_wall = []
    try:
        for _ in range(args.drills):
            started = time.perf_counter()
            subprocess.run(["make", "--no-print-directory", "drill"], cwd=ROOT, check=True, capture_output=True)
            drill_wall.append(time.perf_counter() - started)
    finally:
        if not was_running:
            client.stop(DEFAULT_STATE_DIR)

    print(f"runs: {args.runs}, drills: {args.drills}")
    print(f"webhook_to_complete_p50_ms: {percentile(end_to_end, 0.5) * 1000:.0f}")
    print(f"webhook_to_complete_p95_ms: {percentile(end_to_end, 0.95) * 1000:.0f}")
    print(f"handler_time_p50_ms: {percentile(in_handlers, 0.5) * 1000:.0f}")
    ratio = statistics.median(e / h for e, h in zip(end_to_end, in_handlers, strict=True))
    print(f"end_to_end_over_handler_time_ratio: {ratio:.2f}")
    print(f"make_drill_wall_seconds_median: {statistics.median(drill_wall):.2f}")


if __name__ == "__main__":
    main()
