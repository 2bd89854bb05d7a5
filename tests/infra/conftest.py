"""Synthesize the CDK app once per session; every infra test reads that one template.

The app is built in-process with cdk.json's context, as `cdk synth` would build it. The Lambda
assets must exist: the functions copy is refreshed here (no network), and when the dependency
layer has never been built a stand-in directory takes its place, so the tier runs offline. `make
synth` always builds the real layer.
"""

import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# jsii prints a banner on Node 20; the tests only need the template.
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

ROOT = Path(__file__).resolve().parents[2]
PARTNER_BUS = "aws.partner/shopify.com/1234567/bulkhead"
LAYER = ROOT / "build" / "layer"


def _build_script() -> Any:
    spec = importlib.util.spec_from_file_location("build_lambda_assets", ROOT / "scripts" / "build_lambda_assets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Synthesized:
    template: dict[str, Any]
    report: dict[str, Any] | None
    error: str | None
    outdir: Path

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return dict(self.template["Resources"])

    def of_type(self, cfn_type: str) -> dict[str, dict[str, Any]]:
        return {lid: r for lid, r in self.resources.items() if r["Type"] == cfn_type}


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    _build_script().build_functions()
    if not LAYER.exists():
        (LAYER / "python").mkdir(parents=True)
        (LAYER / "README").write_text(
            "Stand-in made by tests/infra: run scripts/build_lambda_assets.py for the real layer.\n"
        )

    from infra.app import build_app  # imported late: jsii starts its Node process on import

    outdir = tmp_path_factory.mktemp("cdk.out")
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    # Every route is deployed, the Shopify partner bus's included.
    context["shopifyPartnerEventBus"] = PARTNER_BUS
    app, stack = build_app(context, outdir=str(outdir))
    error: str | None = None
    try:
        app.synth()
    except Exception as exc:  # a failed validation is a test outcome: test_cdk_nag reports it
        error = str(exc)
    template_file = outdir / f"{stack.artifact_id}.template.json"
    report_file = outdir / "validation-report.json"
    if not template_file.exists():
        # No template: every test of this tier fails, instead of reading an empty one (where a test that
        # looks for an absence, such as "no role may delete the ledger", would pass on nothing).
        pytest.fail(f"cdk synth wrote no template: {error or 'no error was raised'}")
    return Synthesized(
        template=json.loads(template_file.read_text()),
        report=json.loads(report_file.read_text()) if report_file.exists() else None,
        error=error,
        outdir=outdir,
    )
