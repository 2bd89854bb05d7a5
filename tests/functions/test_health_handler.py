"""The CheckControlHealth Lambda handler against the local fabric (moto, sandbox stores)."""

from bulkhead.drills.controls import break_control, install_controls, run_flow_schedule
from bulkhead.local.runtime import LocalFabric
from functions.common import clients
from functions.common.wiring import firm_config
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.models import EntryType


def health_entries(fabric: LocalFabric, checked_at: str) -> list[dict[str, object]]:
    store = DynamoLedgerStore(clients.client("dynamodb"), fabric.tables["Ledger"])
    return [e.data for e in store.entries(f"health-{checked_at[:10]}") if e.type is EntryType.HEALTH_CHECKED]


def test_the_handler_checks_every_control_and_records_the_run(fabric: LocalFabric) -> None:
    install_controls(fabric, firm_config())
    run_flow_schedule(fabric, firm_config())  # the day's Flow heartbeat arrived

    report = fabric.invoke("CheckControlHealth", {})

    assert report["healthy"] is True, [c["message"] for c in report["checks"] if not c["healthy"]]
    controls = {c["control"] for c in report["checks"]}
    assert {"shopify.scopes", "ses.identity", "ses.production_access", "ses.quota", "oncall.subscriptions"} <= controls
    assert {"shopify.flow", "shopify.metafield.degradation", "adobe_commerce.companion"} <= controls
    assert health_entries(fabric, report["checked_at"]) == [
        {"healthy": True, "checks": len(report["checks"]), "broken": []}
    ]


def test_the_handler_names_a_removed_webhook(fabric: LocalFabric) -> None:
    config = firm_config()
    install_controls(fabric, config)
    run_flow_schedule(fabric, config)
    break_control(fabric, config, "webhook")

    report = fabric.invoke("CheckControlHealth", {})

    assert [c["message"] for c in report["checks"] if not c["healthy"]] == [
        "webhook subscription BULK_OPERATIONS_FINISH is missing"
    ]
    assert health_entries(fabric, report["checked_at"])[0]["healthy"] is False


def test_the_handler_can_check_without_recording(fabric: LocalFabric) -> None:
    install_controls(fabric, firm_config())
    report = fabric.invoke("CheckControlHealth", {"record": False})
    assert health_entries(fabric, report["checked_at"]) == []


def test_the_handler_names_missing_flow_deliveries(fabric: LocalFabric) -> None:
    # Given no Flow request ever arrived from the Shopify store (its workflows are off)
    install_controls(fabric, firm_config())

    report = fabric.invoke("CheckControlHealth", {"record": False})

    assert [(c["control"], c["store_id"]) for c in report["checks"] if not c["healthy"]] == [
        ("shopify.flow", "acme-eu")
    ]
