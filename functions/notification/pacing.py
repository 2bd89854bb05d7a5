"""Pacing to a provider's send rate: a token bucket. Back-off after throttling is the one retry
policy's (functions/common/retry.py); the bucket only sleeps it, on its own clock.

Pure: the clock and the sleep are passed in, so tests and the benchmark run it on simulated time
or real time alike.
"""

import threading
from collections.abc import Callable


class TokenBucket:
    """`rate` units per second, bursts up to `burst` units; `wait_for(n)` blocks until n fit.

    Starts empty, so a worker that starts with others never bursts past the shared quota.
    """

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        burst: float | None = None,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(burst if burst is not None else rate, 1.0)
        self._clock, self._sleep = clock, sleep
        self._tokens = 0.0
        self._stamp = clock()
        self._lock = threading.Lock()

    def wait_for(self, units: int) -> None:
        if units <= 0:
            return
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= units  # may go negative: the debt is slept off below, in order
            debt = -self._tokens
        if debt > 0:
            self._sleep(debt / self.rate)

    def pause(self, seconds: float) -> None:
        """Sleep a back-off the retry policy chose (on the clock this bucket was given)."""
        self._sleep(seconds)
