"""The ledger as the functions use it: chained appends on the configured table, every head signed and anchored."""

from typing import Any

from functions.common.clients import client
from functions.common.settings import Env, env
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.adapters.kms import KmsHeadSigner
from functions.ledger.adapters.s3 import S3AnchorStore
from functions.ledger.domain import Anchoring, ChainedLedger
from functions.ledger.models import Anchor


def ledger() -> ChainedLedger:
    return ChainedLedger(
        DynamoLedgerStore(client("dynamodb"), env(Env.LEDGER_TABLE)),
        anchoring=Anchoring(_LazySigner(), _LazyAnchors()),
    )


class _LazySigner:
    """Reads its settings on first use: nothing is read at import time or before the first append."""

    def _signer(self) -> KmsHeadSigner:
        return _signer(env(Env.LEDGER_SIGNING_KEY))

    @property
    def key_id(self) -> str:
        return self._signer().key_id

    def sign(self, message: bytes) -> bytes:
        return self._signer().sign(message)

    def public_key_pem(self) -> str:
        return self._signer().public_key_pem()


class _LazyAnchors:
    def _store(self) -> S3AnchorStore:
        return S3AnchorStore(client("s3"), env(Env.LEDGER_ANCHOR_BUCKET))

    def put(self, incident_id: str, name: str, anchor: Anchor) -> bool:
        return self._store().put(incident_id, name, anchor)

    def anchors(self, incident_id: str) -> list[Anchor]:
        return self._store().anchors(incident_id)


_signers: dict[tuple[int, str], KmsHeadSigner] = {}


def _signer(key_id: str) -> KmsHeadSigner:
    """One signer per KMS client and key, so the public key is fetched once per container."""
    kms: Any = client("kms")
    cache_key = (id(kms), key_id)
    if cache_key not in _signers:
        _signers[cache_key] = KmsHeadSigner(kms, key_id)
    return _signers[cache_key]
