"""The local fabric as one long-lived service per state directory.

One process holds the emulation (moto, its state journaled in the state directory), the Lambda
seam that runs the real handlers, the HTTP front door (webhooks, approval links) with a small
control API under `/local/`, a moto wire-protocol endpoint, and the stack's schedules (clock
sweep, mode expiry, canary, monthly drill) firing on the local clock. Every CLI command is a client:
it speaks the AWS APIs to the endpoint, exactly as it would to AWS, and asks the control API only
for what AWS has no API for (run a drill, list interrupted responses, read the sandbox stores).

The state directory holds:
- `service.lock`: flock-ed by the running service, so there is one per directory;
- `service.json`: pid, front door URL, AWS endpoint, control token and the fabric identity's key
  (0600), written once ready;
- `service.log`: what a service started in the background prints;
- `fabric.json` + `journal.jsonl`: the durable state (`bulkhead.local.journal`).

Run it in the foreground with `bulkhead serve`, or in the background as
`python -m bulkhead.local.service --state-dir DIR` (what commands do on demand).
"""

import argparse
import contextlib
import fcntl
import json
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

LOCK_FILE = "service.lock"
SERVICE_FILE = "service.json"
LOG_FILE = "service.log"


class AlreadyRunning(RuntimeError):
    """Another service holds this state directory."""


@dataclass(frozen=True)
class ServiceInfo:
    pid: int
    state_dir: str
    url: str  # the front door: webhooks, approval links, the control API under /local/
    endpoint: str  # the AWS wire-protocol endpoint (moto)
    token: str  # the control API's bearer token
    started_at: str
    config: str
    # The fabric identity's key at the endpoint (IAM is enforced there); empty when enforcement is off.
    access_key_id: str = ""
    secret_access_key: str = ""

    def line(self) -> str:
        return f"Local fabric: pid {self.pid}, {self.url} (AWS endpoint {self.endpoint}), state {self.state_dir}"

    @classmethod
    def read(cls, state_dir: Path) -> "ServiceInfo | None":
        path = state_dir / SERVICE_FILE
        try:
            return cls(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            return None


@contextlib.contextmanager
def exclusive(state_dir: Path) -> Iterator[IO[str]]:
    """Hold the state directory's lock for the block; AlreadyRunning if another process holds it."""
    state_dir.mkdir(parents=True, exist_ok=True)
    handle = (state_dir / LOCK_FILE).open("a+")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.close()
        running = ServiceInfo.read(state_dir)
        where = running.line() if running else f"another process holds {state_dir / LOCK_FILE}"
        raise AlreadyRunning(where) from exc
    try:
        yield handle
    finally:
        with contextlib.suppress(FileNotFoundError):
            (state_dir / SERVICE_FILE).unlink()
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        handle.close()


def is_held(state_dir: Path) -> bool:
    """Whether a live process holds the directory's lock (service.json alone may be stale)."""
    path = state_dir / LOCK_FILE
    if not path.exists():
        return False
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return False


def run(
    state_dir: Path,
    port: int = 0,
    moto_port: int = 0,
    config_path: Path | None = None,
    secrets_path: Path | None = None,
    tunables: Mapping[str, int] | None = None,
    report: Callable[[str], None] = print,
    stop: threading.Event | None = None,
    on_ready: Callable[[ServiceInfo], None] | None = None,
    warm_handlers: bool = False,
) -> None:
    """Hold the state directory and serve until `stop` is set (or SIGTERM/SIGINT in the main thread).

    `warm_handlers` loads every handler before the first answer (`bulkhead serve`, which platforms
    deliver webhooks to, within their timeouts)."""
    from moto.server import ThreadedMotoServer  # noqa: PLC0415 - moto is a development dependency

    from bulkhead.local.control import Control  # noqa: PLC0415
    from bulkhead.local.paths import DEFAULT_CONFIG, DEFAULT_SECRETS  # noqa: PLC0415
    from bulkhead.local.runtime import local_fabric  # noqa: PLC0415
    from bulkhead.local.schedules import LocalSchedules  # noqa: PLC0415
    from bulkhead.local.server import FabricServer  # noqa: PLC0415

    state_dir = state_dir.resolve()
    config_path = (config_path or DEFAULT_CONFIG).resolve()
    stop = stop or threading.Event()
    with exclusive(state_dir), contextlib.ExitStack() as stack:
        fabric = stack.enter_context(
            local_fabric(
                config_path=config_path,
                secrets_path=secrets_path or DEFAULT_SECRETS,
                log_level="ERROR",
                tunables=tunables,
                state_dir=state_dir,
                hold_lock=False,  # held above, for the whole life of the service
            )
        )
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
        moto.start()
        stack.callback(moto.stop)
        token = secrets.token_urlsafe(24)
        control = Control(fabric, state_dir, token, stop)
        server = FabricServer(fabric, port=port, report=report, control=control, warm_handlers=warm_handlers)
        server.start()
        stack.callback(server.stop)
        host, bound = moto.get_host_and_port()
        info = ServiceInfo(
            pid=os.getpid(),
            state_dir=str(state_dir),
            url=server.url,
            endpoint=f"http://{host}:{bound}",
            token=token,
            started_at=datetime.now(UTC).isoformat(),
            config=str(config_path),
            access_key_id=fabric.identities.fabric.access_key if fabric.identities.fabric else "",
            secret_access_key=fabric.identities.fabric.secret_key if fabric.identities.fabric else "",
        )
        control.info = info
        schedules = LocalSchedules(fabric.invoke, datetime.now(UTC), report)
        stack.callback(schedules.wait, 5.0)
        _write_info(state_dir, info)
        if on_ready is not None:
            on_ready(info)
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
        while not stop.wait(0.2):
            control.upkeep()
            schedules.fire_due()


def _write_info(state_dir: Path, info: ServiceInfo) -> None:
    temporary = state_dir / f"{SERVICE_FILE}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(json.dumps(asdict(info)))
    temporary.replace(state_dir / SERVICE_FILE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bulkhead.local.service")
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--moto-port", type=int, default=0)
    parser.add_argument("--config", type=Path, default=None)
    parser.add_argument("--secrets", type=Path, default=None)
    # A person approves and reviews notices here (CLI or link): minutes per stage, as `bulkhead serve` gives.
    parser.add_argument("--approval-timeout", type=int, default=600)
    args = parser.parse_args(argv)
    from infra.fabric import LOCAL_TUNABLES  # noqa: PLC0415

    tunables = dict(LOCAL_TUNABLES)
    if args.approval_timeout:
        tunables["ApprovalTimeoutSeconds"] = args.approval_timeout
        tunables["NoticeReviewTimeoutSeconds"] = args.approval_timeout  # a person reads the notice too

    def report(line: str) -> None:
        sys.stdout.write(f"{time.strftime('%H:%M:%S')} {line}\n")
        sys.stdout.flush()

    try:
        run(
            args.state_dir,
            args.port,
            args.moto_port,
            args.config,
            args.secrets,
            tunables,
            report=report,
            on_ready=lambda info: report(info.line()),
        )
    except AlreadyRunning as exc:
        sys.stderr.write(f"already running: {exc}\n")
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
