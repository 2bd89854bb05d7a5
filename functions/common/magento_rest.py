"""The one Adobe Commerce (Magento) REST client: signed calls, one reading of errors and throttling.

Requests are signed with the integration's OAuth 1.0a credentials (functions/common/magento_auth.py).
HTTP 429 becomes `PlatformThrottled` with the `Retry-After` wait, 5xx and transport errors
`TransientPlatformError`; the one retry policy (functions/common/retry.py) repeats both briefly,
then leaves them to the state machine's Retry. Other 4xx are `PermanentActionFailure` with
Magento's message, its placeholders filled in.
"""

import time
from collections.abc import Callable
from typing import Any

import httpx

from functions.common.clients import answered
from functions.common.errors import PermanentActionFailure
from functions.common.magento_auth import BEARER_SETTING, MagentoAuth
from functions.common.retry import ATTEMPTS, retrying


def error_message(body: Any) -> str:
    """Magento's `{"message", "parameters"}` with the placeholders filled in.

    `parameters` is a dict for named placeholders (`%fieldName`) and a list for positional ones
    (`%1`, `%2`): Magento's web API error renderer sends either.
    """
    if not isinstance(body, dict):
        return ""
    text = str(body.get("message", ""))
    parameters = body.get("parameters")
    if isinstance(parameters, dict):
        pairs = [(str(name), value) for name, value in parameters.items()]
    elif isinstance(parameters, list):
        pairs = [(str(n), value) for n, value in enumerate(parameters, start=1)]
    else:
        pairs = []
    # Longest names first, so `%10` is not filled as `%1` followed by `0`.
    for name, value in sorted(pairs, key=lambda p: len(p[0]), reverse=True):
        text = text.replace(f"%{name}", str(value))
    return text


def _message(response: httpx.Response) -> str:
    try:
        return error_message(response.json())
    except ValueError:
        return ""


class MagentoRest:
    """REST under `<base><prefix>`: `/rest` (default store view), `/rest/all`, or `/rest/V1`."""

    def __init__(
        self,
        http: httpx.Client,
        base_url: str,
        secret: str,
        prefix: str = "/rest",
        sleep: Callable[[float], None] = time.sleep,
        attempts: int = ATTEMPTS,
    ) -> None:
        base = base_url.rstrip("/")
        self._http = http
        self._base = base if base.endswith(prefix) else f"{base}{prefix}"
        self._auth = MagentoAuth(secret)  # OAuth 1.0a-signed, or Bearer where the store allows it
        self._sleep = sleep
        self._attempts = attempts

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        idempotency_key: str | None = None,
        params: dict[str, str] | None = None,
        allow_missing: bool = False,
    ) -> Any:
        """The decoded answer; `None` for a 404 when `allow_missing`."""
        headers = {"Content-Type": "application/json"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return retrying(
            lambda: self._once(method, path, body, headers, params, allow_missing), self._sleep, self._attempts
        )

    def get(self, path: str, params: dict[str, str] | None = None, allow_missing: bool = False) -> Any:
        return self.call("GET", path, params=params, allow_missing=allow_missing)

    def _once(
        self,
        method: str,
        path: str,
        body: Any,
        headers: dict[str, str],
        params: dict[str, str] | None,
        allow_missing: bool,
    ) -> Any:
        what = f"Adobe Commerce {method} {path.split('?', maxsplit=1)[0]}"
        url = f"{self._base}{path}"
        response = answered(
            lambda: self._http.request(method, url, headers=headers, json=body, params=params, auth=self._auth), what
        )
        status = response.status_code
        if status == 404 and allow_missing:
            return None
        if status == 401:
            raise PermanentActionFailure(
                f"{what}: HTTP 401: the integration is not authorised. Give Bulkhead the integration's OAuth "
                f"values (consumer key and secret, access token and secret) as JSON, or enable {BEARER_SETTING} "
                "for a bare access token"
            )
        if status >= 400:
            raise PermanentActionFailure(f"{what}: HTTP {status} {_message(response)}"[:300])
        return response.json()
