"""Helpers for the restore read-back (`ActionExecutor.restore_check`): comparable summaries, no personal data.

A summary names what an auditor can compare without the objects themselves: counts, Bulkhead's own
token titles, webhook topics, flags, version ids, and the SHA-256 of the identifying fields of the
objects involved (customer ids, addresses, callback URLs stay in the sealed pre-state).
"""

import hashlib
import json
from typing import Any

from functions.containment.models import RestoreCheck


def digest(items: Any) -> str:
    """SHA-256 of the canonical JSON of `items` (sorted keys; callers sort lists that have no order)."""
    return hashlib.sha256(json.dumps(items, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def compared(before: dict[str, Any], after: dict[str, Any], reason_if_not: str, note: str = "") -> RestoreCheck:
    """Restored where the read-back summary equals the pre-state's."""
    verified = before == after
    return RestoreCheck(before=before, after=after, verified=verified, reason=note if verified else reason_if_not)


def not_reversible(before: dict[str, Any], after: dict[str, Any], why: str) -> RestoreCheck:
    """An action whose inverse does not exist: never counted as restored, and the record says why."""
    return RestoreCheck(before=before, after=after, verified=False, reason=why)
