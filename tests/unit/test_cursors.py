"""Cursors: opaque, bound to their list, refused with a 400 naming `cursor` when forged."""

from __future__ import annotations

import base64
import json

import pytest

from chalicelib.domain import cursors
from chalicelib.domain.errors import BadRequest

SCOPE = cursors.scope("m1", "orders")


def raw(body: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")


def test_a_cursor_round_trips() -> None:
    positions = (None, ("2026-01-01T00:00:00.000Z", "order_abc"), cursors.DONE, ("2026-01-01T00:00:00.000Z", ""))
    assert cursors.decode(cursors.encode(positions, SCOPE), SCOPE, 4) == positions


@pytest.mark.parametrize(
    "text",
    [
        "",
        "!!!",
        "x" * (cursors.MAX_LENGTH + 1),
        raw([]),
        raw({"v": 2, "s": SCOPE, "p": [None]}),
        raw({"v": 1, "s": cursors.scope("m2", "orders"), "p": [None]}),  # another merchant's
        raw({"v": 1, "s": cursors.scope("m1", "payments"), "p": [None]}),  # another list's
        raw({"v": 1, "s": SCOPE, "p": [None, None]}),  # another shard count
        raw({"v": 1, "s": SCOPE, "p": [0]}),  # nothing left: never issued
        raw({"v": 1, "s": SCOPE, "p": [False]}),
        raw({"v": 1, "s": SCOPE, "p": [["yesterday", "order_x"]]}),
        raw({"v": 1, "s": SCOPE, "p": [["2026-01-01T00:00:00.000Z", "order_x'; DROP"]]}),
        raw({"v": 1, "s": SCOPE, "p": [["2026-01-01T00:00:00.000Z"]]}),
        raw({"v": 1, "s": SCOPE, "p": [{"id": {"S": "order_x"}}]}),
        raw({"v": 1, "s": SCOPE, "p": "None"}),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_forged_or_foreign_cursor_is_a_400_on_cursor(text: str) -> None:
    with pytest.raises(BadRequest) as refused:
        cursors.decode(text, SCOPE, 1)
    assert refused.value.field == "cursor"


def test_the_scope_covers_every_filter_in_its_place() -> None:
    assert cursors.scope("m1", "payments", "success", None) != cursors.scope("m1", "payments", None, "success")
    assert cursors.scope("m1", "payments", None) == cursors.scope("m1", "payments", None)
