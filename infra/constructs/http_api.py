"""The public HTTP API that receives platform webhooks, from `fabric.HTTP_ROUTES`.

Every route is a Lambda proxy integration (payload format 2.0, what the ingest handler parses).
The `$default` stage writes JSON access logs to a log group encrypted by the fabric key and
throttles the whole API, since it is the fabric's only public entry point.
"""

import json
from collections.abc import Mapping

import jsii
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.encryption import FabricKey
from infra.constructs.nag import acknowledge

# Shopify retries a failed delivery 8 times over 4 hours; a burst of a few hundred per second
# covers a bulk event fan-out without letting a flood run up the Lambda bill.
THROTTLE_RATE_PER_SECOND = 200
THROTTLE_BURST = 400
# Request metadata only: no headers, no body, no query string (they can carry personal data).
_ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "sourceIp": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "responseLength": "$context.responseLength",
    "integrationStatus": "$context.integrationStatus",
    "integrationLatency": "$context.integrationLatency",
    "integrationError": "$context.integration.error",
}


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogs:
    def __init__(self, destination: apigwv2.IAccessLogDestination) -> None:
        self._destination = destination

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return apigw.AccessLogFormat.custom(json.dumps(_ACCESS_LOG_FIELDS, separators=(",", ":")))


class WebhookApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        routes: tuple[tuple[str, str, str], ...],
        functions: Mapping[str, lambda_.IFunction],
        fabric_key: FabricKey,
    ) -> None:
        super().__init__(scope, construct_id)
        self.api = apigwv2.HttpApi(
            self,
            "Api",
            description="Bulkhead webhooks: platform signals in",
            create_default_stage=False,
        )
        self.access_logs = fabric_key.log_group(self, "AccessLogs")
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.api,
            stage_name="$default",
            auto_deploy=True,
            access_log_settings=_AccessLogs(apigwv2.LogGroupLogDestination(self.access_logs)),
            throttle=apigwv2.ThrottleSettings(rate_limit=THROTTLE_RATE_PER_SECOND, burst_limit=THROTTLE_BURST),
        )
        for method, path, function_name in routes:
            integration = integrations.HttpLambdaIntegration(f"{function_name}Integration", functions[function_name])
            for route in self.api.add_routes(path=path, methods=[apigwv2.HttpMethod(method)], integration=integration):
                acknowledge(
                    route,
                    "APIG4",
                    "Platform webhooks cannot present AWS credentials or a token API Gateway can check: "
                    "the handler authenticates every delivery itself (Shopify HMAC-SHA256 over the raw "
                    "body, Adobe Commerce signature) and answers 401 before anything is emitted.",
                )

    @property
    def url(self) -> str:
        return str(self.api.api_endpoint)
