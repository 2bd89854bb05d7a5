"""Locally only: what containment needs to survive from one CLI command to the next.

Two things live in memory in the local fabric and would otherwise die with the process:
- the KMS key that seals pre-states (moto makes a new one per process, so yesterday's sealed
  pre-states would not open), and
- the sandbox stores' own state (the storefront tokens, webhooks, tags and admin users that a
  drill contained).
With a state directory both are kept there, so `bulkhead drill` followed by `bulkhead restore INC`
in a second command finds the sealed pre-states and the contained sandbox, as a deployment finds
its KMS key and a development store. In AWS the key material never leaves KMS.
"""

import base64
import json
import threading
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from moto.kms.models import kms_backends

from bulkhead.sandbox.stores import SandboxStore
from functions.common import clients

PRESTATE_KEY_ALIAS = "alias/bulkhead-prestates"
KEY_FILE = "local-PreStateSealing.json"
SANDBOX_FILE = "sandboxes.json"


def create_prestate_key() -> str:
    """A symmetric key for the pre-state vault, named by an alias that stays the same across runs."""
    kms = clients.client("kms")
    arn = kms.create_key(Description="Bulkhead pre-states")["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName=PRESTATE_KEY_ALIAS, TargetKeyId=arn)
    return PRESTATE_KEY_ALIAS


def keep_prestate_key(state_dir: Path, account: str, region: str) -> None:
    """Give this process's key the id and key material saved by the first run (or save them now).

    moto's ciphertexts name the key id they were sealed with, so the key keeps its id as well as its
    material; the alias the functions use follows it.
    """
    backend = kms_backends[account][region]
    key_id = clients.client("kms").describe_key(KeyId=PRESTATE_KEY_ALIAS)["KeyMetadata"]["KeyId"]
    key: Any = backend.keys[key_id]
    saved = state_dir / KEY_FILE
    if not saved.exists():
        state_dir.mkdir(parents=True, exist_ok=True)
        saved.write_text(json.dumps({"key_id": key.id, "key_material": base64.b64encode(key.key_material).decode()}))
        saved.chmod(0o600)
        return
    kept = json.loads(saved.read_text())
    del backend.keys[key.id]
    key.arn = key.arn.replace(key.id, kept["key_id"])
    key.id = kept["key_id"]
    key.key_material = base64.b64decode(kept["key_material"])
    for alias in key.aliases.values():
        alias.target_key_id = key.id
    backend.keys[key.id] = key


def keep_sandboxes(sandboxes: Mapping[str, SandboxStore], state_dir: Path, stack: ExitStack) -> None:
    """Load the sandbox stores' saved state now; save it when the fabric closes (before they stop)."""
    saved = state_dir / SANDBOX_FILE
    if saved.exists():
        kept = json.loads(saved.read_text())
        for store_id, sandbox in sandboxes.items():
            if store_id in kept:
                sandbox.state.restore(kept[store_id])
                _finish_bulk_operations(sandbox)
    stack.callback(save_sandboxes, sandboxes, state_dir)


def _finish_bulk_operations(sandbox: SandboxStore) -> None:
    """A bulk operation in flight when the last process stopped has finished by now, as on Shopify.

    The sandbox finishes an operation as it is polled (RUNNING, then COMPLETED); a response cut off
    mid-poll would otherwise leave it in flight forever and refuse the next bulk query.
    """
    if sandbox.platform != "shopify":
        return
    from bulkhead.sandbox.shopify.operations.bulk_operations import current_bulk_operation  # noqa: PLC0415

    operations = sandbox.state.table("bulk_operations")
    for _ in range(2):  # CREATED -> RUNNING -> COMPLETED
        if any(op["status"] in ("CREATED", "RUNNING") for op in operations.values()):
            current_bulk_operation(sandbox.state, {})


# Drills, the periodic saver and the control API save from several threads: one writer at a time,
# so two saves never race on the temporary file (the second would find it already renamed).
_SAVING = threading.Lock()


def save_sandboxes(sandboxes: Mapping[str, SandboxStore], state_dir: Path) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    with _SAVING:
        temporary = state_dir / f"{SANDBOX_FILE}.tmp"
        temporary.write_text(json.dumps({store_id: s.state.export() for store_id, s in sandboxes.items()}))
        temporary.replace(state_dir / SANDBOX_FILE)
