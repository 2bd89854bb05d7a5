"""Why a delivery was refused: an HTTP status and a reason that holds no payload content."""

from functions.common.errors import BulkheadError


class Rejected(BulkheadError):
    """The sender's fault: answered with a 4xx, nothing emitted, nothing retried by us."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
