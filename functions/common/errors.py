"""Errors with names the state machine routes on.

Retryable errors are listed in the ASL Retry blocks by class name; terminal ones in a Catch.
Lambda reports `errorType` as the class name, and so does the local runtime.
"""


class BulkheadError(Exception):
    """Base class: every error Bulkhead raises on purpose."""


class ConfigurationError(BulkheadError):
    """Settings or the firm configuration are missing or invalid. Terminal."""


class TransientPlatformError(BulkheadError):
    """A platform or provider call failed in a way worth retrying (5xx, timeout)."""


class PlatformThrottled(TransientPlatformError):
    """The platform asked us to slow down (429, THROTTLED); Retry backs off."""

    def __init__(self, message: str, retry_after_seconds: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class PermanentActionFailure(BulkheadError):
    """A containment, degradation or notification call failed for good. Terminal for the step."""


class LedgerWriteConflict(TransientPlatformError):
    """Another writer appended at the same sequence number; re-read the head and retry."""


class InvalidStepInput(BulkheadError):
    """A state machine step received a payload that does not match its contract. Terminal."""
