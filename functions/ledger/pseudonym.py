"""Keyed pseudonyms: how a customer appears in the ledger, in logs and in evidence packs.

pseudonym = "ps_" + first 32 hex digits of HMAC-SHA256(key, "<kind>:<value>"), with the key kept
in Secrets Manager (named by PSEUDONYM_KEY_SECRET_ID). The same customer always gets the same
pseudonym, so an auditor can follow one through an incident; without the key nobody can go back
from a pseudonym to the customer, nor confirm a guess. Erasing a customer (GDPR Art. 17) then
needs no change to the immutable ledger.
"""

import hashlib
import hmac
from collections.abc import Iterable

from functions.common.errors import ConfigurationError

_MIN_KEY_BYTES = 32
_DIGITS = 32  # 128 bits: collisions are out of reach for any roster


def pseudonym(key: bytes, kind: str, value: str) -> str:
    """The keyed pseudonym of one identifier; `kind` (customer, email, phone...) separates namespaces."""
    if len(key) < _MIN_KEY_BYTES:
        raise ConfigurationError(f"the pseudonym key must be at least {_MIN_KEY_BYTES} bytes")
    if not kind or ":" in kind:
        raise ValueError("kind must be a non-empty name without ':'")
    digest = hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"ps_{digest[:_DIGITS]}"


class Pseudonymizer:
    """Pseudonyms under one key, for code that is handed it (domain code takes this, never the key's id)."""

    def __init__(self, key: bytes) -> None:
        pseudonym(key, "check", "")  # refuse a short key now, not at the first customer
        self._key = key

    def __call__(self, kind: str, value: str) -> str:
        return pseudonym(self._key, kind, value)

    def many(self, kind: str, values: Iterable[str]) -> list[str]:
        return sorted({pseudonym(self._key, kind, v) for v in values})


def pseudonymizer() -> Pseudonymizer:
    """The pseudonymizer of this deployment: the key comes from the secret named in the settings."""
    # Imported here so domain code that imports this module pulls in no AWS client code.
    from functions.common.settings import Env, env  # noqa: PLC0415
    from functions.common.wiring import secret  # noqa: PLC0415

    return Pseudonymizer(secret(env(Env.PSEUDONYM_KEY_SECRET)).encode())
