"""The drill report renders in a real headless Chromium: the timeline bars, the scorecard, the ledger verdict."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bulkhead.drills.runner import run_scenario
from bulkhead.local.runtime import LocalFabric
from bulkhead.local.timeline import grouped
from functions.drills.adapters.catalogue import find_scenario

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install -y chromium)")
    return found


def browse(report: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, report.resolve().as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)


def test_the_report_renders_in_headless_chromium(fabric: LocalFabric, tmp_path: Path) -> None:
    result = run_scenario(fabric, find_scenario("bulk-export-unknown-app"), reports=tmp_path / "reports")
    assert result.report is not None and result.scorecard is not None

    dom = browse(result.report, tmp_path / "profile", "--dump-dom").stdout
    shot = tmp_path / "report.png"
    browse(result.report, tmp_path / "profile", "--window-size=1100,1400", f"--screenshot={shot}")

    # Every step of the timeline is a bar on the time axis, in the order it ran
    bars = re.findall(r'<rect class="bar" data-step="([^"]+)"', dom)
    assert bars == [s.name for s in grouped(result.steps)]
    assert bars[:3] == ["ReceiveWebhook", "DetectIncident", "PlanResponse"]
    assert re.search(r"<text[^>]*>0 ms</text>", dom)
    # The scorecard lists every check, and the verdict matches it
    assert dom.count('<tr class="check">') == len(result.scorecard.steps)
    assert ('id="verdict" class="verdict pass"' in dom) is result.passed
    # The ledger verification shows the chain including the scorecard entry
    assert 'id="ledger" data-valid="true"' in dom
    assert "drill.scored" in dom
    assert result.verdict is not None and f"{result.verdict.entries} entries" in dom
    # ...and the full verification: each signed milestone head, checked against the key and its anchor
    milestones = re.findall(r'<tr class="anchor"><td>([a-z]+)</td>', dom)
    assert milestones == [a.milestone.value for a in result.verdict.anchors]
    assert {"declared", "contained", "notified"} <= set(milestones)
    # (`closed` only where the response closed the incident; with the app's uninstall open it did not)
    types = [e.type.value for e in result.entries]
    assert ("closed" in milestones) == ("incident.closed" in types)
    assert ("response.completed" in types) == ("action.manual_task" in types)
    assert "✘" not in dom.split('id="anchors"')[1].split("</table>")[0]
    # A real page was drawn: a PNG of the requested size with more than a blank background
    header = shot.read_bytes()
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(header[16:20], "big") == 1100
    assert len(header) > 30_000


def test_fifty_deliveries_are_one_row_and_the_manual_task_is_named(fabric: LocalFabric, tmp_path: Path) -> None:
    # Given the insider drill: 50 signed Adobe Commerce deliveries, then a response with a manual task
    result = run_scenario(fabric, find_scenario("insider-admin-export-magento"), reports=tmp_path / "reports")
    assert result.report is not None
    deliveries = sum(1 for s in result.steps if s.name == "ReceiveAdobeCommerceWebhook")
    assert deliveries >= 50
    # When the report is opened in a browser
    dom = browse(result.report, tmp_path / "profile", "--dump-dom").stdout
    # Then the deliveries are one row with their count, not one row each
    bars = re.findall(r'<rect class="bar" data-step="([^"]+)" data-count="(\d+)"', dom)
    assert bars.count(("ReceiveAdobeCommerceWebhook", str(deliveries))) == 1
    detections = sum(1 for s in result.steps if s.name == "DetectIncident")
    assert bars.count(("DetectIncident", str(detections))) == 1
    # ...so the 100-odd steps that ran read as a few dozen rows at most (a step the parallel branches
    # interleave with others may show as more than one row)
    assert len(bars) < 30 < len(result.steps)
    # ...and the manual task (disable the integration) is named with what to do
    tasks = re.findall(r'<tr class="task"><td><code>([^<]+)</code></td><td>([^<]+)</td>', dom)
    assert [kind for _, kind in tasks] == ["magento.disable_integration"]
    # ...and the incident is left open for a person, which the report says, and the drill still scores
    assert "incident.closed" not in [e.type.value for e in result.entries]
    assert "the incident awaits a person to close it: 1 manual tasks are open" in " ".join(dom.split())
    assert result.scorecard is not None
    closed = next(c for c in result.scorecard.steps if c.step == "response closed")
    assert closed.status.value == "passed" and "awaits a person" in closed.actual
