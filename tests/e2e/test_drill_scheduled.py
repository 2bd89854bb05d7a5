"""The monthly drill without a person: StartScheduledDrill starts it, its end event is routed to
ScoreDrill, which scores it against the fully verified ledger, once."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bulkhead.local.runtime import DEFAULT_CONFIG, LocalFabric, local_fabric
from functions.common import clients
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.models import EntryType
from infra import fabric as fabric_spec


def config_with(tmp_path: Path, drills: dict[str, Any]) -> Path:
    config = json.loads(DEFAULT_CONFIG.read_text())
    config["drills"] = drills
    path = tmp_path / "bulkhead.json"
    path.write_text(json.dumps(config))
    return path


@pytest.fixture
def scheduled(tmp_path: Path) -> Iterator[LocalFabric]:
    drills = {"enabled": True, "store_id": "acme-eu", "scenario": "bulk-export-unknown-app"}
    with local_fabric(config_path=config_with(tmp_path, drills), log_level="ERROR") as running:
        yield running


def status_change(local: LocalFabric, arn: str) -> dict[str, Any]:
    """The event Step Functions puts on the default bus when an execution ends."""
    execution = local.execution(arn)
    return {
        "executionArn": arn,
        "stateMachineArn": execution["stateMachineArn"],
        "name": execution["name"],
        "status": execution["status"],
        "startDate": int(execution["startDate"].timestamp() * 1000),
        "stopDate": int(execution["stopDate"].timestamp() * 1000),
        "input": execution["input"],
        "inputDetails": {"included": True},
    }


def put_status_change(detail: dict[str, Any]) -> None:
    clients.client("events").put_events(
        Entries=[
            {
                "EventBusName": fabric_spec.EVENT_BUS_NAME,
                "Source": "aws.states",
                "DetailType": "Step Functions Execution Status Change",
                "Detail": json.dumps(detail),
            }
        ]
    )


def test_the_scheduled_drill_starts_once_and_its_end_is_scored_once(scheduled: LocalFabric) -> None:
    # When the monthly schedule fires, and the Scheduler retries the same run
    first = scheduled.invoke("StartScheduledDrill", {})
    again = scheduled.invoke("StartScheduledDrill", {})

    # Then one drill-mode execution of the Response machine runs on the configured sandbox store
    assert first["started"] is True and again["started"] is False
    assert "already started" in again["reason"] and again["incident_id"] == first["incident_id"]
    arn = first["execution_arn"]
    scheduled.executions.append(arn)
    scheduled.settle()
    given = json.loads(scheduled.execution(arn)["input"])
    assert (given["mode"], given["incident"]["store_id"]) == ("drill", "acme-eu")
    assert scheduled.execution(arn)["status"] == "SUCCEEDED"

    # When its end event reaches the bus (twice, as EventBridge may deliver), through the route's pattern
    put_status_change(status_change(scheduled, arn))
    scheduled.settle()
    put_status_change(status_change(scheduled, arn))
    scheduled.settle()

    # Then ScoreDrill recorded one scorecard, with the full verification, and it passed
    store = DynamoLedgerStore(clients.client("dynamodb"), scheduled.tables["Ledger"])
    scored = [e for e in store.entries(first["incident_id"]) if e.type is EntryType.DRILL_SCORED]
    assert len(scored) == 1
    data = scored[0].data
    assert (data["scenario"], data["passed"], data["ledger_fully_verified"]) == ("bulk-export-unknown-app", True, True)
    assert data["anchors_verified"] >= 3  # contained, notified, the response's end (declared is detection's)
    assert data["steps"]["not_covered"] >= 1  # detection: the drill started the state machine directly


def test_an_execution_that_is_not_a_drill_is_not_scored(scheduled: LocalFabric) -> None:
    detail = {
        "executionArn": "arn:aws:states:eu-west-1:123456789012:execution:bulkhead-Response:drill-x",
        "stateMachineArn": scheduled.state_machines["Response"],
        "name": "drill-x",
        "status": "SUCCEEDED",
        "startDate": 1_800_000_000_000,
        "input": json.dumps({"not": "an incident"}),
    }
    answer = scheduled.invoke(
        "ScoreDrill",
        {
            "version": "0",
            "id": "1",
            "detail-type": "x",
            "source": "aws.states",
            "account": "123456789012",
            "time": "2026-11-27T00:00:00Z",
            "region": "eu-west-1",
            "resources": [],
            "detail": detail,
        },
    )
    assert answer["scored"] is False and "not an IncidentDeclared" in answer["reason"]


def test_a_disabled_schedule_starts_nothing(tmp_path: Path) -> None:
    with local_fabric(config_path=config_with(tmp_path, {"enabled": False}), log_level="ERROR") as local:
        answer = local.invoke("StartScheduledDrill", {})
        assert answer["started"] is False and "drills.enabled is false" in answer["reason"]
        assert not local.running() and not local.executions
