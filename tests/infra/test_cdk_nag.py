"""cdk-nag's AwsSolutions pack runs at synth as a policy-validation plugin: nothing unacknowledged."""

from tests.infra.conftest import Synthesized

MIN_REASON = 40


def test_synth_passes_validation(synthesized: Synthesized):
    assert synthesized.error is None, synthesized.error


def test_the_aws_solutions_pack_ran_and_reported_no_unacknowledged_finding(synthesized: Synthesized):
    assert synthesized.report is not None, "no validation-report.json: did the cdk-nag plugin run?"
    reports = {r["pluginName"]: r for r in synthesized.report["pluginReports"]}
    assert "AwsSolutions" in reports
    for name, report in reports.items():
        assert report["conclusion"] == "success", name
        assert report.get("violations", []) == [], [v["ruleName"] for v in report["violations"]]


def test_every_acknowledgement_is_pack_prefixed_and_gives_a_reason(synthesized: Synthesized):
    assert synthesized.report is not None
    suppressed = [v for r in synthesized.report["pluginReports"] for v in r.get("suppressedViolations", [])]
    assert suppressed, "expected the known, acknowledged findings (X-Ray resource '*', runtime pin, webhook auth)"
    for violation in suppressed:
        assert violation["acknowledgedId"].startswith("AwsSolutions::AwsSolutions-"), violation["acknowledgedId"]
        assert len(violation["reason"]) >= MIN_REASON, violation
