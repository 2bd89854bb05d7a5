#!/usr/bin/env python3
"""Verify a Bulkhead evidence pack offline: `python scripts/verify_evidence.py PACK_DIR`.

The verifier itself is bulkhead/evidence/verifier.py (stdlib + cryptography only); this runs it
from a checkout without installing Bulkhead.
"""

import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    verifier = Path(__file__).resolve().parents[1] / "bulkhead" / "evidence" / "verifier.py"
    sys.argv[0] = str(verifier)
    runpy.run_path(str(verifier), run_name="__main__")
