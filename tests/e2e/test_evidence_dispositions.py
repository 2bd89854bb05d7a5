"""The dispositions of every signal an incident merged, in its evidence pack, end to end.

Given one app's bulk exports delivered as several webhooks within one correlation window (the first
declares, the rest merge) and one of them delivered twice, When the incident's pack is exported,
Then it carries exactly one disposition per distinct signal from the day chain `dispositions-<day>`,
with the signed heads that cover them; both verifiers accept it, SUMMARY.md lists them and says the
counts agree with the window's; and each tampering of that excerpt (modify, delete, reorder,
truncate) is named by both verifiers, with the day chain and its first bad entry.
"""

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bulkhead.cli.main import app
from bulkhead.local.drill import SANDBOX_SECRET_ID, bulk_export_webhook
from bulkhead.local.runtime import local_fabric
from functions.common import clients
from functions.ledger.canonical import canonical
from functions.ledger.chains import dispositions_chain
from tests.e2e.test_evidence_tampering import reseal, spec_verifier, verify

runner = CliRunner()
APP_ID = 771_000_013
DELIVERIES = ("disp-1", "disp-2", "disp-3", "disp-4")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One incident of four distinct deliveries and one redelivery, run on the local fabric; its pack."""
    root = tmp_path_factory.mktemp("dispositions")
    state = root / "state"
    triggered_at = datetime.now(UTC)
    with local_fabric(log_level="ERROR", state_dir=state) as local:
        secret = clients.client("secretsmanager").get_secret_value(SecretId=SANDBOX_SECRET_ID)["SecretString"]
        answers = []
        for webhook_id in (*DELIVERIES, DELIVERIES[1]):  # the second delivery is retried by Shopify
            headers, body = bulk_export_webhook(secret, event_id=webhook_id, app_id=APP_ID, triggered_at=triggered_at)
            answers.append(local.post("/webhooks/shopify", headers, body))
            local.settle(timeout_seconds=180)
        # A capture replayed after the replay window is refused and disposes of nothing
        stale = triggered_at - timedelta(days=2)
        headers, body = bulk_export_webhook(secret, event_id="disp-replayed", app_id=APP_ID, triggered_at=stale)
        replayed = local.post("/webhooks/shopify", headers, body)
        local.settle(timeout_seconds=60)
        incidents = {json.loads(local.execution(a)["input"])["incident"]["incident_id"] for a in local.executions}
    assert [a.status for a in answers] == [202] * 5 and replayed.status == 409
    [incident] = incidents
    pack = root / "pack"
    out = runner.invoke(app, ["evidence", "export", incident, "--state-dir", str(state), "--out", str(pack)])
    assert out.exit_code == 0, out.output
    key = json.loads((pack / "manifest.json").read_text())["signing_key"]["public_key_sha256"]
    return {"incident": incident, "pack": pack, "key": key, "output": out.output, "day": triggered_at}


def rows(pack: Path) -> list[dict[str, Any]]:
    return list(json.loads((pack / "views" / "signal_dispositions.json").read_text())["rows"])


def test_the_pack_holds_exactly_the_dispositions_of_the_incidents_signals(exported: dict[str, Any]) -> None:
    pack, incident = exported["pack"], exported["incident"]
    chain = dispositions_chain(exported["day"])

    carried = rows(pack)

    # one per distinct delivery, the redelivery and the stale replay add none
    assert sorted(r["data"]["signal_id"] for r in carried) == sorted(
        f"shopify:audit_events/admin_api_activity:{d}" for d in DELIVERIES
    )
    assert sorted(r["data"]["outcome"] for r in carried) == ["declared", "merged", "merged", "merged"]
    assert {(r["chain"], r["data"]["incident_id"], r["data"]["source"]) for r in carried} == {
        (chain, incident, "shopify.webhook")
    }
    # ...each only the facts an auditor samples: no customer, no payload
    assert {tuple(sorted(r["data"])) for r in carried} == {
        (
            "incident_id",
            "outcome",
            "reason",
            "received_at",
            "rule_id",
            "rulebook_version",
            "signal_id",
            "source",
            "topic",
            "window_sha256",
            "window_signals",
        )
    }
    # the excerpt of the day chain carries them with their hashes, and the signed head of each
    lines = [json.loads(t) for t in (pack / "dispositions" / chain / "entries.jsonl").read_text().splitlines()]
    assert {(r["seq"], r["entry_hash"]) for r in carried} <= {(line["seq"], line["hash"]) for line in lines}
    anchored = {int(p.name[:10]) for p in (pack / "dispositions" / chain / "anchors").glob("*.json")}
    assert {r["seq"] for r in carried} <= anchored
    # the window's counts, as the pack declares them
    [window] = json.loads((pack / "manifest.json").read_text())["dispositions"]["windows"]
    assert (window["signals"], window["declared"], window["merged"], window["ignored"]) == (4, 1, 3, 0)
    assert "signal dispositions: 4 (1 declared, 3 merged) from 1 day chains" in " ".join(exported["output"].split())
    assert json.loads((pack / "manifest.json").read_text())["format"] == "bulkhead-evidence/4"


def test_both_verifiers_accept_the_pack_and_the_summary_lists_the_signals(exported: dict[str, Any]) -> None:
    pack = exported["pack"]

    checked = verify(pack, "--expect-key-sha256", exported["key"])

    assert checked.returncode == 0, checked.stdout
    assert "4 signal dispositions verified in 1 day chains" in checked.stdout
    assert spec_verifier()(pack, exported["key"]) == []
    summary = (pack / "SUMMARY.md").read_text()
    assert "| signal | source | received (UTC) | disposition | reason | entry |" in summary
    for delivery in DELIVERIES:
        assert f"shopify:audit_events/admin_api_activity:{delivery} | shopify.webhook |" in summary
    assert "the counts agree: 1 declared, 3 merged, 0 ignored" in summary


# --- what a forger does to the dispositions excerpt ---------------------------------------------


def excerpt_file(pack: Path) -> Path:
    [folder] = (pack / "dispositions").iterdir()
    return folder / "entries.jsonl"


def edit_excerpt(pack: Path, change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> None:
    path = excerpt_file(pack)
    lines = [json.loads(t) for t in path.read_text().splitlines() if t]
    lines = change(lines)
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    # the forger makes the view and the manifest's count agree with the new excerpt
    manifest = json.loads((pack / "manifest.json").read_text())
    manifest["dispositions"]["chains"][path.parent.name]["entries"] = len(lines)
    (pack / "manifest.json").write_text(json.dumps(manifest))
    kept = {line["seq"] for line in lines}
    view = json.loads((pack / "views" / "signal_dispositions.json").read_text())
    by_seq = {line["seq"]: json.loads(line["body"]) for line in lines}
    view["rows"] = [{**row, "data": by_seq[row["seq"]]["data"]} for row in view["rows"] if row["seq"] in kept]
    order = [line["seq"] for line in lines]
    view["rows"].sort(key=lambda row: order.index(row["seq"]))
    (pack / "views" / "signal_dispositions.json").write_text(json.dumps(view))


def merged_reason_rewritten(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A merged signal said to be ignored: the hash is recomputed, the signed head is not."""
    line = next(t for t in lines if '"outcome":"merged"' in t["body"])
    body = json.loads(line["body"])
    body["data"]["outcome"] = "ignored"
    line["body"] = canonical(body).decode()
    return lines


def one_deleted(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    gone = first_merged(lines)
    return [t for t in lines if t is not gone]


def two_swapped(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    lines[0], lines[1] = lines[1], lines[0]
    return lines


def tail_truncated(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return lines[:-1]


def seq_of(pack: Path, pick: Callable[[list[dict[str, Any]]], dict[str, Any]]) -> int:
    return int(pick([json.loads(t) for t in excerpt_file(pack).read_text().splitlines() if t])["seq"])


def first_merged(lines: list[dict[str, Any]]) -> dict[str, Any]:
    return next(t for t in lines if '"outcome":"merged"' in t["body"])


# (tampering, the line it makes the first bad one, what the verifier says about it)
EXCERPT_TAMPERINGS: dict[str, tuple[Callable[..., Any], Callable[..., Any], str]] = {
    "modify": (merged_reason_rewritten, first_merged, "content does not match its hash (entry modified)"),
    "delete": (one_deleted, first_merged, "signed, but not in the pack (entry removed)"),
    "reorder": (two_swapped, lambda lines: lines[0], "(entries reordered)"),  # now the second line
    "truncate": (tail_truncated, lambda lines: lines[-1], "signed, but not in the pack (entry removed)"),
}


@pytest.mark.parametrize("name", list(EXCERPT_TAMPERINGS))
def test_each_tampering_of_the_dispositions_is_named_by_both_verifiers(
    name: str, exported: dict[str, Any], tmp_path: Path
) -> None:
    tamper, first_bad, named = EXCERPT_TAMPERINGS[name]
    pack = tmp_path / "pack"
    shutil.copytree(exported["pack"], pack)
    chain = excerpt_file(pack).parent.name
    bad_seq = seq_of(pack, first_bad)
    edit_excerpt(pack, tamper)
    reseal(pack)

    checked = verify(pack, "--expect-key-sha256", exported["key"])

    assert checked.returncode == 1, checked.stdout
    assert f"dispositions/{chain}: first bad entry: seq {bad_seq}: " in checked.stdout, checked.stdout
    assert named in checked.stdout, checked.stdout
    found = spec_verifier()(pack, exported["key"])
    assert any(f"rule 10: dispositions/{chain} seq {bad_seq}:" in f for f in found), found


def test_a_pack_carrying_fewer_dispositions_than_its_window_counts_is_refused(
    exported: dict[str, Any], tmp_path: Path
) -> None:
    # Given a forger who drops one merged disposition with its signed head, so the excerpt is consistent
    pack = tmp_path / "pack"
    shutil.copytree(exported["pack"], pack)
    dropped = seq_of(pack, first_merged)
    edit_excerpt(pack, one_deleted)
    for anchor in (excerpt_file(pack).parent / "anchors").glob(f"{dropped:010d}-*.json"):
        anchor.unlink()
    manifest = json.loads((pack / "manifest.json").read_text())
    manifest["dispositions"]["chains"][excerpt_file(pack).parent.name]["anchors"] -= 1
    (pack / "manifest.json").write_text(json.dumps(manifest))
    reseal(pack)

    checked = verify(pack, "--expect-key-sha256", exported["key"])

    # Then the count the window declares betrays it, and which window and outcome
    assert checked.returncode == 1, checked.stdout
    assert "count disagreement: correlation window" in checked.stdout
    assert "counts 3 merged signals" in checked.stdout and "the pack carries 2 merged dispositions" in checked.stdout
    found = spec_verifier()(pack, exported["key"])
    assert any("rule 10: count disagreement" in f and "3 merged" in f for f in found), found


def test_a_format_3_pack_still_verifies_and_the_verifier_says_what_it_cannot_check(
    exported: dict[str, Any], tmp_path: Path
) -> None:
    # Given the pack as format 3 wrote it: no dispositions of the day chains
    pack = tmp_path / "pack"
    shutil.copytree(exported["pack"], pack)
    shutil.rmtree(pack / "dispositions")
    (pack / "views" / "signal_dispositions.json").unlink()
    manifest = json.loads((pack / "manifest.json").read_text())
    del manifest["dispositions"]
    manifest["format"] = "bulkhead-evidence/3"
    (pack / "manifest.json").write_text(json.dumps(manifest))
    reseal(pack)

    checked = verify(pack, "--expect-key-sha256", exported["key"])

    assert checked.returncode == 0, checked.stdout
    assert "WARNING: a format-3 pack carries no dispositions of the signals the incident merged" in checked.stdout
    assert spec_verifier()(pack, exported["key"]) == []
    # And the same pack claiming format 4 is refused for what it lacks
    manifest["format"] = "bulkhead-evidence/4"
    (pack / "manifest.json").write_text(json.dumps(manifest))
    reseal(pack)
    refused = verify(pack, "--expect-key-sha256", exported["key"])
    assert refused.returncode == 1
    assert "missing part: the manifest says nothing of the signals' dispositions (format 4)" in refused.stdout
    assert spec_verifier()(pack, exported["key"]) == ["rule 10: the manifest has no dispositions member"]
