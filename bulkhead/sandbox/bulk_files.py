"""A loopback download host for bulk operation results (JSONL), like Shopify's signed storage URLs.

Started on first use, in a daemon thread, for the life of the process; each published body gets
an unguessable path.
"""

import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_files: dict[str, bytes] = {}
_lock = threading.Lock()
_server: ThreadingHTTPServer | None = None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        with _lock:
            body = _files.get(self.path)
        self.send_response(200 if body is not None else 404)
        payload = body if body is not None else b"NoSuchKey"
        self.send_header("Content-Type", "application/jsonl" if body is not None else "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def publish(body: bytes) -> str:
    """Serve `body` at a new URL and return it."""
    global _server  # noqa: PLW0603 - one download host per process
    with _lock:
        if _server is None:
            _server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
            _server.daemon_threads = True
            threading.Thread(target=_server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        path = f"/bulk/{secrets.token_hex(16)}.jsonl"
        _files[path] = body
        host, port = _server.server_address[:2]
    return f"http://{host!s}:{port}{path}"
