"""Degradation gates: the Adobe Commerce gate's answer time, and how long a mode change takes to be
enforced by every gate.

Runs the local fabric (moto, the sandbox Shopify store) in this process and calls the gate's real
Lambda handler with signed HTTP API events, warm:
  1. answer time p50/p99 with the gate cache warm (the normal case) and with every request reading
     the controls table (cache window 0), side by side;
  2. mode change -> enforced: set `checkout_paused`, then poll the Adobe gate and the headless
     endpoint until both stop checkout; the Shopify projection is part of the change itself
     (the change returns once the metafield is written). Trials start at random points of the
     gate cache window, so the spread shows the cache's bound.

    .venv/bin/python scripts/bench/gates.py [--requests 400] [--trials 6]
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

# The gate logs every answer at INFO; a benchmark's output is its figures.
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bulkhead.local.lambda_seam import LocalContext
from bulkhead.local.runtime import http_api_event, local_fabric
from functions.common import clients, wiring
from functions.degradation import adobe
from functions.degradation.domain import change_modes, clear_modes
from functions.degradation.handlers import adobe_commerce_gate, read_modes
from functions.degradation.models import DegradationMode, ModeChange, ModeClear
from functions.degradation.wiring import controls_store, gate_cache, projector
from functions.ledger.wiring import ledger

TOKEN = "bench-headless-token-0123456789abcdef"
CONTEXT = LocalContext("bulkhead-AdobeCommerceGate", "arn:aws:lambda:eu-west-1:123456789012:function:gate", 1024, "b")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def signed_order(private_key: str, store: str) -> dict[str, Any]:
    body = json.dumps({"order": {"customer_group_id": 1, "payment": {"method": "braintree"}}}).encode()
    headers = {
        "content-type": "application/json",
        "x-bulkhead-store": store,
        adobe.SIGNATURE_HEADER: adobe.sign(body, private_key),
    }
    return http_api_event("POST", "/gates/adobe-commerce/order-placement", headers, body)


def answer_times(event: dict[str, Any], requests: int) -> list[float]:
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = adobe_commerce_gate.handler(event, CONTEXT)
        times.append(time.perf_counter() - started)
        assert answer["statusCode"] == 200, answer
    return times


def headless_event(store: str) -> dict[str, Any]:
    event = http_api_event("GET", "/degradation/modes", {"authorization": f"Bearer {TOKEN}"}, b"")
    event["queryStringParameters"] = {"store": store}
    return event


def main() -> None:  # noqa: PLR0915 - one straight measurement script, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--trials", type=int, default=6)
    args = parser.parse_args()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with local_fabric(log_level="ERROR"):
        sm = clients.client("secretsmanager")
        sm.put_secret_value(SecretId="bulkhead/acme-us/webhook-public-key", SecretString=public)
        sm.create_secret(Name="bulkhead/acme-eu/modes-token", SecretString=TOKEN)
        wiring.forget_secrets()
        firm = wiring.firm_config()
        order_us = signed_order(private, "acme-us")
        cache = gate_cache()

        answer_times(order_us, 20)  # warm: imports, config, secrets, key parsing
        warm = answer_times(order_us, args.requests)
        cache.fresh_seconds = 0.0
        uncached = answer_times(order_us, args.requests)
        cache.fresh_seconds = 5.0

        propagation, projection = [], []
        rng = random.Random(6)  # noqa: S311 - where in the cache window a trial starts; not a secret
        for _ in range(args.trials):
            for store in ("acme-us", "acme-eu"):
                clear_modes(
                    ModeClear(store_id=store, all_segments=True, actor="bench"),
                    controls_store(),
                    ledger(),
                    projector(firm, store),
                    datetime.now(UTC),
                )
            cache.forget()
            answer_times(order_us, 1)
            read_modes.handler(headless_event("acme-eu"), CONTEXT)  # the cache now holds "normal", just read
            time.sleep(rng.uniform(0, cache.fresh_seconds))
            changed_at = time.perf_counter()
            for store in ("acme-us", "acme-eu"):
                change = ModeChange(store_id=store, modes=(DegradationMode.CHECKOUT_PAUSED,), actor="bench")
                change_modes(change, controls_store(), ledger(), projector(firm, store), datetime.now(UTC))
            projection.append(time.perf_counter() - changed_at)  # Shopify metafield written by now
            adobe_done = headless_done = None
            while adobe_done is None or headless_done is None:
                now = time.perf_counter() - changed_at
                if adobe_done is None:
                    body = json.loads(adobe_commerce_gate.handler(order_us, CONTEXT)["body"])
                    adobe_done = now if body["op"] == "exception" else None
                if headless_done is None:
                    view = json.loads(read_modes.handler(headless_event("acme-eu"), CONTEXT)["body"])
                    headless_done = now if view["restrictions"]["checkout_paused"] else None
                time.sleep(0.02)
            propagation.append(max(adobe_done, headless_done))

    p50_warm, p99_warm = percentile(warm, 50) * 1000, percentile(warm, 99) * 1000
    p50_cold, p99_cold = percentile(uncached, 50) * 1000, percentile(uncached, 99) * 1000
    print(f"adobe gate, {args.requests} signed order-placement requests each, in-process, warm")
    print(f"mode change -> every gate enforcing, {args.trials} trials, gate cache window {cache.fresh_seconds:.0f} s")
    print(f"adobe_gate_p50_ms: {p50_warm:.2f}")
    print(f"adobe_gate_p99_ms: {p99_warm:.2f}")
    print(f"adobe_gate_uncached_p50_ms: {p50_cold:.2f}")
    print(f"adobe_gate_uncached_p99_ms: {p99_cold:.2f}")
    print(f"uncached_to_cached_p50_ratio: {p50_cold / p50_warm:.2f}")
    print(f"change_with_shopify_projection_p50_s: {statistics.median(projection):.3f}")
    print(f"change_to_all_gates_enforcing_p50_s: {statistics.median(propagation):.3f}")
    print(f"change_to_all_gates_enforcing_max_s: {max(propagation):.3f}")
    print(f"change_to_all_gates_bound_s: {cache.fresh_seconds + max(projection):.3f}")


if __name__ == "__main__":
    main()
