"""The firm configuration: one validated model; an error names the field."""

import json
from pathlib import Path

import pytest

from functions.common.config import Regime, parse_config
from functions.common.errors import ConfigurationError

LOCAL = Path(__file__).parents[2] / "config" / "bulkhead.local.json"


def test_the_local_configuration_is_valid() -> None:
    firm = parse_config(LOCAL.read_text())
    assert firm.store("acme-eu").sandbox
    assert firm.store_for_domain("ACME-WEALTH-EU.myshopify.com") is not None


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda c: c["stores"][0].update(platform="woocommerce"), "stores.0.platform"),
        (lambda c: c["stores"][1].update(shop_domain="https://x.example/"), "stores.1.shop_domain"),
        (lambda c: c["policy"].update(approval_timeout_seconds=5), "policy.approval_timeout_seconds"),
        (lambda c: c.pop("firm_name"), "firm_name"),
        (lambda c: c["stores"][1].update(store_id="acme-eu"), "configured twice"),
        (lambda c: c.update(colour="blue"), "colour"),
    ],
)
def test_an_invalid_configuration_names_the_field(change, named: str) -> None:
    config = json.loads(LOCAL.read_text())
    change(config)
    with pytest.raises(ConfigurationError) as invalid:
        parse_config(json.dumps(config), origin="test.json")
    assert named in str(invalid.value)
    assert str(invalid.value).startswith("test.json:")


def test_invalid_json_says_where() -> None:
    with pytest.raises(ConfigurationError, match="not valid JSON"):
        parse_config("{", origin="broken.json")


@pytest.mark.parametrize("name", ["bulkhead.example.json", "bulkhead.local.json"])
def test_the_example_configurations_name_the_competent_authority_for_each_store(name: str) -> None:
    firm = parse_config((LOCAL.parent / name).read_text())
    for store in firm.stores:
        authority = firm.authority(Regime.GDPR_ART33, store.store_id) or ""
        # A German private firm answers to the data protection authority of its Land, not the BfDI.
        assert "Hessische" in authority and "BfDI" not in authority
    assert "BaFin" in (firm.authority(Regime.DORA, "acme-eu") or "")
    assert firm.contact_phone and firm.postal_address  # what US notices must give


def test_a_store_authority_overrides_the_firm_wide_regulator_and_new_fields_default() -> None:
    config = json.loads(LOCAL.read_text())
    for store in config["stores"]:
        store.pop("authorities", None)
    for key in ("contact_phone", "postal_address", "languages"):
        config.pop(key, None)
    firm = parse_config(json.dumps(config))  # a configuration written before these fields still loads
    assert firm.languages == ("en", "de", "fr", "es") and firm.contact_phone is None
    assert firm.authority(Regime.GDPR_ART33, "acme-eu") == firm.authority(Regime.GDPR_ART33)
    config["stores"][0]["authorities"] = {"gdpr_art33": "CNIL"}
    assert parse_config(json.dumps(config)).authority(Regime.GDPR_ART33, "acme-eu") == "CNIL"


def test_an_unknown_notice_language_is_refused_by_name() -> None:
    config = json.loads(LOCAL.read_text()) | {"languages": ["en", "it"]}
    with pytest.raises(ConfigurationError, match="languages: 'it'"):
        parse_config(json.dumps(config))
