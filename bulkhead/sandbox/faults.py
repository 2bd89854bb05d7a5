"""Latency and error injection for the sandbox stores: fixed latency, seeded transient failures.

Faults decide before an operation runs (`error`, `throttle`: nothing changed) or after it ran
(`lost_response`: the change happened but the caller sees a gateway error), which is the case that
proves a client's retries are idempotent. `silently_dropped` names mutations answered as done that
change nothing: the case that proves a read-back catches a write the platform lost.
"""

import random
import threading
from dataclasses import dataclass
from enum import StrEnum


class Fault(StrEnum):
    NONE = "none"
    ERROR = "error"  # 503 before the operation runs
    THROTTLE = "throttle"  # 429 (Magento) or THROTTLED (Shopify) before the operation runs
    LOST_RESPONSE = "lost_response"  # the operation runs, then 504


@dataclass(frozen=True)
class Faults:
    latency_seconds: float = 0.0
    error_rate: float = 0.0
    throttle_rate: float = 0.0
    lost_response_rate: float = 0.0
    retry_after_seconds: float = 1.0
    seed: int | None = None
    # Shopify mutations the store answers as done but does not carry out: a platform that silently
    # loses a write, which only a read-back finds (the restore's check, docs/containment.md).
    silently_dropped: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        rates = (self.error_rate, self.throttle_rate, self.lost_response_rate)
        if any(r < 0 for r in rates) or sum(rates) > 1:
            raise ValueError("fault rates must be >= 0 and add up to at most 1")
        if self.latency_seconds < 0 or self.retry_after_seconds < 0:
            raise ValueError("latency_seconds and retry_after_seconds must be >= 0")


class FaultInjector:
    """Draws one fault per request from a seeded generator (thread-safe, reproducible per seed)."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._random = random.Random(faults.seed)  # noqa: S311 - fault injection, not cryptography
        self._lock = threading.Lock()

    def draw(self) -> Fault:
        f = self.faults
        with self._lock:
            roll = self._random.random()
        if roll < f.error_rate:
            return Fault.ERROR
        if roll < f.error_rate + f.throttle_rate:
            return Fault.THROTTLE
        if roll < f.error_rate + f.throttle_rate + f.lost_response_rate:
            return Fault.LOST_RESPONSE
        return Fault.NONE
