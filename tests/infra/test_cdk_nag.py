"""cdk-nag's AwsSolutions, Serverless, NIST 800-53 rev 5 and PCI DSS 3.2.1 packs run at synth as
policy-validation plugins: nothing unacknowledged, and every acknowledgement says why."""

import pytest

from infra.constructs.nag import PACKS
from tests.infra.conftest import Synthesized

MIN_REASON = 40


def test_synth_passes_validation(synthesized: Synthesized):
    assert synthesized.error is None, synthesized.error


@pytest.mark.parametrize("pack", PACKS)
def test_each_pack_ran_and_reported_no_unacknowledged_finding(synthesized: Synthesized, pack: str):
    assert synthesized.report is not None, "no validation-report.json: did the cdk-nag plugins run?"
    reports = {r["pluginName"]: r for r in synthesized.report["pluginReports"]}
    assert pack in reports, sorted(reports)
    assert reports[pack]["conclusion"] == "success", pack
    assert reports[pack].get("violations", []) == [], [v["ruleName"] for v in reports[pack]["violations"]]


@pytest.mark.parametrize("pack", PACKS)
def test_every_acknowledgement_is_pack_prefixed_and_gives_a_reason(synthesized: Synthesized, pack: str):
    assert synthesized.report is not None
    report = next(r for r in synthesized.report["pluginReports"] if r["pluginName"] == pack)
    suppressed = report.get("suppressedViolations", [])
    assert suppressed, f"expected the known, acknowledged {pack} findings (e.g. functions outside a VPC)"
    for violation in suppressed:
        assert violation["acknowledgedId"].startswith(f"{pack}::{pack}-"), violation["acknowledgedId"]
        assert len(violation["reason"]) >= MIN_REASON, violation
