"""The local service's control API: what the CLI needs from the fabric that AWS has no API for.

Everything under `/local/` on the front door, JSON in and out, bearer token from service.json
(except `/local/service`, which says only what runs where). Requests that change state are
answered after their writes are journaled, like every AWS API call to the service.
"""

import hmac
import io
import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import Field, ValidationError

from bulkhead.local import containment_state
from bulkhead.local.work import UnknownWork, WorkTracker
from functions.common.models import INCIDENT_ID, Message

if TYPE_CHECKING:
    from bulkhead.local.runtime import LocalFabric
    from bulkhead.local.service import ServiceInfo

_M = TypeVar("_M", bound=Message)
COMPACT_ABOVE_BYTES = 32 * 1024 * 1024  # journal size that triggers a new snapshot


class DrillRequest(Message):
    scenario: str | None = Field(default=None, description="a scenario name, `all`, or None for the thin path")
    reports: str = Field(default="reports/drills", min_length=1)
    width: int = Field(default=100, ge=40, le=1000)  # the client's terminal, for the printed tables
    color: bool = False


class WorkDecision(Message):
    incident_id: str = Field(pattern=INCIDENT_ID)
    operator: str = Field(min_length=1, max_length=200)


class ControlError(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Control:
    def __init__(self, local: "LocalFabric", state_dir: Path, token: str, stop: threading.Event) -> None:
        self.local = local
        self.state_dir = state_dir
        self.token = token
        self.stop = stop
        self.info: ServiceInfo | None = None
        self._saved_sandboxes = ""
        self._scenario_lock = threading.Lock()  # a scenario drill settles the whole fabric: one at a time

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        if method == "GET" and path == "/local/service":
            return 200, self._service()
        if not hmac.compare_digest(headers.get("authorization", ""), f"Bearer {self.token}"):
            return 401, {"error": "the control API needs the token in service.json"}
        route = {
            ("POST", "/local/drill"): self._drill,
            ("GET", "/local/sandboxes"): self._sandboxes,
            ("GET", "/local/work"): self._work,
            ("POST", "/local/work/resume"): self._resume,
            ("POST", "/local/work/abandon"): self._abandon,
            ("POST", "/local/compact"): self._compact,
            ("POST", "/local/stop"): self._stop,
        }.get((method, path))
        if route is None:
            return 404, {"error": f"no route {method} {path}"}
        try:
            return 200, route(_json(body) if method == "POST" else {})
        except ControlError as refused:
            return refused.status, {"error": refused.reason}

    def upkeep(self) -> None:
        """Five times a second: keep the sandbox stores on disk; compact a long journal."""
        self.save_sandboxes()
        work = self.local.work
        if work is not None and work.journal.size() > COMPACT_ABOVE_BYTES:
            from bulkhead.local.runtime import compact  # noqa: PLC0415

            compact(self.state_dir, self.local)

    def save_sandboxes(self) -> None:
        exported = json.dumps({k: s.state.export() for k, s in self.local.sandboxes.items()}, sort_keys=True)
        if exported != self._saved_sandboxes:
            containment_state.save_sandboxes(self.local.sandboxes, self.state_dir)
            self._saved_sandboxes = exported

    # --- routes ---------------------------------------------------------------------------

    def _service(self) -> dict[str, Any]:
        work = self.local.work
        public = {k: v for k, v in asdict(self.info).items() if k != "token"} if self.info else {}
        return public | {
            "running": len(work.running) if work else 0,
            "interrupted": work.listing() if work else [],
            "settings": self.local.settings,
            "tables": self.local.tables,
            "buckets": self.local.buckets,
            "state_machines": self.local.state_machines,
        }

    def _drill(self, request: dict[str, Any]) -> dict[str, Any]:
        from rich.console import Console  # noqa: PLC0415

        from bulkhead.cli.drill import run_local  # noqa: PLC0415

        asked = _parse(DrillRequest, request)
        scenario, reports = asked.scenario, Path(asked.reports)
        out = io.StringIO()
        console = Console(file=out, width=asked.width, force_terminal=asked.color, soft_wrap=False)
        if scenario is None:
            code = run_local(self.local, None, console, reports)
        else:
            with self._scenario_lock:
                code = run_local(self.local, scenario, console, reports)
        self.save_sandboxes()
        return {"exit_code": code, "output": out.getvalue()}

    def _sandboxes(self, _request: dict[str, Any]) -> dict[str, Any]:
        self.save_sandboxes()
        return {"sandboxes": {k: s.snapshot() for k, s in self.local.sandboxes.items()}}

    def _work(self, _request: dict[str, Any]) -> dict[str, Any]:
        work = self.local.work
        return {"interrupted": work.listing() if work else []}

    def _resume(self, request: dict[str, Any]) -> dict[str, Any]:
        incident, operator = _incident_and_operator(request)
        with _known_work():
            arn = self._tracker().resume(incident, operator)
        return {"incident_id": incident, "execution": arn}

    def _abandon(self, request: dict[str, Any]) -> dict[str, Any]:
        incident, operator = _incident_and_operator(request)
        with _known_work():
            outcome = self._tracker().abandon(incident, operator)
        self.save_sandboxes()
        return {"incident_id": incident} | outcome

    def _compact(self, _request: dict[str, Any]) -> dict[str, Any]:
        from bulkhead.local.runtime import compact  # noqa: PLC0415

        compact(self.state_dir, self.local)
        self._saved_sandboxes = ""
        return {"compacted": True}

    def _stop(self, _request: dict[str, Any]) -> dict[str, Any]:
        self.stop.set()
        return {"stopping": True}

    def _tracker(self) -> "WorkTracker":
        if self.local.work is None:
            raise ControlError(409, "this fabric keeps no state directory")
        return self.local.work


def _json(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        value = json.loads(body)
    except ValueError as exc:
        raise ControlError(400, "body is not JSON") from exc
    if not isinstance(value, dict):
        raise ControlError(400, "body must be a JSON object")
    return value


def _parse(model: type[_M], request: dict[str, Any]) -> _M:
    """The request as its model; a refusal names each bad field."""
    try:
        return model.model_validate(request)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors())
        raise ControlError(400, problems) from exc


@contextmanager
def _known_work() -> Iterator[None]:
    """Resuming or abandoning a response that is not interrupted: 404, naming the incident."""
    try:
        yield
    except UnknownWork as exc:
        raise ControlError(404, str(exc)) from exc


def _incident_and_operator(request: dict[str, Any]) -> tuple[str, str]:
    """The incident and who decides, as the ledger records them: a person of the roster, checked here
    too (the CLI is not the only client of the service); anyone else is a 400 naming the field."""
    from functions.common.people import UnknownPerson, roster_person  # noqa: PLC0415
    from functions.common.wiring import firm_config  # noqa: PLC0415

    decision = _parse(WorkDecision, request)
    try:
        who = roster_person(firm_config(), decision.operator)
    except UnknownPerson as exc:
        raise ControlError(400, f"operator: {exc}") from exc
    return decision.incident_id, who.actor
