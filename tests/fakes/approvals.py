"""Approval doubles: the store (pending approvals kept in a dict, as the DynamoDB store keeps them per
incident) and the Step Functions callback a waiting response receives."""

import threading
from collections.abc import Mapping

from functions.approval.models import DecisionClaim, PendingApproval


class MemoryApprovalStore:
    def __init__(self) -> None:
        self.items: dict[str, PendingApproval] = {}
        self.claims: dict[str, DecisionClaim] = {}
        self._lock = threading.Lock()  # as DynamoDB serialises two conditional puts to one item

    def put(self, pending: PendingApproval) -> None:
        self.items[pending.incident_id] = pending
        self.claims.pop(pending.incident_id, None)  # a put replaces the whole item, claim included

    def get(self, incident_id: str) -> PendingApproval | None:
        return self.items.get(incident_id)

    def remove(self, incident_id: str) -> None:
        self.items.pop(incident_id, None)
        self.claims.pop(incident_id, None)

    def claim(self, pending: PendingApproval, claim: DecisionClaim) -> DecisionClaim | None:
        with self._lock:
            if self.items.get(pending.incident_id) != pending:
                return None
            return self.claims.setdefault(pending.incident_id, claim)

    def release(self, pending: PendingApproval, claim: DecisionClaim) -> None:
        with self._lock:
            if self.claims.get(pending.incident_id) == claim:
                del self.claims[pending.incident_id]


class RecordingExecution:
    """The Step Functions callback: what the waiting response received, in order."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def resume(self, task_token: str, output: Mapping[str, object]) -> None:
        with self._lock:
            self.calls.append("resumed")

    def reject(self, task_token: str, error: str, cause: str) -> None:
        with self._lock:
            self.calls.append("stopped")
