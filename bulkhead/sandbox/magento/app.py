"""The Magento / Adobe Commerce REST API of a sandbox store: core routes plus the companion module.

`/rest[/<store code>]/V1/...`, authenticated as Adobe Commerce authenticates an integration: an
OAuth 1.0a signature (HMAC-SHA256) over the method, URL and query with the integration's consumer
and access token secrets. A bare `Authorization: Bearer <access token>` is refused (401) unless the
store enabled `oauth/consumer/enable_integration_as_bearer` (`integration_as_bearer=True`), which
Adobe Commerce leaves off by default
(https://developer.adobe.com/commerce/webapi/get-started/authentication/gs-authentication-token/).
Errors use Magento's `{"message", "parameters"}` shape, with `parameters` a dict for named
placeholders (`%fieldName`) or a list for positional ones (`%1`). A request rate above
`requests_per_second` (or an injected fault) answers 429 with `Retry-After`. Mutating companion
calls honour `Idempotency-Key`: a repeated key replays the first answer without acting again.
"""

import hmac
import math
import re
import threading
import time

from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth1.rfc5849 import signature

from bulkhead.sandbox.faults import Fault, FaultInjector
from bulkhead.sandbox.http import Request, Response
from bulkhead.sandbox.magento.registry import MagentoError, load_routes, match
from bulkhead.sandbox.magento.routes.companion import COMPANION_PREFIX, companion_enabled
from bulkhead.sandbox.state import Call, StoreState
from functions.common.magento_auth import IntegrationCredentials, parse_credentials

REST_PATH = re.compile(r"^/rest(?:/(?:default|all|[a-z][a-z0-9_]*))?(?P<path>/V1/.+)$")


class RateLimiter:
    """A token bucket of `per_second` requests; None means unlimited."""

    def __init__(self, per_second: float | None) -> None:
        self.per_second = per_second
        self._tokens = per_second or 0.0
        self._at = time.monotonic()
        self._lock = threading.Lock()

    def retry_after(self) -> float:
        """0 if the request may go now, else how many seconds until it may."""
        if not self.per_second:
            return 0.0
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.per_second, self._tokens + (now - self._at) * self.per_second)
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.per_second


class MagentoRestApp:
    def __init__(
        self,
        state: StoreState,
        token: str,
        injector: FaultInjector,
        limiter: RateLimiter,
        integration_as_bearer: bool = False,
    ) -> None:
        self.state = state
        self.credentials = parse_credentials(token)
        self.integration_as_bearer = integration_as_bearer
        self.injector = injector
        self.limiter = limiter
        self.routes = load_routes()
        self._replays: dict[str, Response] = {}

    def __call__(self, request: Request) -> Response:
        rest = REST_PATH.match(request.path)
        found = match(request.method, rest.group("path")) if rest else None
        if found is None or (found[0].template.startswith(COMPANION_PREFIX) and not companion_enabled(self.state)):
            # A disabled module's webapi.xml is not loaded: its routes answer as unknown ones do.
            return Response(404, {"message": "Request does not match any route."})
        registered, params = found
        name = f"{registered.method} {registered.template}"
        if not self.authenticated(request):
            self.state.record_call(Call(name, 401, "none", mutated=False))
            return Response(
                401,
                {
                    "message": "The consumer isn't authorized to access %resources.",
                    "parameters": {"resources": "Magento_Backend::admin"},
                },
            )
        time.sleep(self.injector.faults.latency_seconds)
        fault = self.injector.draw()
        wait = self.limiter.retry_after()
        if fault is Fault.THROTTLE or wait:
            wait = max(wait, self.injector.faults.retry_after_seconds if fault is Fault.THROTTLE else 0.0)
            self.state.record_call(Call(name, 429, Fault.THROTTLE.value, mutated=False))
            return Response(429, {"message": "Too Many Requests"}, {"Retry-After": str(max(1, math.ceil(wait)))})
        if fault is Fault.ERROR:
            self.state.record_call(Call(name, 503, fault.value, mutated=False))
            return Response(503, {"message": "Service Unavailable"})
        key = request.headers.get("idempotency-key") if registered.mutating else None
        with self.state.lock:
            if key and (replay := self._replays.get(f"{name}|{key}")):
                self.state.record_call(Call(name, replay.status, "replayed", mutated=False))
                return replay
            before = self.state.snapshot() if registered.mutating else None
            try:
                response = registered.handler(self.state, request, params)
            except MagentoError as exc:
                response = Response(exc.status, exc.body)
            mutated = before is not None and before != self.state.collections
            if key and response.status < 500:
                self._replays[f"{name}|{key}"] = response
        if fault is Fault.LOST_RESPONSE:
            self.state.record_call(Call(name, 504, fault.value, mutated=mutated))
            return Response(504, {"message": "Gateway Timeout"})
        self.state.record_call(Call(name, response.status, fault.value, mutated=mutated))
        return response

    def authenticated(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        credentials = self.credentials
        access_token = credentials.access_token if isinstance(credentials, IntegrationCredentials) else credentials
        if header.startswith("Bearer "):
            return self.integration_as_bearer and hmac.compare_digest(header.removeprefix("Bearer "), access_token)
        if not header.startswith("OAuth ") or not isinstance(credentials, IntegrationCredentials):
            return False
        uri = f"http://{request.headers.get('host', '')}{request.path}"
        uri += f"?{request.raw_query}" if request.raw_query else ""
        signed = OAuthRequest(uri, http_method=request.method, headers={"Authorization": header})
        params = dict(signature.collect_parameters(headers={"Authorization": header}, exclude_oauth_signature=False))
        if params.get("oauth_consumer_key") != credentials.consumer_key or params.get("oauth_token") != access_token:
            return False
        if params.get("oauth_signature_method") != "HMAC-SHA256":
            return False
        signed.params = signature.collect_parameters(
            uri_query=request.raw_query, headers={"Authorization": header}, exclude_oauth_signature=True
        )
        signed.signature = params.get("oauth_signature", "")
        return bool(
            signature.verify_hmac_sha256(
                signed,
                client_secret=credentials.consumer_secret,
                resource_owner_secret=credentials.access_token_secret,
            )
        )
