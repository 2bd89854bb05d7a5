"""The CDK app: `cdk synth` runs `python -m infra.app` (see cdk.json).

Context parameters (`cdk synth -c name=value`):
- `configFile`: the firm configuration stored in the SSM parameter (default
  `config/bulkhead.example.json`), validated at synth time.
- `logRetentionDays`: retention of every log group (default 365; a CloudWatch Logs value).
- `powertoolsLayerVersion`: version of the public Powertools layer (default in the factory).
- `stackName`: the CloudFormation stack name (default `Bulkhead`).
- `shopifyPartnerEventBus`: the Shopify partner event bus name (`aws.partner/shopify.com/...`);
  routes with `source_bus="partner"` are deployed only when it is given.

cdk-nag's AwsSolutions, Serverless, NIST 800-53 rev 5 and PCI DSS 3.2.1 packs run as
policy-validation plugins (the firms Bulkhead serves take card payments and answer to financial
regulators), so synth fails on any finding that is not acknowledged (with its reason, under the
pack's prefixed id) in the construct that causes it.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import App, Tags, Validations
from aws_cdk import aws_logs as logs
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks

from infra.constructs.functions import POWERTOOLS_LAYER_VERSION
from infra.stacks.fabric_stack import BulkheadStack, StackSettings

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = "config/bulkhead.example.json"
CODE_ASSET = ROOT / "build" / "lambda"
LAYER_ASSET = ROOT / "build" / "layer"
# Log retentions an operator may choose (days): a month up to ten years for audit evidence.
RETENTION = {
    30: logs.RetentionDays.ONE_MONTH,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


def NAG_PACKS() -> tuple[Any, ...]:  # noqa: N802 - reads as the constant it stands for
    """The rule packs, new per app (a plugin instance belongs to one synth)."""
    return (AwsSolutionsChecks(), ServerlessChecks(), NIST80053R5Checks(), PCIDSS321Checks())


class MissingAsset(FileNotFoundError):
    pass


def _settings(app: App) -> StackSettings:
    context = app.node
    config_file = Path(str(context.try_get_context("configFile") or DEFAULT_CONFIG))
    if not config_file.is_absolute():
        config_file = ROOT / config_file
    for asset in (CODE_ASSET, LAYER_ASSET):
        if not asset.is_dir():
            raise MissingAsset(f"{asset} is missing: run `python scripts/build_lambda_assets.py` (or `make synth`)")
    retention_days = int(context.try_get_context("logRetentionDays") or 365)
    if retention_days not in RETENTION:
        raise ValueError(f"logRetentionDays={retention_days}: choose one of {sorted(RETENTION)}")
    return StackSettings(
        code_path=CODE_ASSET,
        layer_path=LAYER_ASSET,
        config_file=config_file,
        log_retention=RETENTION[retention_days],
        powertools_layer_version=int(context.try_get_context("powertoolsLayerVersion") or POWERTOOLS_LAYER_VERSION),
        partner_event_bus_name=context.try_get_context("shopifyPartnerEventBus") or None,
    )


def build_app(context: Mapping[str, Any] | None = None, outdir: str | None = None) -> tuple[App, BulkheadStack]:
    """The app with its one stack and the cdk-nag plugins; tests pass cdk.json's context in."""
    app = App(context=dict(context or {}), outdir=outdir)
    stack_name = str(app.node.try_get_context("stackName") or "Bulkhead")
    stack = BulkheadStack(
        app,
        "Bulkhead",
        stack_name=stack_name,
        settings=_settings(app),
        description="Bulkhead: data-leak emergency response fabric for commerce stores",
    )
    Tags.of(app).add("application", "bulkhead")
    Validations.of(app).add_plugins(*NAG_PACKS())
    return app, stack


def main() -> None:
    app, _ = build_app()
    app.synth()


if __name__ == "__main__":
    main()
