"""How Bulkhead authenticates to Adobe Commerce REST: an integration's OAuth 1.0a credentials.

Adobe Commerce no longer accepts an integration's access token as a bare Bearer token unless the
store turns on Stores > Configuration > Services > OAuth > Consumer Settings > "Allow OAuth Access
Tokens to be used as standalone Bearer tokens" (`oauth/consumer/enable_integration_as_bearer`),
which is off by default (https://developer.adobe.com/commerce/webapi/get-started/authentication/gs-authentication-token/).
So the store's admin secret holds the integration's four OAuth values as JSON, and every request
is signed per OAuth 1.0a with HMAC-SHA256
(https://developer.adobe.com/commerce/webapi/get-started/authentication/gs-authentication-oauth).
A secret that holds a bare token is sent as Bearer: that works only where the store enabled the
setting, and the control-health canary reports a 401 with the setting's name.
"""

import json
from collections.abc import Generator

import httpx
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, Client
from pydantic import BaseModel, ConfigDict, ValidationError

BEARER_SETTING = "oauth/consumer/enable_integration_as_bearer"


class IntegrationCredentials(BaseModel):
    """What Adobe Commerce shows for an activated integration (System > Extensions > Integrations)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    consumer_key: str
    consumer_secret: str
    access_token: str
    access_token_secret: str


def parse_credentials(secret: str) -> IntegrationCredentials | str:
    """The integration's OAuth values, or the bare token when the secret holds only one."""
    text = secret.strip()
    if not text.startswith("{"):
        return text
    try:
        return IntegrationCredentials.model_validate(json.loads(text))
    except (ValueError, ValidationError) as exc:
        raise ValueError(
            "the Adobe Commerce admin secret is JSON but not the integration's "
            "consumer_key, consumer_secret, access_token and access_token_secret"
        ) from exc


class MagentoAuth(httpx.Auth):
    """Signs each request (OAuth 1.0a, HMAC-SHA256), or sends the bare token as Bearer."""

    def __init__(self, secret: str) -> None:
        self._credentials = parse_credentials(secret)

    @property
    def signs(self) -> bool:
        return isinstance(self._credentials, IntegrationCredentials)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        credentials = self._credentials
        if isinstance(credentials, str):
            request.headers["Authorization"] = f"Bearer {credentials}"
        else:
            client = Client(
                credentials.consumer_key,
                client_secret=credentials.consumer_secret,
                resource_owner_key=credentials.access_token,
                resource_owner_secret=credentials.access_token_secret,
                signature_method=SIGNATURE_HMAC_SHA256,
            )
            # JSON bodies are not form-encoded, so OAuth 1.0a leaves them out of the base string.
            _, headers, _ = client.sign(str(request.url), http_method=request.method)
            request.headers["Authorization"] = headers["Authorization"]
        yield request
