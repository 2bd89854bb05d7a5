"""Where the local fabric keeps things; importable without moto, so commands start fast."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = ROOT / "config" / "bulkhead.local.json"
DEFAULT_SECRETS = ROOT / "config" / "local-secrets.json"
# Where the local fabric keeps its tables and buckets between CLI invocations (and where its
# service holds its lock): BULKHEAD_STATE_DIR, else .bulkhead/state in the checkout.
DEFAULT_STATE_DIR = Path(os.environ.get("BULKHEAD_STATE_DIR") or ROOT / ".bulkhead" / "state")
