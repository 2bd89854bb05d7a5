"""`bulkhead serve`: the local fabric behind a real HTTP server on loopback.

Requests go to the same ingest handlers as in AWS, as HTTP API (payload 2.0) events through the
Lambda seam, so any HTTP client, or a development store through a tunnel, can send real webhooks.
A background pump delivers routed bus events (detection, response), reports each response, and
prints every page sent to the on-call topic (an SQS queue subscribed to it, as on-call's own
subscription would be). Signed approval links point back at this server: when the configuration
names a link key but no base URL, the server's own URL becomes the base, so the link in a page opens
the approval page here. moto's backends are serialised where they race (`atomic_writes`), so
requests run concurrently, as Lambda invocations do.

The front door behaves like API Gateway's where a client can tell: a deep listen backlog (a burst
of connections is queued, not reset), a bad or negative Content-Length or a malformed chunked body
is a 400 with a reason, chunked bodies are read, repeated headers reach the handler joined with
commas, and a fault answers 502 with a reason but never the exception's text.
"""

import base64
import contextlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from bulkhead.local.lambda_seam import warm
from bulkhead.local.runtime import LocalFabric, http_api_event
from functions.common import clients, config
from functions.detection.adapters.dynamodb import DynamoDispositionStore
from infra import fabric as spec

if TYPE_CHECKING:
    from bulkhead.local.control import Control

MAX_BODY = 6 * 1024 * 1024  # API Gateway's own payload limit
BACKLOG = 1024  # queued connections: a burst of deliveries waits instead of being reset
# The pump looks at the route queues, the responses and the pages every 0.1 s while anything moves
# or a response runs, and backs off to once a second when nothing does: an idle service polling seven queues
# and every response ten times a second used 14 % of a core (measured), forever. A request to this
# server wakes it at once; what reaches the fabric only through the AWS endpoint waits at most 1 s.
PUMP_SECONDS = (0.1, 1.0)
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}
_log = logging.getLogger("bulkhead.local.server")


class BadRequest(Exception):
    """The request cannot be read: answered 400 (or 413) with the reason."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason, self.status = reason, status


class _Listener(ThreadingHTTPServer):
    request_queue_size = BACKLOG
    daemon_threads = True


@dataclass(frozen=True)
class Reply:
    """An HTTP answer as API Gateway would send it: status, content type and the exact body."""

    status: int
    content_type: str
    body: bytes

    @classmethod
    def json(cls, status: int, answer: dict[str, Any]) -> "Reply":
        return cls(status, "application/json", json.dumps(answer).encode())

    @classmethod
    def from_lambda(cls, answer: dict[str, Any]) -> "Reply":
        headers = {k.lower(): str(v) for k, v in (answer.get("headers") or {}).items()}
        text = answer.get("body") or ""
        body = base64.b64decode(text) if answer.get("isBase64Encoded") else str(text).encode()
        return cls(int(answer["statusCode"]), headers.get("content-type", "application/json"), body)

    @property
    def error(self) -> str:
        """The reason a JSON refusal gives, for the one-line request report."""
        if self.status < 400 or not self.content_type.startswith("application/json"):
            return ""
        with contextlib.suppress(ValueError, AttributeError):
            return str(json.loads(self.body).get("error", ""))
        return ""


class FabricServer:
    def __init__(
        self,
        local: LocalFabric,
        host: str = "127.0.0.1",
        port: int = 8787,
        report: Callable[[str], None] = print,
        control: "Control | None" = None,
        warm_handlers: bool = False,
    ) -> None:
        if host not in {"127.0.0.1", "localhost", "::1"}:
            raise ValueError("bulkhead serve listens on loopback only; expose it through a tunnel if needed")
        self.local = local
        self.report = report
        self.control = control
        self.warm_handlers = warm_handlers
        self.lock = threading.RLock()  # callers that read the fabric alongside the server may hold it
        self._stop = threading.Event()
        self._wake = threading.Event()  # something arrived: the pump looks now
        self._seen: dict[str, str] = {}
        self.httpd = _Listener((host, port), _handler_for(self))
        with self.lock:
            self.links = _point_approval_links_at(self.url)
            self._pages = _subscribe_to_pages(local)
        self._threads = [
            # `stop` waits for the listener to see its shutdown flag: at the default 0.5 s poll, half a
            # second of every service's stop (and of every command that stops one)
            threading.Thread(
                target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="bulkhead-http", daemon=True
            ),
            threading.Thread(target=self._pump, name="bulkhead-pump", daemon=True),
        ]

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else host
        return f"http://{name}:{port}"

    def start(self) -> None:
        # A server that platforms deliver to (`bulkhead serve`) loads every handler before the first
        # answer, as Lambda's init runs before a function's first invocation returns. Loaded on demand
        # instead, the first delivery after a start paid for the imports of ingest, then detection (in
        # the pump, at the same time): 1.5 to 3.5 s measured on a busy 2-vCPU machine, past the 5 s a
        # webhook sender waits (docs/benchmarks.md). A service a command starts in the background
        # answers commands, which wait longer, and loads handlers as they are first invoked.
        if self.warm_handlers:
            warm(fn.handler for fn in spec.FUNCTIONS)
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> "Reply":
        """One request: local views answer JSON; routes answer whatever their handler answers. The
        pump looks at once at what the request put on the bus."""
        try:
            return self._answer(method, target, headers, body)
        finally:
            self._wake.set()

    def _answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> "Reply":
        parts = urlsplit(target)
        if method == "GET" and parts.path == "/healthz":
            return Reply.json(200, {"status": "ok"})
        if method == "GET" and parts.path == "/local/dispositions":
            day = dict(parse_qsl(parts.query)).get("day", "")
            store = DynamoDispositionStore(clients.client("dynamodb"), self.local.tables["Dispositions"])
            windows = store.day(day)
            return Reply.json(
                200, {"day": day, "windows": [w.model_dump() | {"outcomes": w.outcomes} for w in windows]}
            )
        if parts.path.startswith("/local/") and self.control is not None:
            status, answer = self.control.handle(method, parts.path, headers, body)
            return Reply.json(status, answer)
        route = next((r for r in spec.HTTP_ROUTES if r[0] == method and r[1] == parts.path), None)
        if route is None:
            return Reply.json(404, {"error": f"no route {method} {parts.path}"})
        event = http_api_event(method, parts.path, headers, body)
        event["rawQueryString"] = parts.query
        event["queryStringParameters"] = dict(parse_qsl(parts.query)) or None
        answer = self.local.invoke(route[2], event)
        return Reply.from_lambda(answer)

    def _pump(self) -> None:
        fast, slow = PUMP_SECONDS
        wait = fast
        while not self._stop.is_set():
            try:
                moved = self.local.deliver_routed_events()
                running = self._report_executions()
                paged = self._report_pages()
                wait = fast if moved or running or paged else min(wait * 2, slow)
            except Exception as exc:  # the pump outlives one bad delivery; the handler logged it
                self.report(f"delivery failed: {type(exc).__name__}")
                wait = fast
            self._wake.wait(wait)
            self._wake.clear()

    def _report_pages(self) -> int:
        sqs = clients.client("sqs")
        messages = sqs.receive_message(QueueUrl=self._pages, MaxNumberOfMessages=10).get("Messages", [])
        for message in messages:
            notification = json.loads(message["Body"])
            stage = (notification.get("MessageAttributes") or {}).get("stage", {}).get("Value", "-")
            self.report(f"page to {stage}: {notification.get('Subject', '')}\n  {notification.get('Message', '')}")
            sqs.delete_message(QueueUrl=self._pages, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)

    def _report_executions(self) -> int:
        """Report each response whose status changed; how many still run. An ended response is not
        looked at again."""
        running = 0
        for arn in list(self.local.executions):
            if self._seen.get(arn) in TERMINAL:
                continue
            execution = self.local.execution(arn)
            status = str(execution["status"])
            running += status == "RUNNING"
            if self._seen.get(arn) == status:
                continue
            self._seen[arn] = status
            incident = json.loads(execution["input"])["incident"]
            self.report(
                f"response {status.lower()}: incident {incident['incident_id']} "
                f"({incident['severity']}, rule {incident['rule_id']}, store {incident['store_id']})"
            )
        return running


def _point_approval_links_at(url: str) -> bool:
    """Give signed approval links this server as their base, unless the configuration names one.

    Returns whether links are on: the configuration must name the link key's secret
    (`policy.approval_link_secret_id`); a sandbox key ships in config/local-secrets.json.
    """
    ssm = clients.client("ssm")
    text = ssm.get_parameter(Name=spec.CONFIG_PARAMETER_NAME)["Parameter"]["Value"]
    firm = json.loads(text)
    policy = firm.setdefault("policy", {})
    if not policy.get("approval_link_secret_id"):
        return False
    if not policy.get("approval_link_base_url"):
        policy["approval_link_base_url"] = url
        ssm.put_parameter(Name=spec.CONFIG_PARAMETER_NAME, Value=json.dumps(firm), Type="String", Overwrite=True)
        config.forget_config()
    return True


def _subscribe_to_pages(local: LocalFabric) -> str:
    """A queue on the on-call topic: every page, whatever its stage, as on-call receives it."""
    sqs = clients.client("sqs")
    url = str(sqs.create_queue(QueueName="bulkhead-serve-oncall-pages")["QueueUrl"])
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    clients.client("sns").subscribe(TopicArn=local.topics["OnCall"], Protocol="sqs", Endpoint=arn)
    return url


def _handler_for(server: FabricServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "bulkhead-local"

        def do_POST(self) -> None:
            self._serve("POST")

        def do_GET(self) -> None:
            self._serve("GET")

        def _serve(self, method: str) -> None:
            try:
                body = self._body()
            except BadRequest as refused:
                self.close_connection = True  # what follows on this connection cannot be framed
                reply = Reply.json(refused.status, {"error": refused.reason})
                server.report(f"{method} {urlsplit(self.path).path} -> {reply.status} {reply.error}")
                self._send(reply)
                return
            headers = {k.lower(): ",".join(self.headers.get_all(k) or []) for k in self.headers}
            try:
                reply = server.handle(method, self.path, headers, body)
            except Exception:  # a local fault: a reason, as API Gateway gives, never the exception's text
                _log.exception("request failed")
                reply = Reply.json(502, {"error": "the fabric failed to handle the request"})
            server.report(f"{method} {urlsplit(self.path).path} -> {reply.status} {reply.error}".rstrip())
            self._send(reply)

        def _body(self) -> bytes:
            """The request body: by Content-Length, or chunked; anything unreadable is a BadRequest."""
            declared = ",".join(self.headers.get_all("transfer-encoding") or [])
            encodings = [v.strip().lower() for v in declared.split(",")]
            lengths = self.headers.get_all("content-length") or []
            chunked = encodings[-1] == "chunked"
            if chunked and lengths:
                raise BadRequest("both Transfer-Encoding and Content-Length")
            if any(e and e != "chunked" for e in encodings) or (encodings != [""] and not chunked):
                raise BadRequest("unsupported Transfer-Encoding")
            if chunked:
                return self._chunks()
            if len(set(lengths)) > 1:
                raise BadRequest("conflicting Content-Length headers")
            if not lengths:
                return b""
            text = lengths[0].strip()
            if not text.isdigit():
                raise BadRequest("Content-Length must be a non-negative integer")
            length = int(text)
            if length > MAX_BODY:
                raise BadRequest(f"body exceeds {MAX_BODY} bytes", status=413)
            body = self.rfile.read(length) if length else b""
            if len(body) != length:
                raise BadRequest("body shorter than its Content-Length")
            return body

        def _chunks(self) -> bytes:
            body = bytearray()
            while True:
                line = self.rfile.readline(1024)
                size_text = line.split(b";", 1)[0].strip()
                try:
                    size = int(size_text, 16)
                except ValueError as exc:
                    raise BadRequest("malformed chunk size") from exc
                if size < 0:
                    raise BadRequest("malformed chunk size")
                if size == 0:
                    while self.rfile.readline(1024).strip():  # trailers, until the blank line
                        pass
                    return bytes(body)
                if len(body) + size > MAX_BODY:
                    raise BadRequest(f"body exceeds {MAX_BODY} bytes", status=413)
                chunk = self.rfile.read(size)
                if len(chunk) != size or self.rfile.read(2) != b"\r\n":
                    raise BadRequest("chunk shorter than its size")
                body += chunk

        def _send(self, reply: Reply) -> None:
            self.send_response(reply.status)
            self.send_header("content-type", reply.content_type)
            self.send_header("content-length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: ARG002 - the stdlib's signature
            return  # requests are reported once, above, without their content

    return Handler
