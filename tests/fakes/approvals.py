"""The approval store double: pending approvals kept in a dict, as the DynamoDB store keeps them per incident."""

from functions.approval.models import PendingApproval


class MemoryApprovalStore:
    def __init__(self) -> None:
        self.items: dict[str, PendingApproval] = {}

    def put(self, pending: PendingApproval) -> None:
        self.items[pending.incident_id] = pending

    def get(self, incident_id: str) -> PendingApproval | None:
        return self.items.get(incident_id)

    def remove(self, incident_id: str) -> None:
        self.items.pop(incident_id, None)
