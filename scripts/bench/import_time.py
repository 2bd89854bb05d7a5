"""Import time of each signals handler module against `import boto3` alone, each in a fresh interpreter.

Lambda's init phase pays for module imports on every cold start. Each import is measured inside a
fresh subprocess (perf_counter around the import statement only), repeated, and the median kept;
the ratio is handler / boto3 (aim: <= 1.5). Run with tracing enabled as deployed (Tracer loads the
X-Ray SDK) and with POWERTOOLS_TRACE_DISABLED=true, side by side.

    .venv/bin/python scripts/bench/import_time.py [--repeat 7]
"""

import argparse
import os
import statistics
import subprocess
import sys

MODULES = (
    "functions.ingest.handlers.receive_webhook",
    "functions.ingest.handlers.receive_flow_request",
    "functions.ingest.handlers.receive_adobe_webhook",
    "functions.ingest.handlers.receive_io_event",
    "functions.ingest.handlers.declare_incident",
    "functions.ingest.handlers.receive_platform_event",
    "functions.detection.handlers.detect_incident",
)
PROBE = "import time; t = time.perf_counter(); import {m}; print(time.perf_counter() - t)"


def measure(module: str, repeat: int, env: dict[str, str]) -> float:
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", PROBE.format(m=module)], capture_output=True, text=True, check=True, env=env
        )
        runs.append(float(out.stdout.strip()) * 1000)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    base = {**os.environ, "AWS_DEFAULT_REGION": "eu-west-1", "POWERTOOLS_SERVICE_NAME": "bulkhead"}
    figures: list[str] = []
    for label, env in (("traced", base), ("untraced", base | {"POWERTOOLS_TRACE_DISABLED": "true"})):
        boto3_ms = measure("boto3", args.repeat, env)
        figures.append(f"import_boto3_ms_{label}: {boto3_ms:.1f}")
        for module in MODULES:
            ms = measure(module, args.repeat, env)
            name = module.rsplit(".", 1)[-1]
            figures.append(f"import_{name}_ms_{label}: {ms:.1f}")
            figures.append(f"import_{name}_ratio_{label}: {ms / boto3_ms:.2f}")
    print("\n".join(figures))


if __name__ == "__main__":
    main()
