"""A short, bounded, per-process cache of store controls for the gates.

Fresh for `fresh_seconds` (the longest a gate may lag a mode change), then re-read. When the
table cannot be read, a copy younger than `stale_seconds` is served as `stale`; older than that the
reading is `unreachable` and the gate applies its fail-open or fail-closed rule. At most
`max_stores` stores are kept (least recently read dropped first).
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from functions.degradation.errors import ControlsUnavailable
from functions.degradation.models import ControlsReading, StoreControls

DEFAULT_FRESH_SECONDS = 5.0
DEFAULT_STALE_SECONDS = 900.0


class CachedControls:
    def __init__(
        self,
        fresh_seconds: float = DEFAULT_FRESH_SECONDS,
        stale_seconds: float = DEFAULT_STALE_SECONDS,
        max_stores: int = 256,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fresh_seconds = fresh_seconds
        self._stale_seconds = stale_seconds
        self._max = max_stores
        self._clock = clock
        self._lock = threading.Lock()
        self._items: OrderedDict[str, tuple[float, StoreControls]] = OrderedDict()

    def read(self, store_id: str, load: Callable[[str], StoreControls]) -> ControlsReading:
        now = self._clock()
        with self._lock:
            hit = self._items.get(store_id)
        if hit and now - hit[0] < self.fresh_seconds:
            return ControlsReading(controls=hit[1], basis="cached")
        try:
            controls = load(store_id)
        except ControlsUnavailable:
            if hit and now - hit[0] < self._stale_seconds:
                return ControlsReading(controls=hit[1], basis="stale")
            return ControlsReading(controls=None, basis="unreachable")
        with self._lock:
            self._items[store_id] = (now, controls)
            self._items.move_to_end(store_id)
            while len(self._items) > self._max:
                self._items.popitem(last=False)
        return ControlsReading(controls=controls, basis="fresh")

    def forget(self) -> None:
        with self._lock:
            self._items.clear()
