"""Keyed MACs of cards: the only form in which a card number (and its expiry) may reach a stored or
derived value other than its network and last four digits.

HMAC-SHA256 under a per-stage secret: 32 random bytes, sealed with the stage's KMS key
(chalicelib/vault.py) and kept in the `keys` table, created once with a conditional write (at
provisioning by migration 3, or by the first process that needs it) and unsealed once per process.
A plain hash would not do: a card number has ~30 unknown bits once its issuer prefix and last four
are known, so any unkeyed digest of it is reversed by trying them all (issue 14). The CVV is never
an input to anything here, nor anywhere else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading

from .. import vault
from ..domain import clock, instruments
from ..store import store

KEY_NAME = "card-mac-v1"  # a new name, never a new value, if the key is ever rotated
KEY_BYTES = 32

_key: bytes | None = None
_lock = threading.Lock()


def ensure_key() -> bytes:
    """The stage's MAC key, created if it does not exist yet. Two processes racing to create it
    both end with the one the conditional write kept."""
    sealed = store().stage_keys.get(KEY_NAME)
    if sealed is None:
        candidate = vault.seal(base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode())
        # Losing the race is fine: the read that follows gets the winner's key, the stage's for good.
        store().stage_keys.create_if_absent(KEY_NAME, candidate, clock.now_iso())
        sealed = store().stage_keys.get(KEY_NAME)
        if sealed is None:
            raise RuntimeError(f"the stage key {KEY_NAME} vanished after it was written")
    key = base64.b64decode(vault.unseal(sealed))
    if len(key) != KEY_BYTES:
        raise RuntimeError(f"the stage key {KEY_NAME} is not {KEY_BYTES} bytes")
    return key


def _stage_key() -> bytes:
    global _key
    if _key is None:
        with _lock:
            if _key is None:
                _key = ensure_key()
    return _key


def forget_key() -> None:
    """For tests that point the process at another stage."""
    global _key
    with _lock:
        _key = None


def card_mac(merchant_id: str, number: str, expiry_month: int, expiry_year: int) -> str:
    """The card's MAC within one merchant: the same card and expiry give the same value for that
    merchant; another merchant's MAC of it is unrelated (no cross-merchant linking of cards)."""
    expiry = f"{expiry_month:02d}/{instruments.normalize_expiry_year(expiry_year)}"
    message = "\x1f".join(("card", merchant_id, instruments.digits_only(number), expiry)).encode()
    return hmac.new(_stage_key(), message, hashlib.sha256).hexdigest()


def fingerprint(merchant_id: str, number: str, expiry_month: int, expiry_year: int, holder: str | None) -> dict:
    """What an idempotency fingerprint holds of a card: nothing an attacker can test a candidate
    card against without the stage's key, and no CVV."""
    return {
        "network": instruments.card_network(number),
        "last4": number[-4:],
        "holder_name": holder,
        "mac": card_mac(merchant_id, number, expiry_month, expiry_year),
    }
