"""What approvals need: somewhere to keep the task token, a way to resume, a link signer."""

from collections.abc import Mapping
from typing import Protocol

from functions.approval.models import PendingApproval, PendingNoticeReview


class ApprovalStore(Protocol):
    def put(self, pending: PendingApproval) -> None: ...

    def get(self, incident_id: str) -> PendingApproval | None: ...

    def remove(self, incident_id: str) -> None: ...


class Execution(Protocol):
    def resume(self, task_token: str, output: Mapping[str, object]) -> None: ...

    def reject(self, task_token: str, error: str, cause: str) -> None: ...


class NoticeReviewStore(Protocol):
    def put(self, pending: PendingNoticeReview) -> None: ...

    def get(self, incident_id: str) -> PendingNoticeReview | None: ...

    def remove(self, incident_id: str) -> None: ...
