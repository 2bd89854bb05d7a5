"""Degradation errors, named so the state machine's Retry (and the gates) can tell them apart."""

from functions.common.errors import TransientPlatformError


class ControlsUnavailable(TransientPlatformError):
    """The controls table could not be read or written (throttled, unreachable, missing). Retryable.

    Gates never raise it to the platform: they answer by their fail-open or fail-closed rule.
    """


class ControlsConflict(TransientPlatformError):
    """Another writer changed the store's controls since they were read; re-read and apply again."""


class GateRejected(Exception):
    """A gate request that is not answered with a mode: an HTTP status and a reason without payload content."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
