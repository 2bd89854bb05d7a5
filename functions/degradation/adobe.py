"""Adobe Commerce webhook signatures: RSA (PKCS#1 v1.5) with SHA-256 over the base64-encoded body.

Commerce signs each webhook with the private key generated in the Admin (Stores > Settings >
Configuration > Adobe Services > Webhooks) and sends the base64 signature in
`x-adobe-commerce-webhook-signature`. The signed message is the base64 encoding of the request body,
not the raw bytes (https://developer.adobe.com/commerce/extensibility/webhooks/signature-verification/).
Bulkhead keeps the public key (PEM) in Secrets Manager, under the store's `webhook_secret_id`; during
a key rotation the previous key is accepted too.
"""

import base64
import binascii
from collections.abc import Iterable
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SIGNATURE_HEADER = "x-adobe-commerce-webhook-signature"


class SignatureRejected(Exception):
    """The delivery is not signed by a key Bulkhead trusts for this store."""


def verify_signature(body: bytes, signature: str | None, public_keys_pem: Iterable[str]) -> None:
    if not signature:
        raise SignatureRejected("missing signature header")
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureRejected("signature is not base64") from exc
    for pem in public_keys_pem:
        key = _public_key(pem)
        if key is None:
            continue
        try:
            key.verify(raw, base64.b64encode(body), padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            continue
        return
    raise SignatureRejected("signature does not match")


def sign(body: bytes, private_key_pem: str) -> str:
    """Sign as Adobe Commerce does (for drills, tests and the benchmark)."""
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("Adobe Commerce webhook keys are RSA keys")
    return base64.b64encode(key.sign(base64.b64encode(body), padding.PKCS1v15(), hashes.SHA256())).decode()


@lru_cache(maxsize=32)  # parsing a PEM costs more than verifying a signature
def _public_key(pem: str) -> rsa.RSAPublicKey | None:
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except ValueError:
        return None  # not a PEM public key: never trusted, never an error that leaks the secret
    return key if isinstance(key, rsa.RSAPublicKey) else None
