"""RFC 8785 (JSON Canonicalization Scheme): the exact bytes every hash and signature covers."""

from typing import Any

import rfc8785


def canonical(value: dict[str, Any]) -> bytes:
    return rfc8785.dumps(value)
