"""`bulkhead health` locally: the canary against the sandbox stores and the local fabric."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bulkhead.drills.controls import break_control, install_controls, run_flow_schedule, run_local_canary
from bulkhead.local.runtime import LocalFabric
from functions.common import clients, wiring
from functions.common.errors import PermanentActionFailure
from functions.common.wiring import firm_config
from functions.detection.adapters.dynamodb import DynamoDispositionStore
from functions.health.adapters.platforms import AdobeCommerceControls
from functions.health.models import ADOBE_WEBHOOKS
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
    assert {c.control for c in report.checks} >= {
        "shopify.metafield.degradation",
        "shopify.payment_customization.activation",
        "adobe_commerce.companion",
    }
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
        ("metafield", "shop metafield $app:bulkhead/degradation is missing"),
        (
            "payment-activation",
            "payment customization Bulkhead payment restrictions is not activated while a rule restricts payments",
        ),
        ("adobe-module", "Bulkhead_Companion is disabled or not installed: GET /V1/bulkhead/status answered 404"),
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


def test_webhooks_a_module_update_dropped_fail_the_canary_by_name_and_version(fabric: LocalFabric) -> None:
    # Given installed controls, then a companion module update whose webhooks.xml lost the gates
    config = firm_config()
    install_controls(fabric, config)
    assert run_local_canary(fabric, config, record=False).healthy

    break_control(fabric, config, "adobe-module-update")
    report = run_local_canary(fabric, config)

    # Then the module is still enabled, at its new version, and every gate webhook is named missing
    assert [(c.control, c.healthy) for c in report.checks if c.control == "adobe_commerce.companion"] == [
        ("adobe_commerce.companion", True)
    ]
    assert [c.control for c in report.broken()] == [
        "adobe_commerce.webhook.plugin.magento.sales.api.order_management.place",
        "adobe_commerce.webhook.plugin.magento.customer.api.account_management.authenticate",
    ]
    assert all(c.message.endswith("is not installed (module Bulkhead_Companion 1.1.0)") for c in report.broken())
    assert drift_metric() == [2.0]


def test_a_disabled_companion_module_answers_404_on_every_companion_route(fabric: LocalFabric) -> None:
    # Given the module disabled on the sandbox store (bin/magento module:disable Bulkhead_Companion)
    config = firm_config()
    install_controls(fabric, config)
    adobe = next(s for s in config.stores if s.platform.value == "adobe_commerce")
    controls = AdobeCommerceControls(httpx.Client(), lambda store: wiring.secret(store.admin_token_secret_id))
    assert controls.companion_status(adobe).enabled

    break_control(fabric, config, "adobe-module")

    # Then its routes are gone, as an unknown route's are, while core routes still answer
    with pytest.raises(PermanentActionFailure, match="Bulkhead_Companion is disabled or not installed"):
        controls.companion_status(adobe)
    assert [h.topic for h in controls.webhooks(adobe)] == list(ADOBE_WEBHOOKS)


def test_the_flow_heartbeat_arrives_as_a_disposition_and_keeps_the_flow_check_healthy(fabric: LocalFabric) -> None:
    # Given the shipped Flow workflows built and on in the sandbox store
    config = firm_config()
    install_controls(fabric, config)

    # When the canary checks, after Flow's schedule ran once (run_local_canary plays it first)
    report = run_local_canary(fabric, config)

    # Then detection recorded the heartbeat as an ignored signal, and the Flow check names its age
    day = f"{report.checked_at:%Y-%m-%d}"
    windows = DynamoDispositionStore(clients.client("dynamodb"), fabric.tables["Dispositions"]).day(day)
    heartbeats = [w for w in windows if w.window.startswith("ignored|acme-eu|flow/heartbeat|")]
    assert [(w.store_id, w.signals, w.declared) for w in heartbeats] == [("acme-eu", 1, False)]
    [flow] = [c for c in report.checks if c.control == "shopify.flow"]
    assert (flow.store_id, flow.healthy) == ("acme-eu", True)
    assert flow.message.startswith("last Shopify Flow delivery ") and flow.message.endswith(" h ago")


def test_a_flow_workflow_turned_off_fails_the_canary_by_name(fabric: LocalFabric) -> None:
    # Given the heartbeat workflow turned off before any delivery arrived
    config = firm_config()
    install_controls(fabric, config)
    break_control(fabric, config, "flow")
    assert run_flow_schedule(fabric, config) == 0

    report = run_local_canary(fabric, config)

    assert [(c.control, c.store_id) for c in report.broken()] == [("shopify.flow", "acme-eu")]
    assert report.broken()[0].message.startswith("no Shopify Flow delivery (flow/heartbeat or other) in 26 h")
    assert drift_metric() == [1.0]


def test_installing_again_never_overwrites_modes_in_force(fabric: LocalFabric) -> None:
    # Given a store whose metafield restricts payments (its payment customization switched off)
    config = firm_config()
    install_controls(fabric, config)
    break_control(fabric, config, "payment-activation")

    # When the controls are installed again (every `bulkhead health` does)
    install_controls(fabric, config)
    report = run_local_canary(fabric, config, record=False)

    # Then the restricting modes are still what the functions read, and the drift is still named
    [metafield] = [c for c in report.checks if c.control == "shopify.metafield.degradation"]
    assert metafield.healthy and "(1 rule(s))" in metafield.message
    assert [c.control for c in report.broken()] == ["shopify.payment_customization.activation"]
