"""Keyed pseudonyms: HMAC-SHA256 under a secret key, so a customer id cannot be recovered or guessed.

The same (store, customer) always maps to the same pseudonym, which is what makes the
exactly-once guard work across re-runs; without the key, nobody can link one back to a customer.
"""

import hashlib
import hmac


class HmacPseudonyms:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the pseudonym key must be at least 16 bytes")
        self._key = key

    def of(self, store_id: str, platform_id: str) -> str:
        digest = hmac.new(self._key, f"{store_id}\x1f{platform_id}".encode(), hashlib.sha256).hexdigest()
        return f"ps_{digest[:32]}"
