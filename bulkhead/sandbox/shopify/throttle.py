"""Shopify's cost-based leaky bucket, per app and store."""

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


class LeakyBucket:
    """`maximum` points that refill at `restore_rate` per second; a query needs its cost up front."""

    def __init__(self, maximum: float = 1000.0, restore_rate: float = 50.0) -> None:
        self.maximum = maximum
        self.restore_rate = restore_rate
        self._available = maximum
        self._at = time.monotonic()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        self._available = min(self.maximum, self._available + (now - self._at) * self.restore_rate)
        self._at = now

    def take(self, cost: float) -> tuple[bool, ThrottleStatus]:
        with self._lock:
            self._refill()
            allowed = cost <= self._available
            if allowed:
                self._available -= cost
            return allowed, ThrottleStatus(self.maximum, self._available, self.restore_rate)

    def drain(self, to: float = 0.0) -> None:
        """Empty the bucket (tests and drills use it to provoke THROTTLED)."""
        with self._lock:
            self._refill()
            self._available = to
