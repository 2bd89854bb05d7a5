"""A command's side of the local service: find it through the state directory, start it if needed.

`connect(state_dir)` returns the running service of that directory, starting one in the background
and waiting until it is ready when there is none. `service.connected()` points this process's AWS
clients at the service's endpoint for the block, with the fabric's settings (table names, bucket
names, ...): the same code then runs as against `--target aws`, only the endpoint differs.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bulkhead.local.environment import function_settings
from bulkhead.local.service import LOG_FILE, ServiceInfo, is_held

START_TIMEOUT_SECONDS = 180.0
REGION = "eu-west-1"
# Services this process started, so tests (and the bench) can stop what they started.
STARTED: dict[Path, "subprocess.Popen[bytes]"] = {}


class ServiceUnavailable(RuntimeError):
    """The service did not start, or stopped answering."""


class Service:
    def __init__(self, info: ServiceInfo) -> None:
        self.info = info
        self._described: dict[str, Any] | None = None

    def control(self, method: str, path: str, body: dict[str, Any] | None = None, timeout: float = 600) -> Any:
        """Call the control API; a refusal raises ControlRefused with the service's reason."""
        import httpx  # noqa: PLC0415 - only commands that reach the service pay for it

        try:
            answer = httpx.request(
                method,
                f"{self.info.url}{path}",
                json=body,
                headers={"authorization": f"Bearer {self.info.token}"},
                timeout=timeout,
            )
        except httpx.HTTPError as exc:
            raise ServiceUnavailable(f"the local fabric at {self.info.url} did not answer: {exc}") from exc
        if answer.status_code >= 400:
            reason = answer.json().get("error", answer.reason_phrase) if answer.content else answer.reason_phrase
            raise ControlRefused(answer.status_code, str(reason))
        return answer.json() if answer.content else {}

    def describe(self) -> dict[str, Any]:
        if self._described is None:
            self._described = dict(self.control("GET", "/local/service"))
        return self._described

    @property
    def settings(self) -> dict[str, str]:
        return dict(self.describe()["settings"])

    def client_environment(self) -> dict[str, str]:
        """What a process needs to call the fabric as a Lambda function of it would, over HTTP."""
        # IAM is enforced at the endpoint: sign as the fabric's identity (a user key: no session token).
        key = (self.info.access_key_id, self.info.secret_access_key, "") if self.info.access_key_id else ("local",) * 3
        return {
            "AWS_ENDPOINT_URL": self.info.endpoint,
            "AWS_ACCESS_KEY_ID": key[0],
            "AWS_SECRET_ACCESS_KEY": key[1],
            "AWS_SESSION_TOKEN": key[2],
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "POWERTOOLS_SERVICE_NAME": "bulkhead-cli",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
            # A command waits for the service on a busy machine rather than failing after Lambda's 5 s.
            "BULKHEAD_AWS_READ_TIMEOUT": "120",
            **self.settings,
        }

    @contextmanager
    def connected(self) -> Iterator["Service"]:
        """This process's AWS clients talk to the service for the block (restored after: tests run
        many commands in one process)."""
        import boto3  # noqa: PLC0415 - only commands that reach the fabric pay for it

        from bulkhead.local.service_models import share_service_models  # noqa: PLC0415

        share_service_models()

        with function_settings(self.client_environment()):
            # boto3's default session keeps the first credentials it read: each service has its own key.
            session, boto3.DEFAULT_SESSION = boto3.DEFAULT_SESSION, None
            try:
                yield self
            finally:
                boto3.DEFAULT_SESSION = session


class ControlRefused(RuntimeError):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status, self.reason = status, reason


def running(state_dir: Path) -> Service | None:
    """The directory's live service, or None (a stale service.json is ignored)."""
    state_dir = state_dir.resolve()
    info = ServiceInfo.read(state_dir)
    if info is None or Path(info.state_dir) != state_dir or not _alive(info.pid) or not is_held(state_dir):
        return None
    service = Service(info)
    try:
        service.describe()
    except (ServiceUnavailable, ControlRefused):
        return None
    return service


def connect(
    state_dir: Path,
    config: Path | None = None,
    secrets: Path | None = None,
    timeout: float = START_TIMEOUT_SECONDS,
) -> Service:
    """The running service of `state_dir`, started in the background if there is none."""
    state_dir = state_dir.resolve()
    found = running(state_dir)
    if found is not None:
        return found
    state_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "bulkhead.local.service", "--state-dir", str(state_dir)]
    if config is not None:
        command += ["--config", str(config.resolve())]
    if secrets is not None:
        command += ["--secrets", str(secrets.resolve())]
    log = (state_dir / LOG_FILE).open("ab")
    process = subprocess.Popen(  # noqa: S603 - our own module, with paths we resolved
        command,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C in the terminal reaches the command, not the service
        env={k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"},  # the service is the endpoint
        cwd=Path(__file__).resolve().parents[2],
    )
    log.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = running(state_dir)
        if found is not None:
            if found.info.pid == process.pid:
                STARTED[state_dir] = process
            return found
        # Exit 3: another service won the lock while we started; any other exit is a failure.
        if process.poll() is not None and not is_held(state_dir) and process.returncode != 3:
            raise ServiceUnavailable(f"the local fabric did not start; see {state_dir / LOG_FILE}")
        time.sleep(0.2)
    raise ServiceUnavailable(f"the local fabric did not become ready in {timeout:.0f} s; see {state_dir / LOG_FILE}")


def stop(state_dir: Path, timeout: float = 60.0) -> ServiceInfo | None:
    """Stop the directory's service (it compacts its state first); the info of what was stopped."""
    state_dir = state_dir.resolve()
    info = ServiceInfo.read(state_dir)
    if info is None or not is_held(state_dir):
        return None
    service = Service(info)
    try:
        service.control("POST", "/local/stop", {}, timeout=10)
    except (ServiceUnavailable, ControlRefused):
        if _alive(info.pid):
            os.kill(info.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and is_held(state_dir):
        time.sleep(0.1)
    if is_held(state_dir) and _alive(info.pid):
        os.kill(info.pid, signal.SIGKILL)
    process = STARTED.pop(state_dir, None)
    if process is not None:
        process.wait(timeout=timeout)  # ours: collect it, so it leaves no zombie
    return info


def stop_started() -> None:
    """Stop every service this process started (tests and benchmarks call it when done)."""
    for state_dir in list(STARTED):
        stop(state_dir)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
