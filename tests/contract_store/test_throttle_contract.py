"""The throttling counters, one contract for both Stores: the limit holds under racing callers
(the DynamoDB Store's conditional UpdateItem, the fake's lock), and a window's counter is its own."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from chalicelib.domain.throttle import KEEP_AFTER_WINDOW_SECONDS, Budget, window
from chalicelib.store.interface import Store

NOW = 1_796_126_400.0  # 2026-12-01T12:00:00Z, the start of a minute


def fresh(limit: int, now: float = NOW, seconds: int = 60):  # type: ignore[no-untyped-def]
    return window("contract", uuid.uuid4().hex, Budget(limit, seconds), now)


def test_attempts_are_taken_up_to_the_limit_and_no_further(store: Store) -> None:
    counter = fresh(3)
    assert [store.throttle.take(counter) for _ in range(5)] == [True, True, True, False, False]


def test_subjects_and_windows_count_apart(store: Store) -> None:
    counter = fresh(1)
    assert store.throttle.take(counter) and not store.throttle.take(counter)
    assert store.throttle.take(fresh(1))  # another subject
    # The next window of the same subject starts empty, though the spent one's row is still
    # stored (TTL deletes lazily; DynamoDB Local and moto never do).
    subject = counter.key.split("#")[1]
    later = window("contract", subject, Budget(1, 60), NOW + 60)
    assert later.key != counter.key and store.throttle.take(later)
    assert not store.throttle.take(counter)


def test_giving_back_frees_one_attempt_and_never_goes_below_zero(store: Store) -> None:
    counter = fresh(2)
    store.throttle.give_back(counter)  # nothing taken: nothing to give back, nothing created
    assert [store.throttle.take(counter) for _ in range(3)] == [True, True, False]
    store.throttle.give_back(counter)
    assert [store.throttle.take(counter) for _ in range(2)] == [True, False]


def test_clearing_starts_the_window_again(store: Store) -> None:
    counter = fresh(2)
    assert store.throttle.take(counter) and store.throttle.take(counter)
    store.throttle.clear(counter)
    store.throttle.clear(counter)  # clearing what is gone is fine
    assert [store.throttle.take(counter) for _ in range(3)] == [True, True, False]


def test_racing_takes_never_pass_the_limit(store: Store) -> None:
    counter = fresh(25)
    with ThreadPoolExecutor(8) as pool:
        taken = list(pool.map(lambda _: store.throttle.take(counter), range(80)))
    assert taken.count(True) == 25


def test_a_window_ends_where_the_next_begins() -> None:
    first, second = fresh(1, NOW + 59), fresh(1, NOW + 60)
    assert (first.start, first.end, second.start) == (NOW, NOW + 60, NOW + 60)
    assert first.retry_after(NOW + 59.2) == 1 and first.retry_after(NOW) == 60
    assert first.expires_at == first.end + KEEP_AFTER_WINDOW_SECONDS


def test_the_dynamodb_counter_carries_its_ttl(dynamo_store: Store) -> None:
    """The row holds the window's expiry as DynamoDB's TTL attribute, so the table does not grow."""
    from chalicelib.store.models import ThrottleModel

    counter = fresh(2)
    assert dynamo_store.throttle.take(counter)
    row = ThrottleModel.get(counter.key, consistent_read=True)
    assert int(row.attempts) == 1 and int(row.expires_at.timestamp()) == counter.expires_at
