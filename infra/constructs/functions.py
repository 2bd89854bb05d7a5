"""The one function factory: every Bulkhead Lambda is built here, from its `FunctionSpec`.

It owns what every function shares — Python 3.13 on arm64, one code asset (the `functions`
package), the public Powertools layer plus our dependency layer, JSON logs into a log group
encrypted by the fabric key with the fabric's retention, active X-Ray tracing, Powertools
defaults — and gives each function its own role holding only what its spec asks for.

Reserved concurrency is deliberately not set: new accounts start with a concurrency quota of 10,
where any reservation fails the deployment; the HTTP API's stage throttle bounds the only
public entry point instead.
"""

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Aws, Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.encryption import ENCRYPT_DECRYPT, FabricKey
from infra.constructs.nag import NIST_800_53_R5, PCI_DSS_321, SERVERLESS, acknowledge
from infra.fabric import FunctionSpec

# Keep in step with scripts/build_lambda_assets.py (PYTHON_VERSION, PLATFORMS).
RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64

# Public Powertools for AWS Lambda (Python) v3 layer for python3.13 on arm64, published by AWS in
# account 017000801446 in every commercial region. Version 27 is the one the Powertools docs list
# for the 3.x line pyproject pins; override with `-c powertoolsLayerVersion=<n>` when upgrading.
POWERTOOLS_LAYER_ACCOUNT = "017000801446"
POWERTOOLS_LAYER_NAME = "AWSLambdaPowertoolsPythonV3-python313-arm64"
POWERTOOLS_LAYER_VERSION = 27

POWERTOOLS_ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME": "bulkhead",
    "POWERTOOLS_METRICS_NAMESPACE": "Bulkhead",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}
# Async invocations (EventBridge rule targets) retry this often before the dead-letter queue.
ASYNC_RETRY_ATTEMPTS = 2
ASYNC_MAX_EVENT_AGE = Duration.hours(6)


def powertools_layer_arn(version: int) -> str:
    return f"arn:{Aws.PARTITION}:lambda:{Aws.REGION}:{POWERTOOLS_LAYER_ACCOUNT}:layer:{POWERTOOLS_LAYER_NAME}:{version}"


class FunctionFactory(Construct):
    """Builds every function of the fabric the same way; one per stack."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code_path: Path,
        layer_path: Path,
        fabric_key: FabricKey,
        powertools_layer_version: int = POWERTOOLS_LAYER_VERSION,
    ) -> None:
        super().__init__(scope, construct_id)
        self._key = fabric_key
        self._code = lambda_.Code.from_asset(str(code_path))
        dependencies = lambda_.LayerVersion(
            self,
            "Dependencies",
            code=lambda_.Code.from_asset(str(layer_path)),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="Bulkhead runtime dependencies (pydantic, httpx, rfc8785, cryptography, oauthlib)",
        )
        powertools = lambda_.LayerVersion.from_layer_version_arn(
            self, "Powertools", powertools_layer_arn(powertools_layer_version)
        )
        # Layers unpack in order into /opt: ours comes last so its pinned pydantic wins over any
        # copy the Powertools layer carries.
        self._layers = [powertools, dependencies]
        self.functions: dict[str, lambda_.Function] = {}
        self.roles: dict[str, iam.Role] = {}

    def build(
        self,
        spec: FunctionSpec,
        *,
        environment: Mapping[str, str],
        statements: list[iam.PolicyStatement],
        async_dead_letters: sqs.IQueue | None = None,
    ) -> lambda_.Function:
        """One function; `environment` holds its settings, `statements` its whole data access."""
        scope = Construct(self, spec.name)
        log_group = self._key.log_group(scope, "Logs")
        role = iam.Role(
            scope,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Bulkhead {spec.name}: {spec.description}",
        )
        # Instead of the AWSLambdaBasicExecutionRole managed policy: write to its own log group only.
        role.add_to_policy(
            iam.PolicyStatement(
                sid="WriteOwnLogs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.log_group_arn],
            )
        )
        for statement in statements:
            role.add_to_policy(statement)
        # The environment is encrypted with the fabric key; Lambda decrypts it at start with this role.
        role.add_to_policy(
            iam.PolicyStatement(sid="DecryptOwnEnvironment", actions=["kms:Decrypt"], resources=[self._key.key.key_arn])
        )
        if async_dead_letters is not None:
            # Lambda writes failed async events with the function's role; the queue is encrypted.
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="UseFabricKeyForDeadLetters",
                    actions=list(ENCRYPT_DECRYPT),
                    resources=[self._key.key.key_arn],
                )
            )
        function = lambda_.Function(
            scope,
            "Function",
            description=spec.description,
            handler=spec.handler,
            code=self._code,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            layers=self._layers,
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_seconds),
            role=role,
            environment={**POWERTOOLS_ENVIRONMENT, **environment},
            environment_encryption=self._key.key,
            reserved_concurrent_executions=spec.reserved_concurrency,
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            log_group=log_group,
            dead_letter_queue=async_dead_letters,
            retry_attempts=ASYNC_RETRY_ATTEMPTS if async_dead_letters is not None else None,
            max_event_age=ASYNC_MAX_EVENT_AGE if async_dead_letters is not None else None,
        )
        acknowledge(
            function,
            "L1",
            "Python 3.13 is pinned on purpose: the public Powertools layer and the dependency layer's "
            "compiled wheels (pydantic-core, cryptography) are built for cp313; moving to a newer runtime "
            "is a deliberate upgrade of RUNTIME, the layer and scripts/build_lambda_assets.py together.",
        )
        acknowledge(
            function,
            "LambdaLatestVersion",
            "Python 3.13 is pinned on purpose (see AwsSolutions-L1 on this function): the Powertools layer "
            "and the dependency layer's compiled wheels are cp313, so the runtime moves with them, deliberately.",
            packs=(SERVERLESS,),
        )
        acknowledge(
            function,
            "LambdaInsideVPC",
            "Bulkhead's functions call only public endpoints: the commerce platforms' APIs (Shopify Admin, "
            "Adobe Commerce) and AWS service APIs over TLS with SigV4. They hold no network path into the "
            "cardholder data environment, and a VPC would add NAT egress without narrowing what they reach.",
            packs=(NIST_800_53_R5, PCI_DSS_321),
        )
        if async_dead_letters is None:
            acknowledge(
                function,
                "LambdaDLQ",
                "Invoked synchronously only (by a state machine task, the HTTP API or a schedule): the caller "
                "sees the error and retries or routes it (ASL Retry/Catch, the platform's redelivery, the "
                "schedule's retry policy), so a dead-letter queue would never receive anything.",
                packs=(SERVERLESS, NIST_800_53_R5),
            )
        else:
            acknowledge(
                function,
                "LambdaAsyncFailureDestination",
                "Asynchronous failures go to the encrypted dead-letter queue (DeadLetterConfig) after "
                f"{ASYNC_RETRY_ATTEMPTS} retries within {ASYNC_MAX_EVENT_AGE.to_hours():.0f} h; an on-failure "
                "destination would be a second copy of the same event in the same queue.",
                packs=(SERVERLESS,),
            )
        if spec.reserved_concurrency is None:
            acknowledge(
                function,
                "LambdaConcurrency",
                "Not bounded on purpose: state-machine steps run once per incident step (Map MaxConcurrency "
                "bounds the fan-out), and the synchronous front doors (the Adobe Commerce gate, Flow and I/O "
                "events, degradation reads) must answer every request: a throttled answer is a lost signal or "
                "an order refused. Bounded ones are in infra/fabric.py (reserved_concurrency).",
                packs=(NIST_800_53_R5,),
            )
        self.functions[spec.name] = function
        self.roles[spec.name] = role
        return function
