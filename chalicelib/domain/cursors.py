"""List cursors: where the next page of a newest-first list starts, as opaque text.

A list is read from one or more shards (domain/shards.py), each newest first. A cursor holds,
per shard, where reading continues: from the top (None), after an item (its created_at and id),
or nowhere (DONE, the shard is exhausted). The store turns a position into its own start key,
always under the calling merchant's own keys: a forged position can at most skip or repeat that
merchant's items, never reach another merchant's. The cursor also carries a digest of what it
was issued for (merchant, list, filters); presented anywhere else it is refused with a 400, so a
client that changes its filters mid-way learns so instead of getting a mixed list.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from typing import Literal

from .errors import BadRequest

DONE: Literal["done"] = "done"
HORIZON = ""
"""The id of a position that is only a time: the shard continues at items created at or before
it. A page leaves it on the shards it took nothing from, so that a walk never shows items
created after it began, and an item tied with the page's last one is not skipped."""
ShardPosition = tuple[str, str] | None | Literal["done"]
Positions = tuple[ShardPosition, ...]

MAX_LENGTH = 4096
VERSION = 1
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
_ID = re.compile(r"^[A-Za-z0-9_-]{0,64}$")  # empty: a horizon, see HORIZON


def scope(*parts: object) -> str:
    """The digest a cursor is bound to: the merchant, the list and every filter, in order."""
    text = "\x1f".join("" if part is None else str(part) for part in parts)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def start(shards: int) -> Positions:
    return (None,) * shards


def encode(positions: Positions, bound_to: str) -> str:
    body = {"v": VERSION, "s": bound_to, "p": [0 if p == DONE else (list(p) if p else None) for p in positions]}
    raw = json.dumps(body, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _invalid() -> BadRequest:
    return BadRequest("cursor is not valid for this list: use the next_cursor of a previous page", "cursor")


def _position(entry: object) -> ShardPosition:
    if entry is None:
        return None
    if entry == 0 and not isinstance(entry, bool):
        return DONE
    if (
        isinstance(entry, list)
        and len(entry) == 2
        and isinstance(entry[0], str)
        and isinstance(entry[1], str)
        and _TIME.match(entry[0])
        and _ID.match(entry[1])
    ):
        return (entry[0], entry[1])
    raise _invalid()


def decode(text: str, bound_to: str, shards: int) -> Positions:
    """The positions of a cursor this list issued; a 400 naming `cursor` for anything else."""
    if len(text) > MAX_LENGTH:
        raise _invalid()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        body = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _invalid() from None
    if not isinstance(body, dict) or body.get("v") != VERSION or body.get("s") != bound_to:
        raise _invalid()
    entries = body.get("p")
    if not isinstance(entries, list) or len(entries) != shards:
        raise _invalid()
    positions = tuple(_position(entry) for entry in entries)
    if all(p == DONE for p in positions):
        raise _invalid()  # never issued: the last page has no next_cursor
    return positions
