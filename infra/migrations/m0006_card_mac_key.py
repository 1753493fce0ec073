"""The stage's card MAC key: 32 random bytes sealed with the stage's KMS key, in the `keys` table.

Idempotency fingerprints and payments hold a card only as its network, last four digits and an
HMAC-SHA256 under this key (chalicelib/services/card_macs.py, docs/decisions.md, "Card data in
idempotency"). Creating it here, once per stage, spares the first card payment the work; a
process that finds no key creates it the same way (a conditional write: the first one stays), so
this step is safe to run any number of times and concurrently with the running release.
"""

from __future__ import annotations

VERSION = 6
DESCRIPTION = "the stage's sealed card MAC key"


def apply() -> None:
    from chalicelib.services import card_macs

    card_macs.ensure_key()
