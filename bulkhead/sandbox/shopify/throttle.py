"""Shopify's cost-based leaky bucket, per app and store.

Restore rates per plan are the documented ones (Standard 100, Advanced 200, Plus 1,000 points per
second: https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits). The page does not
state the bucket size; Shopify's own answers report `maximumAvailable` as 20 seconds of restore
(20,000 points on Plus, with `restoreRate` 1,000), which the sandbox uses. Clients must read
`extensions.cost.throttleStatus` rather than assume either figure.
"""

import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class ThrottleStatus:
    maximum_available: float
    currently_available: float
    restore_rate: float

    def as_graphql(self) -> dict[str, float]:
        return {
            "maximumAvailable": self.maximum_available,
            "currentlyAvailable": round(self.currently_available, 1),
            "restoreRate": self.restore_rate,
        }


# plan -> (maximumAvailable, restoreRate)
PLANS: dict[str, tuple[float, float]] = {
    "standard": (2_000.0, 100.0),
    "advanced": (4_000.0, 200.0),
    "plus": (20_000.0, 1_000.0),
}


class LeakyBucket:
    """`maximum` points that refill at `restore_rate` per second; a query needs its cost up front."""

    @classmethod
    def for_plan(cls, plan: str) -> "LeakyBucket":
        maximum, restore_rate = PLANS[plan]
        return cls(maximum, restore_rate)

    def __init__(self, maximum: float = PLANS["plus"][0], restore_rate: float = PLANS["plus"][1]) -> None:
        self.maximum = maximum
        self.restore_rate = restore_rate
        self._available = maximum
        self._at = time.monotonic()
        self._lock = threading.Lock()
        self._drain_on_next: float | None = None

    def _refill(self) -> None:
        now = time.monotonic()
        self._available = min(self.maximum, self._available + (now - self._at) * self.restore_rate)
        self._at = now

    def take(self, cost: float) -> tuple[bool, ThrottleStatus]:
        with self._lock:
            self._refill()
            if self._drain_on_next is not None:
                self._available, self._drain_on_next = self._drain_on_next, None
            allowed = cost <= self._available
            if allowed:
                self._available -= cost
            return allowed, ThrottleStatus(self.maximum, self._available, self.restore_rate)

    def drain(self, to: float = 0.0, *, on_next_request: bool = False) -> None:
        """Empty the bucket (tests and drills use it to provoke THROTTLED).

        With `on_next_request` the bucket is emptied when the next query arrives, so the refill
        between this call and that query (however slow the machine) cannot hide the throttle.
        """
        with self._lock:
            self._refill()
            if on_next_request:
                self._drain_on_next = to
            else:
                self._available = to
