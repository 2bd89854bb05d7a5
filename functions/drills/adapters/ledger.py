"""The ledger as a drill scorer reads it: entries from the table, the full verification with the
anchors from the Object Lock bucket and the signing key's public half from KMS."""

from typing import Any

from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.adapters.kms import KmsHeadSigner
from functions.ledger.adapters.s3 import S3AnchorStore
from functions.ledger.domain import verify_ledger
from functions.ledger.models import LedgerEntry, LedgerVerdict


class StoredLedgerEvidence:
    def __init__(self, dynamodb: Any, table: str, s3: Any, anchor_bucket: str, kms: Any, signing_key: str) -> None:
        self._store = DynamoLedgerStore(dynamodb, table)
        self._anchors = S3AnchorStore(s3, anchor_bucket)
        self._key = KmsHeadSigner(kms, signing_key)

    def entries(self, incident_id: str) -> list[LedgerEntry]:
        return list(self._store.entries(incident_id))

    def verify(self, incident_id: str) -> LedgerVerdict:
        sealed = list(self._store.sealed(incident_id))
        return verify_ledger(incident_id, sealed, self._anchors.anchors(incident_id), self._key.public_key_pem())
