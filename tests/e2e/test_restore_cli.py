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

from bulkhead.cli.local import fabric as local_service
from bulkhead.cli.main import app
from bulkhead.local import client, paths, runtime
from bulkhead.sandbox.fixtures import HEADLESS_APP
from bulkhead.sandbox.shopify.apps_model import BULKHEAD_APP
from functions.common import clients
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.models import LedgerEntry


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
    # Bulkhead's own token is revoked; the headless channel's are the merchant's to rotate
    assert [t["_app"] for t in contained["storefront_tokens"].values()] == [HEADLESS_APP, HEADLESS_APP]

    # A restore is done by a person of the roster: anyone else is refused, naming the field, changing nothing
    stranger = runner.invoke(app, ["restore", incident, "--as", "Mallory"])
    said = " ".join(stranger.output.split())
    assert stranger.exit_code == 2 and "--as" in said and "'Mallory' is not a person of the roster" in said, said
    nobody = runner.invoke(app, ["restore", incident])
    said = " ".join(nobody.output.split())
    assert nobody.exit_code == 2 and "--as" in said and "name the roster person who acts" in said, said
    assert "maria-keller, tom-baker" in said  # the roster ids, to choose from
    assert sandbox(tmp_path / "state") == contained

    restored = runner.invoke(app, ["restore", incident, "--as", "Maria Keller"])

    assert restored.exit_code == 0, restored.output
    assert "acme-eu" in restored.output
    # The figures printed are the ones the ledger recorded, and the drill's mode is cleared
    recorded = completed(tmp_path / "state", incident)
    printed = " ".join(restored.output.split())
    # (removing subscriptions changed nothing, since all of Bulkhead's own are trusted: its restore says so)
    assert f"{recorded['reverted']} reverted (changed)" in printed and recorded["reverted"] == 1
    assert f"{recorded['unchanged']} already as before" in printed and recorded["unchanged"] == 1
    # (the drill ended its own degradation mode before it closed: none is left for the restore)
    assert f"{recorded['modes_cleared']} modes cleared" in printed and recorded["modes_cleared"] == 0
    assert f"Restore of {incident} by person:Maria Keller" in printed
    # ...and per action: before -> after and whether the read-back verified it, as each entry records it
    for entry in reverts(tmp_path / "state", incident):
        was = ", ".join(f"{k} {v}" for k, v in sorted(entry.data["before"].items()) if k != "sha256")
        now = ", ".join(f"{k} {v}" for k, v in sorted(entry.data["after"].items()) if k != "sha256")
        assert f"{entry.data['action_id']} {entry.data['kind']}: reverted" in printed
        assert f"before {was} -> after {now}; verified yes" in printed
        assert entry.actor == "person:Maria Keller"
    # ...and the evidence pack's who_acted view names her for the restore
    pack = tmp_path / "evidence"
    exported = runner.invoke(app, ["evidence", "export", incident, "--out", str(pack)])
    assert exported.exit_code == 0, exported.output
    who = json.loads((pack / "views" / "who_acted.json").read_text())["rows"]
    restore_rows = [r for r in who if r["type"] in ("action.reverted", "restore.completed")]
    assert len(restore_rows) == 3 and {r["actor"] for r in restore_rows} == {"person:Maria Keller"}

    after = sandbox(tmp_path / "state")
    assert after["customers"] == before["customers"]
    assert sorted(t["title"] for t in after["storefront_tokens"].values()) == sorted(
        t["title"] for t in before["storefront_tokens"].values()
    )
    assert sorted((h["topic"], h["uri"]) for h in after["webhooks"].values()) == sorted(
        (h["topic"], h["uri"]) for h in before["webhooks"].values()
    )
    # A second restore finds nothing left to undo and leaves the store as it is.
    again = runner.invoke(app, ["restore", incident, "--as", "Tom Baker"])
    assert again.exit_code == 0, again.output
    assert sandbox(tmp_path / "state") == after
    assert "0 reverted (changed), 0 already as before, 2 reverted earlier" in " ".join(again.output.split())
    assert "safe to repeat" in " ".join(again.output.split())
    # An unknown incident and a mistyped id are refused, saying why, and change nothing
    unknown = runner.invoke(app, ["restore", "inc-20261127-deadbeef", "--as", "Maria Keller"])
    assert unknown.exit_code == 1 and "UnknownIncident" in unknown.output and "check the id" in unknown.output
    typo = runner.invoke(app, ["restore", "inc-2026_BAD"])
    assert typo.exit_code == 2 and "'inc-2026_BAD' is malformed" in " ".join(typo.output.split())
    assert sandbox(tmp_path / "state") == after


def entries_of(state_dir: Path, incident: str) -> list[LedgerEntry]:
    with local_service(state_dir) as service:
        ledger_table = service.describe()["tables"]["Ledger"]
        return list(DynamoLedgerStore(clients.client("dynamodb"), ledger_table).entries(incident))


def completed(state_dir: Path, incident: str) -> dict[str, Any]:
    """The restore.completed entry the first restore left in the incident's ledger."""
    return next(e.data for e in entries_of(state_dir, incident) if e.type.value == "restore.completed")


def reverts(state_dir: Path, incident: str) -> list[LedgerEntry]:
    return [e for e in entries_of(state_dir, incident) if e.type.value == "action.reverted"]


def test_restore_without_local_state_says_what_to_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "DEFAULT_STATE_DIR", tmp_path / "empty")
    result = CliRunner().invoke(app, ["restore", "inc-20261127-00000000"])
    assert result.exit_code == 1
    assert "run `bulkhead drill` first" in " ".join(result.output.split())


def test_a_restore_the_store_refuses_is_reported_failed_by_name_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a drilled incident, and a store that now holds 100 of Bulkhead's storefront tokens: the
    # most an app may have, so re-issuing the revoked one is refused ("Too many tokens")
    monkeypatch.setattr(paths, "DEFAULT_STATE_DIR", tmp_path / "state")
    runner = CliRunner()
    drilled = runner.invoke(app, ["drill", "--reports", str(tmp_path / "reports")])
    assert drilled.exit_code == 0, drilled.output
    incident = next(p.stem for p in (tmp_path / "reports").glob("inc-*.html"))
    client.stop_started()  # the service keeps the sandboxes in sandboxes.json while it is down
    kept = json.loads((tmp_path / "state" / "sandboxes.json").read_text())
    tokens = kept["acme-eu"]["collections"]["storefront_tokens"]
    for n in range(100):
        gid = f"gid://shopify/StorefrontAccessToken/{990_000 + n}"
        tokens[gid] = {
            "_app": BULKHEAD_APP,
            "__typename": "StorefrontAccessToken",
            "id": gid,
            "title": f"Campaign storefront {n}",
            "accessToken": f"{n:032x}",
            "accessScopes": [{"handle": "unauthenticated_read_product_listings"}],
            "createdAt": "2026-11-30T09:00:00Z",
        }
    (tmp_path / "state" / "sandboxes.json").write_text(json.dumps(kept))

    restored = runner.invoke(app, ["restore", incident, "--as", "Maria Keller"])

    # Then the restore exits 1 naming the action that was not restored, and prints the ledger's figures
    printed = " ".join(restored.output.split())
    recorded = completed(tmp_path / "state", incident)
    (failed,) = recorded["failed_actions"]
    assert restored.exit_code == 1, restored.output
    assert f"Not restored (on-call paged): {failed}" in printed
    assert f"{recorded['failed']} failed" in printed and recorded["failed"] == 1
    assert f"{recorded['unchanged']} already as before" in printed and recorded["unchanged"] == 1
    assert f"{failed} shopify.revoke_storefront_token: failed" in printed
    # ...and it is not recorded as reverted: the next restore tries it again
    assert failed not in [e.data["action_id"] for e in reverts(tmp_path / "state", incident)]
