"""Storage, behind one seam: services call `store()` and get the Store (store/interface.py).

The DynamoDB implementation is the default; `use()` swaps in another (tests/fakes) or, with
None, goes back to the default.
"""

from __future__ import annotations

from .interface import Store

_current: Store | None = None


def store() -> Store:
    global _current
    if _current is None:
        from .dynamo import DYNAMO  # imported on first use: PynamoDB and the models load here

        _current = DYNAMO
    return _current


def use(replacement: Store | None) -> None:
    global _current
    _current = replacement
