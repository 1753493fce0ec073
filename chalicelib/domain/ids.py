"""Entity ids: a prefix and 16 alphanumerics, random or derived from the facts that make them unique."""

from __future__ import annotations

import hashlib
import secrets
import string

ALPHABET = string.ascii_letters + string.digits
ID_LENGTH = 16


def new_id(prefix: str) -> str:
    return prefix + "_" + "".join(secrets.choice(ALPHABET) for _ in range(ID_LENGTH))


def derived_id(prefix: str, *parts: str) -> str:
    """The same parts always give the same id, so a retried step finds what its first try wrote."""
    digest = hashlib.sha256("\x1f".join((prefix, *parts)).encode()).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(ID_LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return prefix + "_" + "".join(chars)


def has_shape(value: str, prefix: str) -> bool:
    body = value[len(prefix) + 1 :]
    return value.startswith(prefix + "_") and len(body) == ID_LENGTH and all(c in ALPHABET for c in body)
