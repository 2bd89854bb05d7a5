"""The one seam between moto and the real handlers.

moto without Docker answers a Lambda invoke by echoing its input. While installed, this seam
replaces that with an in-process call of the function's own Handler string, so the real handlers
run inside the real state machine. Errors come back the way Lambda reports them
(`x-amz-function-error` and `{"errorType", "errorMessage"}`), so Retry and Catch see their names.
Each handler runs as its function's role (bulkhead/local/identities.py), as Lambda runs it.
"""

import importlib
import json
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from moto.awslambda_simple.models import LambdaSimpleBackend

from bulkhead.local.identities import Identities, acting_as
from functions.common import clients, config, observability, wiring
from functions.ledger import wiring as ledger_wiring


@dataclass(frozen=True)
class Invocation:
    function_name: str
    started: float  # time.monotonic()
    seconds: float
    error: str | None


@dataclass(frozen=True)
class LocalContext:
    """The parts of Lambda's context object that handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    function_version: str = "$LATEST"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 300_000


def cold_start() -> None:
    """Each Lambda function reads what it caches for its container on its own cold start; locally
    the functions share one process, so the caches filled by an AWS read once per container (the
    configuration, secrets, the ledger key's public half) are dropped at each function's first
    invocation, and the read is made as that function's role. Caches that expire by themselves
    (the gate's controls) are left as they are."""
    config.forget_config()
    wiring.forget_secrets()
    ledger_wiring._signers.clear()  # one signer per container, by design


def resolve(handler: str) -> Callable[[Any, Any], Any]:
    module_name, _, attribute = handler.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)  # type: ignore[no-any-return]


# The AWS services the handlers call (functions/*/wiring.py): their clients are created once per
# process, and the first creation of each reads botocore's service model from disk.
HANDLER_SERVICES = (
    "dynamodb",
    "events",
    "kms",
    "s3",
    "scheduler",
    "secretsmanager",
    "ses",
    "sns",
    "ssm",
    "stepfunctions",
    "wafv2",
)


def warm(handlers: Iterable[str], services: Iterable[str] = HANDLER_SERVICES) -> None:
    """Import each handler's module, make the tracer and create the process's AWS clients now, as a
    Lambda container's init would, so no request waits for them. Clients sign with the identity of the thread that
    calls (bulkhead/local/identities.py), so creating them ahead signs nothing. The per-function
    cold start (caches re-read as the function's role) is left to the first invocation, as before."""
    for handler in handlers:
        resolve(handler)
    observability.tracer.load()  # before any client, as a first invocation does
    for service in services:
        clients.client(service)


class InvocationLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Invocation] = []

    def add(self, item: Invocation) -> None:
        with self._lock:
            self._items.append(item)

    def items(self) -> list[Invocation]:
        with self._lock:
            return list(self._items)


def invoke_in_process(
    fn: Any, body: Any, response_headers: dict[str, str], log: InvocationLog, identities: Identities | None = None
) -> bytes:
    event = json.loads(body) if body else {}
    context = LocalContext(fn.function_name, fn.function_arn, int(fn.memory_size or 128), str(uuid.uuid4()))
    role = identities.for_function(fn.function_name) if identities is not None else None
    if role is not None and identities is not None and identities.cold_start(fn.function_name):
        cold_start()
    started = time.monotonic()
    try:
        with acting_as(role):
            result = resolve(fn.handler)(event, context)
    except Exception as exc:  # reported to the caller exactly as Lambda would
        log.add(Invocation(fn.function_name, started, time.monotonic() - started, type(exc).__name__))
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps(
            {
                "errorType": type(exc).__name__,
                "errorMessage": str(exc),
                "stackTrace": traceback.format_exception_only(exc),
            }
        ).encode()
    log.add(Invocation(fn.function_name, started, time.monotonic() - started, None))
    return json.dumps(result).encode()


@contextmanager
def in_process_lambda(identities: Identities | None = None) -> Iterator[InvocationLog]:
    """Install the seam for the duration of the block; yields the log of invocations.

    With `identities`, each handler's calls are signed with its function's role credentials."""
    log = InvocationLog()
    original = LambdaSimpleBackend.invoke

    def invoke(
        self: LambdaSimpleBackend,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,  # noqa: ARG001
        response_headers: Any,
    ) -> bytes:
        fn = self.get_function(function_name, qualifier)
        payload = invoke_in_process(fn, body, response_headers, log, identities)
        response_headers["Content-Length"] = str(len(payload))
        return payload

    original_sns = LambdaSimpleBackend.send_sns_message

    def send_sns_message(
        self: LambdaSimpleBackend,
        function_name: str,
        message: str,
        subject: str | None = None,
        qualifier: str | None = None,
    ) -> None:
        """An SNS topic's Lambda subscription: the handler gets the SNS event, asynchronously in AWS."""
        fn = self.get_function(function_name, qualifier)
        invoke_in_process(fn, json.dumps(sns_event(message, subject)), {}, log, identities)

    LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]
    LambdaSimpleBackend.send_sns_message = send_sns_message  # type: ignore[method-assign,assignment]
    try:
        yield log
    finally:
        LambdaSimpleBackend.invoke = original  # type: ignore[method-assign]
        LambdaSimpleBackend.send_sns_message = original_sns  # type: ignore[method-assign]


def sns_event(message: str, subject: str | None) -> dict[str, Any]:
    """The event SNS gives a subscribed function (one record per message)."""
    return {
        "Records": [
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": "arn:aws:sns:local:subscription",
                "EventSource": "aws:sns",
                "Sns": {
                    "SignatureVersion": "1",
                    "Timestamp": "1970-01-01T00:00:00.000Z",
                    "Signature": "local",
                    "SigningCertUrl": "https://sns.local/cert.pem",
                    "MessageId": str(uuid.uuid4()),
                    "Message": message,
                    "MessageAttributes": {},
                    "Type": "Notification",
                    "UnsubscribeUrl": "https://sns.local/unsubscribe",
                    "TopicArn": "arn:aws:sns:local:topic",
                    "Subject": subject,
                },
            }
        ]
    }
