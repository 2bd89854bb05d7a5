"""The long profile of the ingest property tests: 10,000 generated requests per property, against
the short profile the normal suite runs (300), side by side in one run.

Each profile runs `tests/functions/test_ingest_fuzz.py` in a subprocess with
`BULKHEAD_FUZZ_EXAMPLES` set; a failure in either is a failed benchmark (the property is the point).

    .venv/bin/python scripts/bench/ingest_fuzz.py [--long 10000] [--short 300]
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(examples: int) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "tests/functions/test_ingest_fuzz.py", "-q", "-p", "no:randomly"],
        cwd=ROOT,
        env={**os.environ, "BULKHEAD_FUZZ_EXAMPLES": str(examples)},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--long", type=int, default=10_000)
    parser.add_argument("--short", type=int, default=300)
    args = parser.parse_args()
    short = run(args.short)
    long = run(args.long)
    print(f"profiles: short {args.short} and long {args.long} examples per property, both passed")
    print(f"fuzz_short_seconds: {short:.1f}")
    print(f"fuzz_long_seconds: {long:.1f}")
    print(f"long_to_short_ratio: {long / short:.1f}")


if __name__ == "__main__":
    main()
