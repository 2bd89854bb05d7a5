"""Powertools singletons, created once per process.

Service name, log level and sampling come from the POWERTOOLS_* environment the function
factory sets; nothing here reads configuration or calls AWS.

The tracer is created on the first invocation rather than at import: Powertools' Tracer loads
the X-Ray SDK (0.1-0.2 s on this class of machine) even when tracing is disabled, and a handler
module should import in about the time boto3 does. The first invocation patches boto3 before
any client exists, because clients are created lazily inside the handler.
"""

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
metrics = Metrics(namespace="Bulkhead")

Handler = TypeVar("Handler", bound=Callable[..., Any])


class LazyTracer:
    """The Powertools Tracer, made when the first traced handler runs."""

    def __init__(self) -> None:
        self._tracer: Tracer | None = None
        self._lock = threading.Lock()

    @property
    def tracer(self) -> Tracer:
        with self._lock:
            if self._tracer is None:
                self._tracer = Tracer()
            return self._tracer

    def load(self) -> None:
        """Make the Tracer now rather than on the first invocation (the local service, before it
        answers anything: the X-Ray SDK creates its own AWS clients, seconds on a busy machine)."""
        _ = self.tracer

    def capture_lambda_handler(self, handler: Handler) -> Handler:
        traced: Callable[..., Any] | None = None

        @functools.wraps(handler)
        def wrapper(event: Any, context: Any) -> Any:
            nonlocal traced
            if traced is None:
                traced = self.tracer.capture_lambda_handler(handler)
            return traced(event, context)

        return wrapper  # type: ignore[return-value]


tracer = LazyTracer()
