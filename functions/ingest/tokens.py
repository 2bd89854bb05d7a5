"""Tokens for senders that cannot sign a body: Shopify Flow's HTTP request and operators' declarations.

A token names its store, its purpose and its expiry, and is signed with the store's operator secret:
`bh1.<store_id>.<purpose>.<expires epoch s>.<base64url HMAC-SHA256>`. It is pasted once into a Flow
workflow's header or a companion module's configuration, and stops working when it expires.
"""

import base64
import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime

from functions.ingest.errors import Rejected

PREFIX = "bh1"
PURPOSES = frozenset({"flow", "declare"})


def issue(secret: str, store_id: str, purpose: str, expires_at: datetime) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {sorted(PURPOSES)}")
    claims = f"{PREFIX}.{store_id}.{purpose}.{int(expires_at.timestamp())}"
    return f"{claims}.{_mac(secret, claims)}"


def store_of(token: str) -> str:
    """The store a token claims (unverified): used only to find which secret to verify it with."""
    if not token.isascii() or len(token) > 512:
        raise Rejected(401, "token is not a Bulkhead token")
    parts = token.split(".")
    if len(parts) != 5 or parts[0] != PREFIX:
        raise Rejected(401, "token is not a Bulkhead token")
    return parts[1]


def verify(token: str, secrets: Sequence[str], purpose: str, now: datetime) -> str:
    """The store id the token was issued for; `Rejected(401)` if forged, for another purpose, or expired."""
    store_id = store_of(token)
    claims, _, mac = token.rpartition(".")
    matched = False
    for secret in secrets:
        matched |= hmac.compare_digest(_mac(secret, claims), mac)
    if not matched:
        raise Rejected(401, "token signature does not match")
    _, _, token_purpose, expires = claims.split(".")
    if token_purpose != purpose:
        raise Rejected(401, f"token is for {token_purpose!r}, not {purpose!r}")
    if not expires.isdigit() or int(expires) <= now.timestamp():
        raise Rejected(401, "token has expired")
    return store_id


def matches_shared_secret(given: str, secrets: Sequence[str]) -> bool:
    """Constant-time, on bytes: `compare_digest` refuses str holding non-ASCII characters."""
    matched = False
    for secret in secrets:
        matched |= hmac.compare_digest(given.encode("utf-8", "surrogatepass"), secret.encode())
    return matched


def _mac(secret: str, claims: str) -> str:
    digest = hmac.new(secret.encode(), claims.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
