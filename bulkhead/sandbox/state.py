"""One in-memory state object per sandbox store, shared by all of its operations and routes.

State is a set of named collections (`customers`, `storefront_tokens`, `webhooks`, `apps`,
`metafields`, `admin_users`, ...), each a dict of records keyed by id. Operations take the lock
for a read-modify-write; tests read `snapshot()` before and after.
"""

import copy
import threading
from dataclasses import dataclass, field
from typing import Any

Record = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One request the sandbox answered: which operation, the HTTP status, the fault drawn."""

    operation: str
    status: int
    fault: str
    mutated: bool


@dataclass
class StoreState:
    store_id: str
    platform: str
    collections: dict[str, dict[str, Record]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _next: int = 900_001  # the next id this store hands out

    def table(self, name: str) -> dict[str, Record]:
        """The named collection, created empty on first use."""
        with self.lock:
            return self.collections.setdefault(name, {})

    def next_id(self) -> int:
        with self.lock:
            given, self._next = self._next, self._next + 1
            return given

    def snapshot(self) -> dict[str, dict[str, Record]]:
        """A deep copy of every collection: compare one taken before with one taken after."""
        with self.lock:
            return copy.deepcopy(self.collections)

    def export(self) -> dict[str, Any]:
        """Everything a later process needs to carry on as this store (the local state directory)."""
        with self.lock:
            # Reading the next id hands none out: an export of an unchanged store is the same export.
            return {"collections": copy.deepcopy(self.collections), "next_id": self._next}

    def restore(self, exported: dict[str, Any]) -> None:
        """Become the store `export` described: its records, and ids that do not collide with them."""
        with self.lock:
            self.collections = copy.deepcopy(exported["collections"])
            self._next = int(exported["next_id"])

    def record_call(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)

    def calls_to(self, operation: str, *, mutated_only: bool = False) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.operation == operation and (c.mutated or not mutated_only)]
