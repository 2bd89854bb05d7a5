"""The local front door behaves like API Gateway where a client can tell.

Given `bulkhead serve`'s HTTP server on an ephemeral port, When a client sends what real clients
and platforms send (a burst of connections, chunked bodies, repeated headers) or what broken ones
send (a bad or negative Content-Length, a malformed chunk), Then each gets a definite answer: the
burst is queued, never reset; bad framing is a 400 with a reason, at once; a fault is a 502 with a
reason and without the exception's text.
"""

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from bulkhead.local.runtime import LocalFabric, local_fabric
from bulkhead.local.server import FabricServer


@pytest.fixture(scope="module")
def door() -> Iterator[tuple[LocalFabric, FabricServer]]:
    with local_fabric(log_level="ERROR") as fabric:
        server = FabricServer(fabric, port=0, report=lambda _line: None)
        server.start()
        try:
            yield fabric, server
        finally:
            server.stop()


def raw(server: FabricServer, request: bytes, timeout: float = 10.0) -> tuple[int, dict[str, Any]]:
    """Send bytes as they are; the status and JSON body of the answer (the server closes after)."""
    host, port = server.httpd.server_address[:2]
    with socket.create_connection((str(host), int(port)), timeout=timeout) as conn:
        conn.sendall(request)
        conn.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body or b"{}")


def post(path: str, headers: str, body: bytes = b"") -> bytes:
    return f"POST {path} HTTP/1.1\r\nHost: localhost\r\n{headers}\r\n".encode() + body


@pytest.mark.parametrize(
    ("length", "reason"),
    [
        ("abc", "Content-Length must be a non-negative integer"),
        ("-5", "Content-Length must be a non-negative integer"),
        ("1e3", "Content-Length must be a non-negative integer"),
    ],
)
def test_a_bad_content_length_is_a_400_with_its_reason_at_once(
    door: tuple[LocalFabric, FabricServer], length: str, reason: str
) -> None:
    _, server = door
    # A negative length once made the server wait for a body that never comes: the timeout bounds that.
    status, body = raw(server, post("/webhooks/shopify", f"Content-Length: {length}\r\n", b"{}"), timeout=5)
    assert (status, body) == (400, {"error": reason})


def test_conflicting_content_lengths_are_refused(door: tuple[LocalFabric, FabricServer]) -> None:
    _, server = door
    status, body = raw(server, post("/webhooks/shopify", "Content-Length: 2\r\nContent-Length: 3\r\n", b"{}x"))
    assert (status, body) == (400, {"error": "conflicting Content-Length headers"})


def test_a_chunked_body_is_read_whole_and_reaches_the_handler(door: tuple[LocalFabric, FabricServer]) -> None:
    _, server = door
    # Given a Shopify delivery sent chunked, with a signature that cannot match: ingest reads the
    # body whole and refuses the signature (401), which it could not do with a body left unread.
    payload = b'{"id": 1, "status": "completed"}'
    chunks = (
        b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (payload[:10], payload[10:])) + b"0\r\n\r\n"
    )
    headers = (
        "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n"
        "X-Shopify-Topic: bulk_operations/finish\r\nX-Shopify-Shop-Domain: acme-wealth-eu.myshopify.com\r\n"
        "X-Shopify-Webhook-Id: wh-chunked-1\r\nX-Shopify-Hmac-Sha256: AAAA\r\n"
    )
    status, body = raw(server, post("/webhooks/shopify", headers, chunks))
    assert status == 401, body


def test_a_malformed_chunk_is_a_400(door: tuple[LocalFabric, FabricServer]) -> None:
    _, server = door
    status, body = raw(server, post("/webhooks/shopify", "Transfer-Encoding: chunked\r\n", b"zz\r\n{}\r\n0\r\n\r\n"))
    assert (status, body) == (400, {"error": "malformed chunk size"})


def test_repeated_headers_reach_the_handler_joined_with_commas(
    door: tuple[LocalFabric, FabricServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    fabric, server = door
    seen: list[dict[str, Any]] = []

    def invoke(_function: str, event: dict[str, Any]) -> dict[str, Any]:
        seen.append(event)
        return {"statusCode": 202, "body": "{}"}

    monkeypatch.setattr(fabric, "invoke", invoke)
    status, _ = raw(
        server,
        post(
            "/webhooks/shopify",
            "X-Forwarded-For: 10.0.0.1\r\nX-Forwarded-For: 10.0.0.2\r\nContent-Length: 2\r\n",
            b"{}",
        ),
    )
    assert status == 202
    assert seen[0]["headers"]["x-forwarded-for"] == "10.0.0.1,10.0.0.2"  # as API Gateway (payload 2.0) joins them


def test_a_fault_answers_502_with_a_reason_but_not_the_exceptions_text(
    door: tuple[LocalFabric, FabricServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    fabric, server = door

    def invoke(_function: str, _event: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("table bulkhead-ledger secret detail")

    monkeypatch.setattr(fabric, "invoke", invoke)
    status, body = raw(server, post("/webhooks/shopify", "Content-Length: 2\r\n", b"{}"))
    assert status == 502
    assert body == {"error": "the fabric failed to handle the request"}


def test_two_hundred_concurrent_connections_are_all_answered(door: tuple[LocalFabric, FabricServer]) -> None:
    _, server = door
    answers: list[int] = []
    failures: list[BaseException] = []
    start = threading.Barrier(200)

    def one() -> None:
        start.wait()
        try:
            answers.append(raw(server, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")[0])
        except OSError as exc:  # a reset or refusal
            failures.append(exc)

    threads = [threading.Thread(target=one) for _ in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert answers == [200] * 200
