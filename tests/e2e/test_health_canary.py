"""`bulkhead health` locally: the canary against the sandbox stores and the local fabric."""

from datetime import UTC, datetime, timedelta

import pytest

from bulkhead.drills.controls import break_control, install_controls, run_local_canary
from bulkhead.local.runtime import LocalFabric
from functions.common import clients
from functions.common.wiring import firm_config
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.models import EntryType


def drift_metric() -> list[float]:
    statistics = clients.client("cloudwatch").get_metric_data(
        MetricDataQueries=[
            {
                "Id": "drift",
                "MetricStat": {
                    "Metric": {"Namespace": "Bulkhead", "MetricName": "ControlHealthFailures"},
                    "Period": 60,
                    "Stat": "Maximum",
                },
            }
        ],
        StartTime=datetime.now(UTC) - timedelta(minutes=10),
        EndTime=datetime.now(UTC) + timedelta(minutes=10),
    )
    return list(statistics["MetricDataResults"][0]["Values"])


def test_installed_controls_are_healthy_and_the_run_is_recorded(fabric: LocalFabric) -> None:
    config = firm_config()
    install_controls(fabric, config)

    report = run_local_canary(fabric, config)

    assert report.healthy, [c.message for c in report.broken()]
    assert {c.store_id for c in report.checks} >= {"acme-eu", "acme-us"}
    store = DynamoLedgerStore(clients.client("dynamodb"), fabric.tables["Ledger"])
    entries = list(store.entries(f"health-{report.checked_at:%Y-%m-%d}"))
    assert [e.type for e in entries] == [EntryType.HEALTH_CHECKED]
    assert entries[0].data["healthy"] is True
    assert drift_metric() == [0.0]


@pytest.mark.parametrize(
    ("control", "named"),
    [
        ("webhook", "webhook subscription BULK_OPERATIONS_FINISH is missing"),
        ("scope", "scope revoked or never granted: write_customers"),
        ("function", "Shopify Function Bulkhead checkout pause (cart and checkout validation) is disabled"),
        (
            "adobe-webhook",
            "Adobe Commerce webhook plugin.magento.sales.api.order_management.place (checkout gate) is not installed",
        ),
        ("oncall", "nobody would be paged"),
    ],
)
def test_a_deliberately_broken_control_fails_the_canary_by_name(fabric: LocalFabric, control: str, named: str) -> None:
    config = firm_config()
    install_controls(fabric, config)
    assert run_local_canary(fabric, config, record=False).healthy

    break_control(fabric, config, control)
    report = run_local_canary(fabric, config)

    assert not report.healthy
    assert [named in c.message for c in report.broken()] == [True]
    store = DynamoLedgerStore(clients.client("dynamodb"), fabric.tables["Ledger"])
    recorded = list(store.entries(f"health-{report.checked_at:%Y-%m-%d}"))[-1]
    assert named in recorded.data["broken"][0]["message"]
    assert drift_metric() == [1.0]
