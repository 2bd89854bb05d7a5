"""What approvals need: somewhere to keep the task token, a way to resume, a link signer."""

from collections.abc import Mapping
from typing import Protocol

from functions.approval.models import DecisionClaim, PendingApproval, PendingNoticeReview


class ApprovalStore(Protocol):
    def put(self, pending: PendingApproval) -> None: ...

    def get(self, incident_id: str) -> PendingApproval | None: ...

    def remove(self, incident_id: str) -> None: ...

    def claim(self, pending: PendingApproval, claim: DecisionClaim) -> DecisionClaim | None:
        """Claim the approval as it was read, atomically: `claim` when it is ours; the earlier claim
        when someone else holds it; None when the approval is gone or changed since it was read."""
        ...

    def release(self, pending: PendingApproval, claim: DecisionClaim) -> None:
        """Give up our claim (the decision could not be delivered): the approval waits again."""
        ...


class Execution(Protocol):
    def resume(self, task_token: str, output: Mapping[str, object]) -> None: ...

    def reject(self, task_token: str, error: str, cause: str) -> None: ...


class NoticeReviewStore(Protocol):
    def put(self, pending: PendingNoticeReview) -> None: ...

    def get(self, incident_id: str) -> PendingNoticeReview | None: ...

    def remove(self, incident_id: str) -> None: ...

    def claim(self, pending: PendingNoticeReview, claim: DecisionClaim) -> DecisionClaim | None:
        """Claim the review as it was read, atomically: `claim` when it is ours; the earlier claim when
        someone else holds it; None when the review is gone or changed since it was read."""
        ...

    def release(self, pending: PendingNoticeReview, claim: DecisionClaim) -> None:
        """Give up our claim (the decision could not be delivered): the review waits again."""
        ...
