"""DynamoDB's conditional writes are atomic; moto's are not across threads.

The local runtime runs Map and Parallel branches on threads, so two handlers can both pass a
condition (say, "seq 7 is free") before either writes. While installed, this serialises moto's
write operations the way DynamoDB serialises writes to one item, so the ledger's conditional
appends and the exactly-once guards behave locally as they do in AWS.
"""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from moto.dynamodb.models import DynamoDBBackend

_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")


@contextmanager
def atomic_conditional_writes() -> Iterator[None]:
    lock = threading.RLock()
    originals = {name: getattr(DynamoDBBackend, name) for name in _WRITES}

    def serialised(real: Callable[..., Any]) -> Callable[..., Any]:
        def write(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
            with lock:
                return real(self, *args, **kwargs)

        return write

    for name, real in originals.items():
        setattr(DynamoDBBackend, name, serialised(real))
    try:
        yield
    finally:
        for name, real in originals.items():
            setattr(DynamoDBBackend, name, real)
