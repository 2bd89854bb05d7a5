"""The local fabric as a service: command times with the service warm, and what it keeps.

Side by side in one run, on a fresh state directory in tmp (ephemeral ports, stopped at the end):
- `bulkhead status` and `bulkhead ledger verify` as a person runs them (a new process each),
  against the warm service, and the same state opened the way every command did before the
  service (a fabric booted in-process per command): the ratio is the saving;
- `bulkhead drill` (a new process, warm service);
- two `bulkhead drill` processes at once: how many incidents are kept, and whether both verify;
- 200 concurrent signed webhook deliveries to the front door: connection resets, p50/p99 answer;
- kill -9 of the service in the middle of a drill, then a restart: acknowledged ledger entries
  lost (read back over the AWS endpoint), and whether the incident is shown as interrupted.

    .venv/bin/python scripts/bench/local_fabric.py [--repeat 3]
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bulkhead.local import client  # noqa: E402
from bulkhead.local.drill import bulk_export_webhook  # noqa: E402

SECRET = "sandbox-shopify-app-secret-acme-eu"
BULKHEAD = [sys.executable, "-m", "bulkhead.cli.main"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def command(*args: str, state: Path, reports: Path | None = None) -> tuple[float, int, str]:
    """Run one bulkhead command as a person would (a new process); seconds, exit code, output."""
    env = os.environ | {"BULKHEAD_STATE_DIR": str(state), "COLUMNS": "200"}
    started = time.perf_counter()
    done = subprocess.run([*BULKHEAD, *args], cwd=reports or ROOT, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done.returncode, done.stdout + done.stderr


def ledger(service: client.Service, incident: str) -> list[tuple[int, str]]:
    from functions.common import clients  # noqa: PLC0415
    from functions.ledger.adapters.dynamodb import DynamoLedgerStore  # noqa: PLC0415

    with service.connected():
        table = service.describe()["tables"]["Ledger"]
        return [(e.seq, e.hash) for e in DynamoLedgerStore(clients.client("dynamodb"), table).entries(incident)]


def incidents(service: client.Service) -> list[str]:
    from functions.common import clients  # noqa: PLC0415

    with service.connected():
        table = service.describe()["tables"]["Ledger"]
        items = clients.client("dynamodb").scan(TableName=table, ProjectionExpression="incident_id")["Items"]
    return sorted({i["incident_id"]["S"] for i in items if i["incident_id"]["S"].startswith("inc-")})


def deliver(url: str, app_id: int) -> tuple[float | None, str]:
    """One signed delivery on its own connection; (seconds, "") or (None, what went wrong)."""
    headers, body = bulk_export_webhook(SECRET, event_id=f"bench-{uuid.uuid4()}", app_id=app_id)
    host, port = url.removeprefix("http://").split(":")
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    request = f"POST /webhooks/shopify HTTP/1.1\r\nHost: {host}\r\n{head}Content-Length: {len(body)}\r\n\r\n"
    started = time.perf_counter()
    try:
        with socket.create_connection((host, int(port)), timeout=30) as conn:
            conn.sendall(request.encode() + body)
            answer = conn.recv(65536)
    except ConnectionResetError:
        return None, "reset"
    except OSError as exc:
        return None, type(exc).__name__
    elapsed = time.perf_counter() - started
    return (elapsed, "") if answer.startswith(b"HTTP/1.") else (None, "no answer")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--deliveries", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bulkhead-bench-"))
    state = work / "state"
    figures: dict[str, Any] = {}
    try:
        figures |= warm_commands(state, work, args.repeat)
        figures |= parallel_drills(state, work)
        figures |= webhook_burst(state, args.deliveries)
        figures |= kill_mid_drill(work / "killed", work)
    finally:
        client.stop_started()
        for directory in (state, work / "killed"):
            client.stop(directory)
        shutil.rmtree(work, ignore_errors=True)
    for name, value in figures.items():
        print(f"{name}: {value}")


def warm_commands(state: Path, work: Path, repeat: int) -> dict[str, Any]:
    service = client.connect(state)
    seconds, code, output = command("drill", "--reports", str(work / "reports"), state=state)
    assert code == 0, output
    incident = re.search(r"Ledger of (inc-[0-9a-z-]+)", output)
    assert incident, output
    drills = [seconds]
    for _ in range(repeat - 1):
        seconds, code, output = command("drill", "--reports", str(work / "reports"), state=state)
        assert code == 0, output
        drills.append(seconds)
    status = [command("status", state=state)[0] for _ in range(repeat)]
    verify = []
    for _ in range(repeat):
        seconds, code, output = command("ledger", "verify", incident.group(1), state=state)
        assert code == 0, output
        verify.append(seconds)
    # Before the service: each command was a process that booted its own fabric from the saved
    # state and rewrote it on exit; this is that part alone (no command work), on a copy.
    service.control("POST", "/local/compact", {})
    copy = work / "copy"
    shutil.copytree(state, copy, ignore=shutil.ignore_patterns("service.*"))
    boot_script = (
        "import sys; from pathlib import Path; from bulkhead.local.runtime import local_fabric\n"
        "with local_fabric(log_level='ERROR', state_dir=Path(sys.argv[1])): pass"
    )
    boots = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", boot_script, str(copy)], cwd=ROOT, check=True)
        boots.append(time.perf_counter() - started)
    boot = statistics.median(boots)
    status_s = statistics.median(status)
    return {
        "status_s": round(status_s, 2),
        "ledger_verify_s": round(statistics.median(verify), 2),
        "drill_s": round(statistics.median(drills), 2),
        "fabric_boot_per_command_before_s": round(boot, 2),
        "status_speedup_vs_boot_per_command": round(boot / status_s, 1),
    }


def parallel_drills(state: Path, work: Path) -> dict[str, Any]:
    service = client.connect(state)
    known = set(incidents(service))
    outputs: list[tuple[float, int, str]] = []
    threads = [
        threading.Thread(
            target=lambda: outputs.append(command("drill", "--reports", str(work / "reports"), state=state))
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client.stop(state)  # kept means: still there after the service stops and a new one starts
    service = client.connect(state)
    new = [i for i in incidents(service) if i not in known]
    verified = [i for i in new if command("ledger", "verify", i, state=state)[1] == 0]
    return {
        "parallel_drills_passed": sum(1 for _, code, _ in outputs if code == 0),
        "incidents_kept": len(new),
        "incidents_verified": len(verified),
    }


def webhook_burst(state: Path, deliveries: int) -> dict[str, Any]:
    service = client.connect(state)
    # Side by side: deliveries one at a time (what one costs the service), then the burst; each
    # series is one attack (one app), so detection declares once and merges the rest.
    alone = [t for t, _ in (deliver(service.info.url, 7001) for _ in range(20)) if t is not None]
    time.sleep(10)  # the one response it declared runs to its end
    results: list[tuple[float | None, str]] = []
    lock = threading.Lock()
    start = threading.Barrier(deliveries)

    def one(_n: int) -> None:
        start.wait()
        result = deliver(service.info.url, 7002)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(deliveries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times = [t for t, _ in results if t is not None]
    return {
        "webhook_deliveries": deliveries,
        "connection_resets": sum(1 for _, problem in results if problem == "reset"),
        "webhook_failures_other": sum(1 for _, problem in results if problem and problem != "reset"),
        "webhook_p50_ms": round(percentile(times, 0.5) * 1000) if times else "-",
        "webhook_p99_ms": round(percentile(times, 0.99) * 1000) if times else "-",
        "webhook_one_at_a_time_p50_ms": round(percentile(alone, 0.5) * 1000) if alone else "-",
        "burst_p50_over_one_at_a_time": round(percentile(times, 0.5) / percentile(alone, 0.5)) if alone else "-",
    }


def kill_mid_drill(state: Path, work: Path) -> dict[str, Any]:
    service = client.connect(state)
    drill = subprocess.Popen(
        [*BULKHEAD, "drill", "--reports", str(work / "reports")],
        cwd=ROOT,
        env=os.environ | {"BULKHEAD_STATE_DIR": str(state)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    acknowledged: dict[str, list[tuple[int, str]]] = {}
    deadline = time.monotonic() + 120
    incident = None
    while time.monotonic() < deadline and incident is None:
        for candidate in incidents(service):
            entries = ledger(service, candidate)
            if len(entries) >= 18:  # contained, notifying: mid-response
                incident, acknowledged[candidate] = candidate, entries
        time.sleep(0.02)
    assert incident is not None, "the drill never reached containment"
    acknowledged[incident] = ledger(service, incident)  # everything answered before the kill
    os.kill(service.info.pid, signal.SIGKILL)
    client.STARTED.pop(state.resolve()).wait(timeout=30)
    drill.wait(timeout=60)
    service = client.connect(state)
    after = set(ledger(service, incident))
    lost = [entry for entry in acknowledged[incident] if entry not in after]
    shown = incident in command("status", state=state)[2]
    marked = any(i["incident_id"] == incident for i in service.control("GET", "/local/work")["interrupted"])
    return {
        "acknowledged_entries_before_kill": len(acknowledged[incident]),
        "acknowledged_entries_lost": len(lost),
        "interrupted_shown": "yes" if shown and marked else "no",
    }


if __name__ == "__main__":
    main()
