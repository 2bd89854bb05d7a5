"""What a local fabric costs in CPU: provisioning, a service's start and stop, an idle service.

Every command against the local fabric and most end-to-end tests pay for these, so they set how
long `make test` takes. Side by side in one run:
- provisioning a fabric in-process, the first time in a process (botocore's models read, the state
  machines parsed) and the later times (read and parsed once per process): the ratio is what the
  process-wide caches save a command or a test that opens more than one fabric;
- a thin-path drill on a provisioned fabric (webhook to verified ledger), for scale;
- a background service (what a command starts on a fresh state directory): seconds until it
  answers, its CPU from start to stop, and its share of a core while idle for 10 s.

CPU is process time (`time.process_time`, `/proc/<pid>/stat` for the service), so a busy machine
inflates it less than wall time.

    .venv/bin/python scripts/bench/fabric_cost.py [--repeat 5]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bulkhead.local import client  # noqa: E402
from bulkhead.local.drill import run_thin_path  # noqa: E402
from bulkhead.local.runtime import local_fabric  # noqa: E402

IDLE_SECONDS = 10.0


def provision() -> float:
    started = time.process_time()
    with local_fabric(log_level="ERROR"):
        pass
    return time.process_time() - started


def thin_path() -> float:
    with local_fabric(log_level="ERROR") as fabric:
        started = time.process_time()
        run_thin_path(fabric)
        return time.process_time() - started


def service_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def service() -> dict[str, float]:
    state = Path(tempfile.mkdtemp(prefix="bulkhead-bench-")) / "state"
    started = time.perf_counter()
    running = client.connect(state)
    ready = time.perf_counter() - started
    pid = running.info.pid
    time.sleep(2.0)  # past the first answers
    before = service_cpu(pid)
    time.sleep(IDLE_SECONDS)
    idle = (service_cpu(pid) - before) / IDLE_SECONDS
    lifetime = service_cpu(pid)
    client.stop(state)
    return {"ready_s": ready, "cpu_to_idle_s": lifetime - idle * IDLE_SECONDS, "idle_share": idle}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    first = provision()
    later = statistics.median(provision() for _ in range(args.repeat))
    drill = statistics.median(thin_path() for _ in range(max(1, args.repeat // 2)))
    services = [service() for _ in range(max(1, args.repeat // 2))]
    figures = {
        "provision_first_cpu_s": round(first, 2),
        "provision_later_cpu_s": round(later, 2),
        "provision_first_vs_later": round(first / later, 1),
        "thin_path_drill_cpu_s": round(drill, 2),
        "thin_path_vs_provision": round(drill / later, 1),
        "service_ready_s": round(statistics.median(s["ready_s"] for s in services), 2),
        "service_cpu_until_idle_s": round(statistics.median(s["cpu_to_idle_s"] for s in services), 2),
        "idle_service_core_share_pct": round(100 * statistics.median(s["idle_share"] for s in services), 1),
    }
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
