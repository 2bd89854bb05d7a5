"""Responses that a crash or Ctrl-C cut off: recorded, shown, then resumed or abandoned.

Locally a response runs on threads of the process that holds the fabric; when that process dies
the execution dies with it. With a state directory, the start of every Response execution and its
end are journaled. On the next start each response that was still running is recorded in its
incident's ledger as `response.interrupted` and kept in the list `bulkhead incident resume` and
`bulkhead incident abandon` act on: resume starts the response again from its declaration;
abandon runs the Restore state machine (containment undone from the stored pre-states) and clears
the degradation modes the incident set.
"""

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from bulkhead.local.journal import Journal
from functions.common import clients

if TYPE_CHECKING:
    from bulkhead.local.runtime import LocalFabric
    from functions.ledger.models import EntryType

ACTOR = "bulkhead-local"


class UnknownWork(LookupError):
    """No interrupted response for that incident."""


class WorkTracker:
    def __init__(self, journal: Journal, local: "LocalFabric", kept: dict[str, Any]) -> None:
        self.journal = journal
        self._local = local
        self._lock = threading.Lock()
        snapshot = kept.get("snapshot") or {}
        self.running: dict[str, dict[str, Any]] = dict(snapshot.get("running") or {})
        self.interrupted: dict[str, dict[str, Any]] = dict(snapshot.get("interrupted") or {})
        for entry in kept.get("journal") or []:
            if entry["kind"] == "work.started":
                self.running[entry["arn"]] = entry["record"]
            elif entry["kind"] == "work.ended":
                self.running.pop(entry["arn"], None)
            elif entry["kind"] == "work.settled":
                self.interrupted.pop(entry["incident_id"], None)

    def export(self) -> dict[str, Any]:
        with self._lock:
            return {"running": dict(self.running), "interrupted": dict(self.interrupted)}

    def started(self, arn: str, record: dict[str, Any]) -> None:
        with self._lock:
            self.journal.record({"kind": "work.started", "arn": arn, "record": record})
            self.running[arn] = record

    def track(self) -> None:
        """Journal the end of every tracked response that has ended."""
        sfn = clients.client("stepfunctions")
        for arn in list(self.running):
            try:
                status = sfn.describe_execution(executionArn=arn)["status"]
            except sfn.exceptions.ExecutionDoesNotExist:
                continue  # started by a process that is gone: `mark_interrupted` records it
            if status == "RUNNING":
                continue
            with self._lock:
                self.journal.record({"kind": "work.ended", "arn": arn, "status": status})
                self.running.pop(arn, None)

    def mark_interrupted(self) -> list[str]:
        """Every response still running when the last process stopped: record it as interrupted."""
        from functions.ledger.models import EntryType  # noqa: PLC0415

        marked = []
        for arn, record in list(self.running.items()):
            declared = json.loads(record["input"])
            incident_id = declared.get("incident", {}).get("incident_id")
            with self._lock:
                self.running.pop(arn, None)
                if incident_id:
                    self.interrupted[incident_id] = record | {"execution": arn, "interrupted_at": _now()}
            if incident_id:
                _record(
                    incident_id,
                    EntryType.RESPONSE_INTERRUPTED,
                    ACTOR,
                    {"execution": arn.rsplit(":", 1)[-1], "started_at": record.get("started_at")},
                )
                marked.append(incident_id)
        return marked

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {"incident_id": i, "interrupted_at": r.get("interrupted_at"), "started_at": r.get("started_at")}
                for i, r in sorted(self.interrupted.items())
            ]

    def _take(self, incident_id: str) -> dict[str, Any]:
        with self._lock:
            record = self.interrupted.get(incident_id)
            if record is None:
                raise UnknownWork(f"no interrupted response for {incident_id}")
            return record

    def _settled(self, incident_id: str) -> None:
        with self._lock:
            self.journal.record({"kind": "work.settled", "incident_id": incident_id})
            self.interrupted.pop(incident_id, None)

    def resume(self, incident_id: str, operator: str) -> str:
        """Start the response again from its declaration; its steps are idempotent."""
        from functions.ledger.models import EntryType  # noqa: PLC0415

        record = self._take(incident_id)
        arn = self._local.start_response(json.loads(record["input"]), name=f"resume-{uuid.uuid4()}")
        self._settled(incident_id)
        _record(incident_id, EntryType.RESPONSE_RESUMED, operator, {"execution": arn.rsplit(":", 1)[-1]})
        return arn

    def abandon(self, incident_id: str, operator: str, timeout_seconds: float = 120.0) -> dict[str, Any]:
        """Undo what the response changed: containment through the Restore machine, then its modes."""
        from functions.ledger.models import EntryType  # noqa: PLC0415

        record = self._take(incident_id)
        declared = json.loads(record["input"])
        sfn = clients.client("stepfunctions")
        arn = sfn.start_execution(
            stateMachineArn=self._local.state_machines["Restore"],
            input=json.dumps(
                {"incident_id": incident_id, "mode": declared.get("mode", "live"), "restored_by": operator}
            ),
            name=f"abandon-{uuid.uuid4()}",
        )["executionArn"]
        deadline = time.monotonic() + timeout_seconds
        execution = sfn.describe_execution(executionArn=arn)
        while execution["status"] == "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.05)
            execution = sfn.describe_execution(executionArn=arn)
        restored = json.loads(execution.get("output") or "{}")
        cleared = _clear_modes(incident_id, declared["incident"]["store_id"], operator)
        outcome = {
            "restore": str(execution["status"]),
            "reverted": restored.get("reverted", 0),
            "failed": restored.get("failed", 0),
            "modes_cleared": cleared,
        }
        self._settled(incident_id)
        _record(incident_id, EntryType.RESPONSE_ABANDONED, operator, outcome)
        return outcome


def _record(incident_id: str, entry_type: "EntryType", actor: str, data: dict[str, Any]) -> None:
    """One entry on the incident's chain, at the moment it is written."""
    from functions.ledger.models import EntryDraft  # noqa: PLC0415
    from functions.ledger.wiring import ledger  # noqa: PLC0415

    ledger().append(incident_id, EntryDraft(type=entry_type, actor=actor, at=datetime.now(UTC), data=data))


def _clear_modes(incident_id: str, store_id: str, operator: str) -> list[str]:
    """Clear each degradation rule the incident set (other incidents' rules stay)."""
    from functions.common.wiring import firm_config  # noqa: PLC0415
    from functions.degradation.domain import clear_modes  # noqa: PLC0415
    from functions.degradation.models import ModeClear  # noqa: PLC0415
    from functions.degradation.wiring import controls_store, projector  # noqa: PLC0415
    from functions.ledger.wiring import ledger  # noqa: PLC0415

    store = controls_store()
    cleared: list[str] = []
    for rule in store.current(store_id).rules:
        if rule.incident_id != incident_id:
            continue
        clear = ModeClear(
            store_id=store_id,
            segment=rule.segment,
            incident_id=incident_id,
            actor=operator,
            reason="response abandoned after an interruption",
        )
        clear_modes(clear, store, ledger(), projector(firm_config(), store_id), datetime.now(UTC))
        cleared.extend(f"{m.value}@{rule.segment or 'store'}" for m in rule.modes)
    return cleared


@contextmanager
def track_executions(work: WorkTracker, response_machine: str) -> Iterator[None]:
    """Journal the start of every Response execution, whoever starts it (a route, a drill, a client)."""
    # With `execute_state_machine`, moto runs executions in its parser backend.
    real = StepFunctionsParserBackend.start_execution

    def start_execution(self: StepFunctionsParserBackend, state_machine_arn: str, *args: Any, **kwargs: Any) -> Any:
        execution = real(self, state_machine_arn, *args, **kwargs)
        if state_machine_arn == response_machine:
            record = {"input": kwargs.get("execution_input", args[1] if len(args) > 1 else "{}"), "started_at": _now()}
            work.started(execution.exec_arn, record)
        return execution

    StepFunctionsParserBackend.start_execution = start_execution  # type: ignore[method-assign]
    try:
        yield
    finally:
        StepFunctionsParserBackend.start_execution = real  # type: ignore[method-assign]


def _now() -> str:
    return datetime.now(UTC).isoformat()
