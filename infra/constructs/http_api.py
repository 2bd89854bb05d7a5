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


# Why each route authenticates in its handler instead of in API Gateway (cdk-nag APIG4), by path prefix.
_AUTHENTICATED_BY_HANDLER = {
    "/webhooks/": "Platform webhooks cannot present AWS credentials or a token API Gateway can check: "
    "the handler authenticates every delivery itself (Shopify HMAC-SHA256 over the raw body, Adobe "
    "Commerce and I/O Events signatures, a Flow shared-secret token) and answers 401 before anything "
    "is emitted.",
    "/gates/": "Adobe Commerce's synchronous webhooks carry only Commerce's signature over the body, which "
    "API Gateway cannot check: the gate verifies it (RSA public key from the configuration) and answers "
    "by the documented fail-open or fail-closed rule.",
    "/degradation/": "Headless storefronts poll with the store's bearer token, a Secrets Manager value "
    "the handler compares in constant time; a Lambda authorizer would read the same secret at an extra "
    "invocation per poll on a path that must answer fast.",
    "/incidents": "Operators declare incidents with a signed, short-lived token (HMAC with the store's "
    "operator secret), verified by the handler before anything is put on the bus.",
    "/approvals": "Approvers arrive from a signed, expiring approval link (HMAC over incident, stage and "
    "expiry) sent to them by page; the handler verifies the signature and expiry before any decision.",
}


def route_authentication(path: str) -> str:
    """The reason a route's own handler authenticates it; a route without one fails synth."""
    for prefix, reason in _AUTHENTICATED_BY_HANDLER.items():
        if path.startswith(prefix):
            return reason
    raise ValueError(f"route {path} has no documented authentication: add it to infra/constructs/http_api.py")


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
        integrations_by_function: dict[str, integrations.HttpLambdaIntegration] = {}
        for method, path, function_name in routes:
            if function_name not in integrations_by_function:
                integrations_by_function[function_name] = integrations.HttpLambdaIntegration(
                    f"{function_name}Integration", functions[function_name]
                )
            integration = integrations_by_function[function_name]
            for route in self.api.add_routes(path=path, methods=[apigwv2.HttpMethod(method)], integration=integration):
                acknowledge(route, "APIG4", route_authentication(path))

    @property
    def url(self) -> str:
        return str(self.api.api_endpoint)
