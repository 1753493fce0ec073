"""The stage's sealed secrets: the first writer's value stays, whoever races it."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from chalicelib.store.interface import Store


def test_a_stage_key_is_written_once_and_kept(store: Store) -> None:
    name = "test-key-" + uuid.uuid4().hex
    assert store.stage_keys.get(name) is None
    assert store.stage_keys.create_if_absent(name, "sealed-1", "2026-12-01T00:00:00.000Z")
    assert not store.stage_keys.create_if_absent(name, "sealed-2", "2026-12-01T00:00:01.000Z")
    assert store.stage_keys.get(name) == "sealed-1"


def test_of_concurrent_writers_exactly_one_wins(store: Store) -> None:
    name = "race-key-" + uuid.uuid4().hex
    with ThreadPoolExecutor(8) as pool:
        won = list(pool.map(lambda i: store.stage_keys.create_if_absent(name, f"sealed-{i}", "t"), range(8)))
    assert won.count(True) == 1
    assert store.stage_keys.get(name) == f"sealed-{won.index(True)}"
