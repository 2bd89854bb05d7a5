"""Pre-states, encrypted, outside the ledger: DynamoDB items sealed with a KMS data key (AES-256-GCM).

The table is keyed by incident and action, written once (a conditional put), so a retried step
keeps the first snapshot. Only the SHA-256 of the canonical plaintext goes to the ledger.
"""

import hashlib
import os
from base64 import b64decode, b64encode
from typing import Any

import rfc8785
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from functions.containment.models import PreState


class DynamoPreStateVault:
    def __init__(self, dynamodb: Any, kms: Any, table_name: str, key_id: str) -> None:
        self._db = dynamodb
        self._kms = kms
        self._table = table_name
        self._key_id = key_id

    @staticmethod
    def _context(incident_id: str, action_id: str) -> dict[str, str]:
        # Binds each ciphertext to its row: a sealed pre-state copied to another row will not open.
        return {"incident_id": incident_id, "action_id": action_id}

    def put(self, pre: PreState) -> str:
        plaintext = rfc8785.dumps(pre.model_dump(mode="json"))
        digest = hashlib.sha256(plaintext).hexdigest()
        context = self._context(pre.incident_id, pre.action.action_id)
        key = self._kms.generate_data_key(KeyId=self._key_id, KeySpec="AES_256", EncryptionContext=context)
        nonce = os.urandom(12)
        sealed = AESGCM(key["Plaintext"]).encrypt(nonce, plaintext, rfc8785.dumps(context))
        try:
            self._db.put_item(
                TableName=self._table,
                Item={
                    "incident_id": {"S": pre.incident_id},
                    "action_id": {"S": pre.action.action_id},
                    "sha256": {"S": digest},
                    # Base64 strings, not binary attributes: plain JSON wherever the table is exported.
                    "data_key": {"S": b64encode(key["CiphertextBlob"]).decode()},
                    "nonce": {"S": b64encode(nonce).decode()},
                    "sealed": {"S": b64encode(sealed).decode()},
                },
                ConditionExpression="attribute_not_exists(incident_id)",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            stored = self.get(pre.incident_id, pre.action.action_id)
            assert stored is not None
            return stored[1]
        return digest

    def get(self, incident_id: str, action_id: str) -> tuple[PreState, str] | None:
        item = self._db.get_item(
            TableName=self._table,
            Key={"incident_id": {"S": incident_id}, "action_id": {"S": action_id}},
            ConsistentRead=True,
        ).get("Item")
        if item is None:
            return None
        context = self._context(incident_id, action_id)
        blob = b64decode(item["data_key"]["S"])
        key = self._kms.decrypt(CiphertextBlob=blob, EncryptionContext=context)["Plaintext"]
        nonce, sealed = b64decode(item["nonce"]["S"]), b64decode(item["sealed"]["S"])
        plaintext = AESGCM(key).decrypt(nonce, sealed, rfc8785.dumps(context))
        if hashlib.sha256(plaintext).hexdigest() != item["sha256"]["S"]:
            raise ValueError(f"pre-state {incident_id}/{action_id} does not match its hash")
        return PreState.model_validate_json(plaintext), item["sha256"]["S"]
