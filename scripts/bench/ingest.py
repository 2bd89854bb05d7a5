"""Ingest handler time per event, in-process on the local fabric (moto): accepted vs refused deliveries.

Each accepted delivery is a distinct signed Shopify webhook (verify, idempotency write, PutEvents);
each refused one has a forged signature (verify only). Both run through the real handler module,
side by side in one run; moto stands in for DynamoDB and EventBridge, so the accepted figure
includes moto's in-process cost rather than network latency.

    .venv/bin/python scripts/bench/ingest.py [--events 1000]
"""

import argparse
import statistics
import time

from bulkhead.local.drill import bulk_export_webhook
from bulkhead.local.lambda_seam import LocalContext
from bulkhead.local.runtime import http_api_event, local_fabric
from functions.ingest.handlers import receive_webhook
from functions.ingest.shopify import sign

SECRET = "sandbox-shopify-app-secret-acme-eu"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()
    context = LocalContext("bench", "arn:aws:lambda:eu-west-1:123456789012:function:bench", 512, "bench")
    accepted: list[float] = []
    refused: list[float] = []
    with local_fabric(log_level="ERROR"):
        for n in range(args.events + 50):  # the first 50 warm caches (config, secret, clients) and are dropped
            headers, body = bulk_export_webhook(SECRET, event_id=f"bench-{n}")
            good = http_api_event("POST", "/webhooks/shopify", headers, body)
            forged = http_api_event(
                "POST", "/webhooks/shopify", headers | {"x-shopify-hmac-sha256": sign(body, "forged")}, body
            )
            for event, sink, status in ((good, accepted, 202), (forged, refused, 401)):
                started = time.perf_counter()
                answer = receive_webhook.handler(event, context)
                elapsed = time.perf_counter() - started
                assert answer["statusCode"] == status, answer
                if n >= 50:
                    sink.append(elapsed * 1000)
    print(f"events: {args.events} accepted + {args.events} refused, in-process, moto backing")
    print(f"ingest_accepted_p50_ms: {percentile(accepted, 0.50):.2f}")
    print(f"ingest_accepted_p99_ms: {percentile(accepted, 0.99):.2f}")
    print(f"ingest_refused_p50_ms: {percentile(refused, 0.50):.2f}")
    print(f"ingest_refused_p99_ms: {percentile(refused, 0.99):.2f}")
    print(f"accepted_to_refused_p50_ratio: {statistics.median(accepted) / statistics.median(refused):.1f}")


if __name__ == "__main__":
    main()
