"""The two Shopify Functions, run by Node's own test runner on sample inputs (so `make test` covers them)."""

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from functions.degradation.gates import DEFAULT_MESSAGES, DEFAULT_RESTRICTED_PAYMENT_METHODS
from functions.degradation.models import DegradationMode

FUNCTIONS = Path(__file__).resolve().parents[2] / "shopify-functions"


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_shopify_functions_pass_their_node_tests() -> None:
    # Given the payment customization and checkout validation functions and their sample inputs
    # When Node runs their tests
    result = subprocess.run(["node", "--test", str(FUNCTIONS)], capture_output=True, text=True, timeout=60, check=False)
    # Then every case passes, and both suites ran
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
    assert "payment customization" in result.stdout
    assert "checkout validation" in result.stdout


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_functions_and_the_gates_restrict_the_same_payment_methods_and_say_the_same() -> None:
    # Given the lists the Shopify Functions carry (JavaScript) and the ones the gates use (Python)
    script = (
        "import * as m from './shared/modes.js';"
        "console.log(JSON.stringify({methods: m.DEFAULT_RESTRICTED_PAYMENT_METHODS,"
        " paused: m.DEFAULT_MESSAGES[m.CHECKOUT_PAUSED]}));"
    )
    result = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        cwd=FUNCTIONS,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    shipped = json.loads(result.stdout)
    # Then a payments_restricted mode hides the same methods on Shopify as on Adobe Commerce
    assert shipped["methods"] == list(DEFAULT_RESTRICTED_PAYMENT_METHODS)
    # ...and a paused checkout tells the buyer the same thing on both platforms
    assert shipped["paused"] == DEFAULT_MESSAGES[DegradationMode.CHECKOUT_PAUSED]


def test_the_functions_samples_ask_about_the_tag_containment_sets() -> None:
    # The functions read tags only through the function-input metafield Bulkhead writes; their
    # samples must speak of the same tag containment puts on affected customers.
    import json

    from functions.containment.adapters.shopify import CONTAINMENT_TAG

    sample = json.loads((FUNCTIONS / "samples" / "degradation_metafield.json").read_text())
    inputs = (FUNCTIONS / "samples" / "inputs.js").read_text()
    assert [r["segmentTag"] for r in sample["rules"] if r["segmentTag"]] == [CONTAINMENT_TAG]
    assert f'const asked = ["{CONTAINMENT_TAG}"]' in inputs


EXTENSIONS = ("checkout-validation", "payment-customization")
SUPPORT_MONTHS = 12  # Shopify supports each stable API version for at least 12 months


def _months_old(version: str, today: date) -> int:
    year, month = (int(p) for p in version.split("-"))
    return (today.year - year) * 12 + today.month - month


@pytest.mark.parametrize("extension", EXTENSIONS)
def test_each_function_has_what_shopify_app_deploy_builds_from(extension: str) -> None:
    import json
    import re
    import tomllib
    from datetime import UTC, datetime

    folder = FUNCTIONS / extension
    toml = tomllib.loads((folder / "shopify.extension.toml").read_text())
    package = json.loads((folder / "package.json").read_text())
    source = (folder / "src" / "index.js").read_text() + "".join(p.read_text() for p in (folder / "src").glob("*.js"))
    # A supported API version (https://shopify.dev/docs/api/usage/versioning), the Functions library,
    # and, per target, its input query and the JavaScript export it names.
    assert 0 <= _months_old(toml["api_version"], datetime.now(UTC).date()) < SUPPORT_MONTHS
    assert package["dependencies"]["@shopify/shopify_function"]
    assert package["scripts"]["build"] == "shopify app function build"
    for target in toml["extensions"][0]["targeting"]:
        assert (folder / target["input_query"]).is_file()
        camel = re.sub(r"-([a-z])", lambda m: m.group(1).upper(), target["export"])
        assert f"export function {camel}(" in source


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
@pytest.mark.skipif(
    not (FUNCTIONS / "node_modules" / "@shopify" / "shopify_function").is_dir(),
    reason="run `make setup`: it installs shopify-functions' npm dependencies",
)
def test_the_functions_bundle_with_the_functions_library_and_run_through_its_io(tmp_path: Path) -> None:
    import json

    # Given the input Shopify resolves for a buyer carrying the affected tag while checkout is paused
    rules = {
        "version": 1,
        "rules": [
            {
                "segmentTag": "bulkhead-affected",
                "modes": ["checkout_paused", "payments_restricted"],
                "message": "paused",
                "paymentMethods": [],
            }
        ],
    }
    buyer = {"buyerIdentity": {"customer": {"hasTags": [{"tag": "bulkhead-affected", "hasTag": True}]}}}
    metafield = {"value": json.dumps(rules)}
    inputs = {
        "checkout-validation": {
            "buyerJourney": {"step": "CHECKOUT_COMPLETION"},
            "cart": buyer,
            "shop": {"metafield": metafield},
        },
        "payment-customization": {
            "cart": buyer,
            "paymentMethods": [{"id": "pm-bank", "name": "Bank Deposit"}, {"id": "pm-card", "name": "Credit card"}],
            "shop": {"metafield": metafield},
        },
    }
    outputs = {}
    for extension, payload in inputs.items():
        path = tmp_path / f"{extension}.json"
        path.write_text(json.dumps(payload))
        # When each is bundled as `shopify app function build` bundles it, and run through the library's I/O
        result = subprocess.run(
            ["node", "build.mjs", "--run", extension, str(path)],
            cwd=FUNCTIONS,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        outputs[extension] = json.loads(result.stdout)
    # Then the bundles answer as the sources do
    assert outputs["checkout-validation"]["operations"][0]["validationAdd"]["errors"][0]["message"] == "paused"
    assert outputs["payment-customization"]["operations"] == [{"paymentMethodHide": {"paymentMethodId": "pm-bank"}}]
    assert (FUNCTIONS / "checkout-validation" / "dist" / "function.js").is_file()
