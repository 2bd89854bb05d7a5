"""The two Shopify Functions, run by Node's own test runner on sample inputs (so `make test` covers them)."""

import json
import shutil
import subprocess
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
