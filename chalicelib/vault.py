"""Secrets at rest: sealed with a KMS key of the stage (alias/paygw-<stage>-secrets).

Stored items never hold a secret in clear. API secrets are checked against a SHA-256 digest
(they are random, so a digest is enough and needs no KMS call per request); the sealed copy
exists only so the dashboard can reveal it. Webhook secrets are unsealed to sign, once per
process and secret.
"""

from __future__ import annotations

import base64
import hashlib
import threading

from .aws import client
from .config import resource_name

_opened: dict[str, str] = {}
_opening: dict[str, threading.Lock] = {}  # one lock per secret being unsealed
_lock = threading.Lock()


def key_alias() -> str:
    return "alias/" + resource_name("secrets")


def seal(plaintext: str) -> str:
    blob = client("kms").encrypt(KeyId=key_alias(), Plaintext=plaintext.encode())["CiphertextBlob"]
    return base64.b64encode(blob).decode()


def unseal(sealed: str) -> str:
    """Once per process and secret, even when a batch's record threads all need it at once: the
    first decrypts, the others wait for it (one KMS call, not one per thread)."""
    plaintext = _opened.get(sealed)
    if plaintext is not None:
        return plaintext
    with _lock:
        opening = _opening.setdefault(sealed, threading.Lock())
    with opening:
        plaintext = _opened.get(sealed)
        if plaintext is None:
            plaintext = client("kms").decrypt(CiphertextBlob=base64.b64decode(sealed))["Plaintext"].decode()
            with _lock:
                _opened[sealed] = plaintext
                _opening.pop(sealed, None)
    return plaintext


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
