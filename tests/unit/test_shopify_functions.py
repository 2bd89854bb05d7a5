"""The two Shopify Functions, run by Node's own test runner on sample inputs (so `make test` covers them)."""

import shutil
import subprocess
from pathlib import Path

import pytest

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


def test_the_functions_samples_ask_about_the_tag_containment_sets() -> None:
    # The functions read tags only through the function-input metafield Bulkhead writes; their
    # samples must speak of the same tag containment puts on affected customers.
    import json

    from functions.containment.adapters.shopify import CONTAINMENT_TAG

    sample = json.loads((FUNCTIONS / "samples" / "degradation_metafield.json").read_text())
    inputs = (FUNCTIONS / "samples" / "inputs.js").read_text()
    assert [r["segmentTag"] for r in sample["rules"] if r["segmentTag"]] == [CONTAINMENT_TAG]
    assert f'const asked = ["{CONTAINMENT_TAG}"]' in inputs
