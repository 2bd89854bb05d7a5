"""The head signer: an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY); the private key stays in KMS."""

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from cryptography.hazmat.primitives import serialization

from functions.common.errors import TransientPlatformError
from functions.ledger.models import SIGNING_ALGORITHM


class SigningUnavailable(TransientPlatformError):
    """KMS refused or failed to sign or to give the public key."""


class KmsHeadSigner:
    def __init__(self, kms: Any, key_id: str) -> None:
        self._kms = kms
        self._requested = key_id
        self._key_arn: str | None = None
        self._pem: str | None = None

    @property
    def key_id(self) -> str:
        if self._key_arn is None:
            self._load_public_key()
        return str(self._key_arn)

    def sign(self, message: bytes) -> bytes:
        try:
            response = self._kms.sign(
                KeyId=self._requested, Message=message, MessageType="RAW", SigningAlgorithm=SIGNING_ALGORITHM
            )
        except (ClientError, BotoCoreError) as exc:
            raise SigningUnavailable(f"KMS did not sign: {exc}") from exc
        return bytes(response["Signature"])

    def public_key_pem(self) -> str:
        if self._pem is None:
            self._load_public_key()
        return str(self._pem)

    def _load_public_key(self) -> None:
        try:
            response = self._kms.get_public_key(KeyId=self._requested)
        except (ClientError, BotoCoreError) as exc:
            raise SigningUnavailable(f"KMS did not give the public key of {self._requested}: {exc}") from exc
        key = serialization.load_der_public_key(bytes(response["PublicKey"]))
        self._pem = key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
        self._key_arn = str(response["KeyId"])
