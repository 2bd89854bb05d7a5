"""Signed, expiring approval links: `base64url(claims).base64url(HMAC-SHA256(key, claims))`.

Pure: the key is passed in. A link names one incident and one escalation stage and stops working
when that stage's wait ends, so a forwarded or leaked link is short-lived and single-purpose; the
decision itself is a POST from the link's page (mail scanners that prefetch links only GET).
"""

import base64
import hashlib
import hmac
from datetime import datetime

from pydantic import ValidationError

from functions.approval.models import LinkClaims
from functions.common.errors import BulkheadError


class InvalidApprovalLink(BulkheadError):
    """The link is malformed, forged or expired."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_link(claims: LinkClaims, key: bytes) -> str:
    body = claims.model_dump_json().encode()
    return f"{_b64(body)}.{_b64(hmac.new(key, body, hashlib.sha256).digest())}"


def verify_link(token: str, key: bytes, now: datetime) -> LinkClaims:
    try:
        body_part, mac_part = token.split(".", 1)
        body, mac = _unb64(body_part), _unb64(mac_part)
    except ValueError as exc:
        raise InvalidApprovalLink("the approval link is malformed") from exc
    if not hmac.compare_digest(mac, hmac.new(key, body, hashlib.sha256).digest()):
        raise InvalidApprovalLink("the approval link's signature does not match")
    try:
        claims = LinkClaims.model_validate_json(body)
    except ValidationError as exc:
        raise InvalidApprovalLink("the approval link's content is invalid") from exc
    if claims.expires_at <= now:
        raise InvalidApprovalLink(f"the approval link expired at {claims.expires_at:%Y-%m-%d %H:%M} UTC")
    return claims
