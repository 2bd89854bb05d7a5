"""The firm configuration: one validated model; an error names the field."""

import json
from pathlib import Path

import pytest

from functions.common.config import parse_config
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
