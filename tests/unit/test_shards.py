from collections import Counter

from chalicelib.domain.shards import every_shard, shard_of, sharded_key


def test_a_retry_lands_on_the_same_shard() -> None:
    assert shard_of("pay_abc", 16) == shard_of("pay_abc", 16)
    assert sharded_key("m1", "pay_abc", 16) == sharded_key("m1", "pay_abc", 16)


def test_ids_spread_evenly_over_the_shards() -> None:
    counts = Counter(shard_of(f"pay_{n:06d}", 16) for n in range(16_000))
    assert set(counts) == set(range(16))
    assert max(counts.values()) < 1.15 * 1_000 and min(counts.values()) > 0.85 * 1_000


def test_every_written_key_is_one_a_reader_visits() -> None:
    readers = set(every_shard("m1", 16))
    assert len(readers) == 16
    assert {sharded_key("m1", f"ord_{n}", 16) for n in range(2_000)} == readers
