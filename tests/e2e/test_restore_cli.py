"""`bulkhead drill`, then `bulkhead restore INC` in a second command, on one local state directory.

Given a fresh state directory, When `bulkhead drill` contains an incident on the Shopify sandbox
and a second invocation runs `bulkhead restore <incident>`, Then the sealed pre-states open (their
key was kept), the sandbox found its contained state, and it is back to its pre-drill state: the
customers exactly, the storefront tokens re-issued with the same titles (new secrets by design),
the removed webhook re-created.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bulkhead.cli.main import app
from bulkhead.local import paths, runtime


def sandbox(state_dir: Path) -> dict[str, dict[str, dict[str, Any]]]:
    kept = json.loads((state_dir / "sandboxes.json").read_text())
    return dict(kept["acme-eu"]["collections"])


def test_restore_in_a_second_command_puts_the_sandbox_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "DEFAULT_STATE_DIR", tmp_path / "state")
    runner = CliRunner()
    with runtime.local_fabric(log_level="ERROR") as fresh:
        before = fresh.sandboxes["acme-eu"].snapshot()

    drilled = runner.invoke(app, ["drill", "--reports", str(tmp_path / "reports")])
    assert drilled.exit_code == 0, drilled.output
    incident = next(p.stem for p in (tmp_path / "reports").glob("inc-*.html"))
    contained = sandbox(tmp_path / "state")
    assert contained["storefront_tokens"] == {}
    assert contained["customers"] != before["customers"]  # tagged bulkhead-contained

    restored = runner.invoke(app, ["restore", incident])

    assert restored.exit_code == 0, restored.output
    assert "acme-eu" in restored.output
    after = sandbox(tmp_path / "state")
    assert after["customers"] == before["customers"]
    assert sorted(t["title"] for t in after["storefront_tokens"].values()) == sorted(
        t["title"] for t in before["storefront_tokens"].values()
    )
    assert sorted((h["topic"], h["uri"]) for h in after["webhooks"].values()) == sorted(
        (h["topic"], h["uri"]) for h in before["webhooks"].values()
    )
    # A second restore finds nothing left to undo and leaves the store as it is.
    again = runner.invoke(app, ["restore", incident])
    assert again.exit_code == 0, again.output
    assert sandbox(tmp_path / "state") == after


def test_restore_without_local_state_says_what_to_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "DEFAULT_STATE_DIR", tmp_path / "empty")
    result = CliRunner().invoke(app, ["restore", "inc-20261127-00000000"])
    assert result.exit_code == 1
    assert "run `bulkhead drill` first" in " ".join(result.output.split())
