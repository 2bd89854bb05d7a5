"""API Gateway HTTP API (payload format 2.0) events: the request body exactly as the sender sent it.

Signatures (Shopify HMAC, Adobe Commerce RSA) cover these bytes, so every HTTP entry point reads
them here, the same way.
"""

import base64
import binascii
from collections.abc import Mapping
from typing import Any


class MalformedBody(ValueError):
    """The event's body is not text, or claims base64 and is not; callers answer 400."""


def raw_body(event: Mapping[str, Any]) -> bytes:
    body = event.get("body") or ""
    if not isinstance(body, str):
        raise MalformedBody("body is not text")
    if not event.get("isBase64Encoded"):
        # surrogateescape keeps any byte API Gateway passed through undecodable, so it verifies as sent.
        return body.encode("utf-8", errors="surrogateescape")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedBody("body is not valid base64") from exc
