"""Hostile traffic against `bulkhead serve` over real HTTP on loopback: no 5xx, no lost answer, no
event for a refused request, no duplicate signal.

Starts `bulkhead serve` as a subprocess on a free loopback port (the CLI is the contract, whatever
server sits behind it), then sends, over raw sockets so header bytes are exactly what is chosen:

1. hostile requests (at least 10,000 by default) to every ingest route: forged and missing
   signatures, non-ASCII header values, integers past Python's digit limit, nesting past the
   parser's depth, repeated keys, NaN, truncated documented samples (correctly signed, so they reach
   the parsers), naive times, over-long ids, unknown shops, stale and future trigger times, a
   compliance body naming another shop; every one should be refused with a 4xx and emit nothing;
2. valid deliveries (Shopify's documented audit sample: a request that reads no customer, so no
   response starts), each sent twice with a fresh event id the second time (a captured delivery
   replayed): the first accepted, the second a duplicate that emits nothing;
3. a few HTTP-layer probes (`Content-Length: abc`, `-1`, chunked bodies), counted apart: they test
   the server, not ingest, and the server is being hardened separately.

Signals that reached detection are counted through `GET /local/dispositions` after the fabric has
settled. The service runs on a state directory of its own, created empty in tmp and removed after: a
run never reads what an earlier run (or a developer's own service) left, whose idempotency records
would answer this run's deliveries as duplicates and count nothing. Bounded in count and time;
loopback only.

    .venv/bin/python scripts/bench/hostile_ingest.py [--hostile 10000] [--valid 200] [--max-seconds 600]
"""

import argparse
import base64
import json
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from functions.ingest.shopify import sign  # noqa: E402

SECRETS = json.loads((ROOT / "config/local-secrets.json").read_text())
SHOPIFY_SECRET = SECRETS["bulkhead/acme-eu/webhook-secret"]
OPERATOR_SECRET = SECRETS["bulkhead/acme-eu/operator-secret"]
SHOP = "acme-wealth-eu.myshopify.com"
SAMPLES = [p.read_bytes().rstrip() for p in sorted((ROOT / "tests/events/shopify").glob("*.json"))]
AUDIT_SAMPLE = (ROOT / "tests/events/shopify/audit_events_admin_api_activity.json").read_bytes()
# What Shopify allows a webhook endpoint (docs/signals.md, "Fast"): 1 s to connect, 5 s to answer.
# Later is no answer, and Shopify retries the delivery.
CONNECT_SECONDS = 1.0
ANSWER_SECONDS = 5.0


@dataclass
class Answer:
    status: int | None  # None: no answer (reset, closed, or timed out)
    body: bytes
    seconds: float


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def send(port: int, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> Answer:
    """One request on its own connection, bytes as given; the answer read to its end, within Shopify's
    limits (no connection in 1 s, or no complete answer 5 s after sending began: no answer)."""
    head = [f"{method} {path} HTTP/1.1".encode(), b"Host: 127.0.0.1", b"Connection: close"]
    head += [name + b": " + value for name, value in headers]
    raw = b"\r\n".join(head) + b"\r\n\r\n" + body
    started = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=CONNECT_SECONDS) as conn:
            chunks = []
            conn.settimeout(ANSWER_SECONDS)
            conn.sendall(raw)
            while (left := ANSWER_SECONDS - (time.perf_counter() - started)) > 0:
                conn.settimeout(left)
                if not (chunk := conn.recv(65536)):
                    break
                chunks.append(chunk)
            else:
                return Answer(None, b"", time.perf_counter() - started)
    except OSError:
        return Answer(None, b"", time.perf_counter() - started)
    reply = b"".join(chunks)
    elapsed = time.perf_counter() - started
    try:
        status = int(reply.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return Answer(None, reply, elapsed)
    return Answer(status, reply.partition(b"\r\n\r\n")[2], elapsed)


def with_length(headers: list[tuple[bytes, bytes]], body: bytes) -> list[tuple[bytes, bytes]]:
    return [*headers, (b"Content-Type", b"application/json"), (b"Content-Length", str(len(body)).encode())]


def shopify_headers(body: bytes, topic: str, webhook_id: str, **changes: bytes) -> list[tuple[bytes, bytes]]:
    values = {
        b"X-Shopify-Topic": topic.encode(),
        b"X-Shopify-Shop-Domain": SHOP.encode(),
        b"X-Shopify-Webhook-Id": webhook_id.encode(),
        b"X-Shopify-Event-Id": b"one-merchant-action",
        b"X-Shopify-Triggered-At": datetime.now(UTC).isoformat().encode(),
        b"X-Shopify-Hmac-Sha256": sign(body, SHOPIFY_SECRET).encode(),
    }
    values |= {k.replace("_", "-").encode(): v for k, v in changes.items()}
    return with_length(list(values.items()), body)


def commerce_signature(key: rsa.RSAPrivateKey, body: bytes) -> bytes:
    return base64.b64encode(key.sign(base64.b64encode(body), padding.PKCS1v15(), hashes.SHA256()))


Request = tuple[str, list[tuple[bytes, bytes]], bytes]


def hostile_requests(rng: random.Random, key: rsa.RSAPrivateKey) -> list[Callable[[int], Request]]:
    """Makers of hostile requests; each takes a number so every delivery id is its own."""
    huge = b'{"events": [], "n": ' + b"7" * 5000 + b"}"
    deep = b'{"events": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    bad_json = [huge, deep, b'{"events": NaN}', b'{"events": [], "events": []}', b"{", b"\xff\xfe{}", b"[]"]
    stale = (datetime.now(UTC) - timedelta(hours=6)).isoformat().encode()
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat().encode()
    other_shop = (ROOT / "tests/events/shopify/customers_redact.json").read_bytes().replace(b"{shop}", b"someone-else")
    flow_body = json.dumps(
        {"event_id": "f-1", "shop_domain": SHOP, "topic": "flow/alert", "occurred_at": "2026-11-27T08:59:58"}
    ).encode()

    def shopify_forged(n: int) -> Request:
        body = rng.randbytes(rng.randint(0, 400))
        return (
            "/webhooks/shopify",
            shopify_headers(body, "themes/publish", f"h-{n}", X_Shopify_Hmac_Sha256=b"AAAA"),
            body,
        )

    def shopify_signed_bad_json(n: int) -> Request:
        body = rng.choice(bad_json)
        return "/webhooks/shopify", shopify_headers(body, "audit_events/admin_api_activity", f"h-{n}"), body

    def shopify_truncated(n: int) -> Request:
        sample = rng.choice(SAMPLES)
        body = sample[: rng.randint(1, len(sample) - 1)]
        return "/webhooks/shopify", shopify_headers(body, "themes/publish", f"h-{n}"), body

    def shopify_non_ascii(n: int) -> Request:
        body = AUDIT_SAMPLE
        value = rng.choice(["caf\u00e9", "\u2603\u2603", "sig\u00e9=="]).encode()
        name = rng.choice(["X_Shopify_Hmac_Sha256", "X_Shopify_Topic", "X_Shopify_Shop_Domain", "X_Shopify_Webhook_Id"])
        return (
            "/webhooks/shopify",
            shopify_headers(body, "audit_events/admin_api_activity", f"h-{n}", **{name: value}),
            body,
        )

    def shopify_bad_headers(n: int) -> Request:
        body = AUDIT_SAMPLE
        change = rng.choice(
            [
                {"X_Shopify_Triggered_At": b"2026-11-27T08:59:58"},
                {"X_Shopify_Triggered_At": stale},
                {"X_Shopify_Triggered_At": future},
                {"X_Shopify_Triggered_At": b""},
                {"X_Shopify_Webhook_Id": b""},
                {"X_Shopify_Webhook_Id": b"w" * 300},
                {"X_Shopify_Shop_Domain": b"evil.myshopify.com"},
                {"X_Shopify_Topic": b"orders/create"},
            ]
        )
        return "/webhooks/shopify", shopify_headers(body, "audit_events/admin_api_activity", f"h-{n}", **change), body

    def shopify_other_shop(n: int) -> Request:
        return "/webhooks/shopify", shopify_headers(other_shop, "customers/redact", f"h-{n}"), other_shop

    def flow_hostile(_: int) -> Request:
        token = rng.choice(
            [OPERATOR_SECRET.encode(), ("caf\u00e9" + OPERATOR_SECRET).encode(), b"bh1.acme-eu.flow.1.x"]
        )
        body = rng.choice([flow_body, huge, b'{"a": NaN}'])
        return "/webhooks/shopify-flow", with_length([(b"X-Bulkhead-Token", token)], body), body

    def declaration_hostile(_: int) -> Request:
        body = b'{"store_id": "acme-eu", "reference": "CASE-1"}'
        auth = rng.choice([b"Bearer caf\xc3\xa9", b"Bearer bh1.acme-eu.declare.1.x", b"Basic x", b""])
        return "/incidents", with_length([(b"Authorization", auth)], body), body

    def commerce_hostile(n: int) -> Request:
        data = rng.choice(
            [
                {"eventName": "customer_login", "data": {"integration_id": "9" * 300}},
                {"eventName": "customer_login", "data": {"admin_user_id": "x\u0000"}},
                {"eventName": "customer_login", "data": {"customer_id": n}, "x": "y"},
            ]
        )
        body = json.dumps(data).encode() if rng.random() < 0.7 else rng.choice(bad_json)
        if b"customer_id" in body and b'"x"' in body:
            headers = [(b"x-bulkhead-store", b"acme-us"), (b"x-adobe-commerce-webhook-signature", b"AAAA")]  # forged
        else:
            headers = [
                (b"x-bulkhead-store", b"acme-us"),
                (b"x-adobe-commerce-webhook-signature", commerce_signature(key, body)),
            ]
        return "/webhooks/adobe-commerce", with_length(headers, body), body

    def io_events_hostile(_: int) -> Request:
        body = rng.choice([huge, deep, b'{"recipient_client_id": "bulkhead-acme-us-io"}'])
        signature = rng.choice([b"bm90", "caf\u00e9".encode(), b""])
        return "/webhooks/adobe-io", with_length([(b"x-adobe-digital-signature-1", signature)], body), body

    return [
        shopify_forged,
        shopify_signed_bad_json,
        shopify_truncated,
        shopify_non_ascii,
        shopify_bad_headers,
        shopify_other_shop,
        flow_hostile,
        declaration_hostile,
        commerce_hostile,
        io_events_hostile,
    ]


def http_layer_probes() -> list[Request]:
    """Requests malformed at the HTTP layer (the server's job, not ingest's): counted apart."""
    body = AUDIT_SAMPLE
    signed = shopify_headers(body, "audit_events/admin_api_activity", "probe")
    base = [(k, v) for k, v in signed if k != b"Content-Length"]
    chunked = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    return [
        ("content-length: abc", [*base, (b"Content-Length", b"abc")], body),
        ("content-length: -1", [*base, (b"Content-Length", b"-1")], body),
        ("chunked body", [*base, (b"Transfer-Encoding", b"chunked")], chunked),
    ]


def signal_count(port: int) -> int:
    total = 0
    for day in {datetime.now(UTC).date(), (datetime.now(UTC) + timedelta(minutes=10)).date()}:
        answer = send(port, "GET", f"/local/dispositions?day={day.isoformat()}", [], b"")
        if answer.status == 200:
            total += sum(int(w["signals"]) for w in json.loads(answer.body)["windows"])
    return total


def settled_count(port: int, bound_seconds: float = 60.0) -> int:
    """The number of signals detection has counted, once it stops changing (bounded wait)."""
    deadline = time.monotonic() + bound_seconds
    last = signal_count(port)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = signal_count(port)
        if now == last:
            return now
        last = now
    return last


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hostile", type=int, default=10_000)
    parser.add_argument("--valid", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--max-seconds", type=float, default=600.0)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311 - reproducible traffic, not cryptography
    pem = SECRETS["sandbox/acme-us/commerce-webhook-signing-key"].encode()
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    port = free_port()
    state = tempfile.TemporaryDirectory(prefix="bulkhead-bench-")
    serve = subprocess.Popen(
        [str(ROOT / ".venv/bin/bulkhead"), "serve", "--port", str(port), "--state-dir", state.name],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + args.max_seconds
    try:
        while send(port, "GET", "/healthz", [], b"").status != 200:
            if serve.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("bulkhead serve did not start")
            time.sleep(0.5)
        makers = hostile_requests(rng, key)
        hostile = [makers[n % len(makers)](n) for n in range(args.hostile)]
        baseline = settled_count(port, bound_seconds=5.0)
        with ThreadPoolExecutor(args.concurrency) as pool:
            # 1. hostile requests: every one should be a 4xx and emit nothing
            refused = list(pool.map(lambda r: send(port, "POST", r[0], r[1], r[2]), hostile))
            before_valid = settled_count(port)
            # 2. valid deliveries, each then replayed with a fresh event id (same webhook id)
            first, replayed = [], []
            for n in range(args.valid):
                if time.monotonic() > deadline:
                    break
                body = AUDIT_SAMPLE
                headers = shopify_headers(body, "audit_events/admin_api_activity", f"valid-{args.seed}-{n}")
                first.append(send(port, "POST", "/webhooks/shopify", headers, body))
                again = [(k, b"fresh-event-id" if k == b"X-Shopify-Event-Id" else v) for k, v in headers]
                replayed.append(send(port, "POST", "/webhooks/shopify", again, body))
            after_valid = settled_count(port)
        # 3. HTTP-layer probes, after the counts: a hung connection must not hold up the rest
        probes = [(name, send(port, "POST", "/webhooks/shopify", h, b)) for name, h, b in http_layer_probes()]
    finally:
        serve.terminate()
        try:
            serve.wait(timeout=10)
        except subprocess.TimeoutExpired:
            serve.kill()
        state.cleanup()

    report(refused, first, replayed, probes, baseline, before_valid, after_valid)


def report(
    refused: list[Answer],
    first: list[Answer],
    replayed: list[Answer],
    probes: list[tuple[str, Answer]],
    baseline: int,
    before_valid: int,
    after_valid: int,
) -> None:
    answers = refused + first + replayed
    # A first delivery is accepted when answered 202 and not as a duplicate (an earlier run's records
    # would answer it `duplicate: true`: it would then emit nothing, and prove nothing).
    accepted_first = [a for a in first if a.status == 202 and b'"duplicate":false' in a.body]
    duplicates_answered = sum(1 for a in replayed if a.status == 202 and b'"duplicate":true' in a.body)
    statuses = Counter(a.status for a in answers)
    print(f"answers by status: {dict(sorted(statuses.items(), key=lambda kv: str(kv[0])))}")
    print(
        f"valid deliveries: {len(first)} sent, {len(accepted_first)} accepted; replays answered duplicate: "
        f"{duplicates_answered} of {len(replayed)}"
    )
    for name, answer in probes:
        print(f"http-layer probe '{name}': {answer.status if answer.status is not None else 'no answer'}")
    # The counter must see the valid deliveries, or a zero below would prove nothing.
    print(f"signals counted for the valid deliveries: {after_valid - before_valid} of {len(accepted_first)} accepted")
    print(f"requests: {len(answers)}")
    print(f"answers_5xx: {sum(1 for a in answers if a.status is not None and a.status >= 500)}")
    print(f"no_answer: {sum(1 for a in answers if a.status is None)}")
    # A hostile request the ingest accepted (it was validly signed after all) may emit its one signal.
    hostile_accepted = sum(1 for a in refused if a.status == 202 and b'"duplicate":false' in a.body)
    print(f"hostile requests accepted: {hostile_accepted}")
    print(f"events_for_refused: {before_valid - baseline - hostile_accepted}")
    # Each valid delivery is one webhook id, sent twice: at most one signal each. Compare with what was
    # sent, not with what was answered: a delivery whose answer came too late was still delivered (as
    # Shopify would retry it, and the retry is a duplicate).
    print(f"duplicate_signals: {max(0, after_valid - before_valid - len(first))}")
    print(f"slowest_answer_ms: {max(a.seconds for a in answers) * 1000:.0f}")
    print(f"accepted_p50_ms: {percentile([a.seconds * 1000 for a in accepted_first], 0.50):.2f}")
    print(f"accepted_p99_ms: {percentile([a.seconds * 1000 for a in accepted_first], 0.99):.2f}")
    refused_ms = [a.seconds * 1000 for a in refused if a.status is not None and 400 <= a.status < 500]
    print(f"refused_p50_ms: {percentile(refused_ms, 0.50):.2f}")
    print(f"refused_p99_ms: {percentile(refused_ms, 0.99):.2f}")
    print(f"http_layer_probes: {len(probes)}")
    print(f"http_layer_no_answer: {sum(1 for _, a in probes if a.status is None)}")
    print(f"http_layer_5xx: {sum(1 for _, a in probes if a.status is not None and a.status >= 500)}")


if __name__ == "__main__":
    main()
