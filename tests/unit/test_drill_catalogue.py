"""The scenario catalogue: every scenario file validates, and a bad one is named with its field."""

import json
from pathlib import Path

import pytest

from functions.common.errors import ConfigurationError
from functions.containment.models import ActionKind
from functions.detection import rules as rulebook
from functions.drills.adapters.catalogue import DEFAULT_DIRECTORY, find_scenario, load_catalogue
from functions.drills.models import AdobeCommerceWebhook, Declaration, ShopifyWebhook

REQUIRED = {
    "bulk-export-unknown-app",
    "compromised-storefront-token",
    "skimmer-theme-published",
    "credential-stuffing-login",
    "macie-customer-exports",
    "insider-admin-export-magento",
}


def test_the_catalogue_holds_every_required_scenario() -> None:
    catalogue = load_catalogue()
    assert set(catalogue) >= REQUIRED
    for scenario in catalogue.values():
        assert scenario.expected.notify_customers in (True, False)
        assert all(isinstance(a, ActionKind) for a in scenario.expected.actions)


def test_webhook_scenarios_expect_a_rule_that_detection_has() -> None:
    rules = {r.rule_id: r for r in rulebook.default_rules()}
    for scenario in load_catalogue().values():
        if any(isinstance(s, ShopifyWebhook) for s in scenario.signals):
            rule = rules[scenario.expected.rule_id]
            assert scenario.expected.severity is rule.severity
            assert {s.topic for s in scenario.signals if isinstance(s, ShopifyWebhook)} <= set(rule.topics)


def test_adobe_commerce_scenarios_sign_deliveries_of_events_ingest_accepts() -> None:
    from functions.ingest.adobe import TOPIC_CATEGORIES

    commerce = [s for s in load_catalogue().values() if any(isinstance(i, AdobeCommerceWebhook) for i in s.signals)]
    assert {s.name for s in commerce} >= {"credential-stuffing-login", "insider-admin-export-magento"}
    rules = {r.rule_id: r for r in rulebook.default_rules()}
    for scenario in commerce:
        events = {i.event for i in scenario.signals if isinstance(i, AdobeCommerceWebhook)}
        assert events <= set(TOPIC_CATEGORIES)
        # and detection has the rule the scenario expects, reading those events
        assert events <= set(rules[scenario.expected.rule_id].topics)
        assert scenario.fallback is not None  # `--target aws` starts the state machine with it


def test_hand_declared_scenarios_say_so_and_carry_their_rule() -> None:
    for scenario in load_catalogue().values():
        declared = [s for s in scenario.signals if isinstance(s, Declaration)]
        if declared:
            assert "by hand" in scenario.description


def test_a_bad_scenario_file_names_the_file_and_the_field(tmp_path: Path) -> None:
    source = json.loads((DEFAULT_DIRECTORY / "bulk-export-unknown-app.json").read_text())
    source["expected"]["severity"] = "apocalyptic"
    (tmp_path / "bulk-export-unknown-app.json").write_text(json.dumps(source))

    with pytest.raises(ConfigurationError, match=r"bulk-export-unknown-app.json: expected.severity"):
        load_catalogue(tmp_path)


def test_an_unknown_scenario_lists_the_ones_there_are() -> None:
    with pytest.raises(ConfigurationError, match=r"no scenario .nope.; choose one of: .*bulk-export-unknown-app"):
        find_scenario("nope")


def test_a_declaration_must_declare_the_expected_rule(tmp_path: Path) -> None:
    source = json.loads((DEFAULT_DIRECTORY / "credential-stuffing-login.json").read_text())
    source["fallback"]["rule_id"] = "something-else"
    (tmp_path / "credential-stuffing-login.json").write_text(json.dumps(source))
    with pytest.raises(ConfigurationError, match="is not the expected"):
        load_catalogue(tmp_path)
