"""Bounce and complaint feedback on the local fabric, wired as in AWS: the notices configuration set's
SNS event destination (NotificationFeedback) -> RecordNotificationFeedback -> counts in the ledger."""

import json
from pathlib import Path

from bulkhead.drills.runner import run_scenario
from bulkhead.local.runtime import DEFAULT_CONFIG, local_fabric
from functions.drills.adapters.catalogue import find_scenario
from functions.ledger.models import EntryType

BOUNCE = "bounce@simulator.amazonses.com"


def test_a_drill_sinking_into_the_bounce_simulator_records_bounce_counts(tmp_path: Path) -> None:
    # Given a firm whose drill sink is the SES mailbox simulator's bounce address
    config = json.loads(DEFAULT_CONFIG.read_text())
    config["notices"]["drill_sink_email"] = BOUNCE
    path = tmp_path / "bulkhead.json"
    path.write_text(json.dumps(config))

    with local_fabric(config_path=path, log_level="ERROR") as local:
        # When a drill notifies the store's affected customers (all redirected to the sink)
        result = run_scenario(local, find_scenario("bulk-export-unknown-app"), reports=None)

        # Then SES's bounce events came back through the topic and were counted on the incident's chain
        assert result.scorecard is not None and result.verdict is not None and result.verdict.valid
        emailed = sum(e.data["emailed"] for e in result.entries if e.type is EntryType.NOTIFICATION_BATCH_SENT)
        bounced = [e for e in result.entries if e.type is EntryType.NOTIFICATION_FEEDBACK]
        assert emailed > 0
        assert sum(e.data["bounces"] for e in bounced) == emailed
        assert sum(e.data["permanent_bounces"] for e in bounced) == emailed
        assert sum(e.data["complaints"] + e.data["deliveries"] for e in bounced) == 0
        # ...as counts only: no address reaches the ledger
        assert "simulator.amazonses.com" not in json.dumps([e.data for e in bounced])
        feedback = [i for i in local.invocations.items() if i.function_name == "bulkhead-RecordNotificationFeedback"]
        assert feedback and not any(i.error for i in feedback)
