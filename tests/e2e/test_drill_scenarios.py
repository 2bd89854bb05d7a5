"""Every scenario of the catalogue passes on the local fabric, and leaves its scorecard in the ledger."""

from pathlib import Path

import pytest

from bulkhead.drills.runner import run_scenario
from bulkhead.local.runtime import LocalFabric
from functions.drills.adapters.catalogue import load_catalogue
from functions.drills.models import CheckStatus
from functions.ledger.models import EntryType

CATALOGUE = load_catalogue()


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_a_scenario_passes_and_its_scorecard_is_recorded(fabric: LocalFabric, name: str, tmp_path: Path) -> None:
    scenario = CATALOGUE[name]

    result = run_scenario(fabric, scenario, reports=tmp_path)

    assert result.scorecard is not None, result.problem
    card = result.scorecard
    failed = [f"{c.step}: {c.actual}" for c in card.steps if c.status is CheckStatus.FAILED]
    failed += [f"time to {t.measure.value}: {t.seconds}" for t in card.times if t.status is CheckStatus.FAILED]
    assert result.passed, failed
    # Hand-declared scenarios say so: detection is not covered, never silently passed
    detected = next(c for c in card.steps if c.step == "incident detected")
    assert (detected.status is CheckStatus.NOT_COVERED) is any(g.startswith("detection") for g in card.gaps)
    # The scorecard is the chain's last entry, the chain still verifies, and the report is written
    last = result.entries[-1]
    assert last.type is EntryType.DRILL_SCORED
    assert (last.data["scenario"], last.data["passed"]) == (name, True)
    assert result.verdict is not None and result.verdict.valid
    assert result.report is not None and result.report.exists()
    # A response that waits for a human is approved by the drill, and the approval is on record
    if scenario.expected.approval:
        granted = next(e for e in result.entries if e.type is EntryType.APPROVAL_GRANTED)
        assert granted.actor == "operator:drill-approver"
