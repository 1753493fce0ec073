"""The awaiting index (store.awaiting): a pending payment, refund or delivery waits in it, due
when its work is; the write that finishes it takes it out; a claim moves it once. On both Stores.
The tables are shared with other cases, so each case looks for its own items among what comes back."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.domain.payments import Outcome
from chalicelib.domain.shards import AWAITING_SHARDS, shard_of
from chalicelib.store.interface import Store
from chalicelib.store.keys import epoch_ms
from chalicelib.store.records import Awaited, Delivery, Finalized, Refund, Reservation, WorkKind

from .test_store_contract import at, audit_entry, event, merchant_id, payment, uid

FOREVER = 253402300799000


def entries(store: Store, kind: WorkKind, item_id: str, due_by: int = FOREVER, limit: int = 50) -> list[Awaited]:
    """Every entry of the item's shard due by `due_by`, page after page, earliest first."""
    shard = shard_of(item_id, AWAITING_SHARDS)
    found: list[Awaited] = []
    after = None
    while True:
        page = store.awaiting.due(kind, shard, due_by, limit, after)
        assert len(page.items) <= limit
        found += page.items
        if page.next is None:
            return found
        after = page.next


def entry(store: Store, kind: WorkKind, item_id: str) -> Awaited | None:
    mine = [found for found in entries(store, kind, item_id) if found.id == item_id]
    assert len(mine) <= 1
    return mine[0] if mine else None


def test_a_pending_payment_waits_until_it_is_finalized(store: Store) -> None:
    owner = merchant_id()
    waiting = payment(owner, uid("order"), process_after_ms=epoch_ms(at(30)))
    created = event(owner, waiting.id)
    assert store.payments.create_with_events(waiting, [created])
    assert entry(store, "payment", waiting.id) == Awaited("payment", waiting.id, epoch_ms(at(30)))
    assert entry(store, "delivery", created.id) == Awaited("delivery", created.id, epoch_ms(created.created_at))
    # Not due yet: a cutoff before its due time leaves it out.
    shard = shard_of(waiting.id, AWAITING_SHARDS)
    early = store.awaiting.due("payment", shard, epoch_ms(at(29)), 1000)
    assert waiting.id not in {found.id for found in early.items}
    failed = event(owner, waiting.id, event="payment.failed")
    assert store.payments.finalize(waiting, Outcome("failed"), failed, at(40)) is Finalized.DONE
    assert entry(store, "payment", waiting.id) is None
    assert entry(store, "delivery", failed.id) is not None  # its own delivery now waits


def test_a_final_item_never_enters_and_a_refund_leaves_when_processed(store: Store) -> None:
    owner = merchant_id()
    settled = payment(owner, uid("order"), status="success")
    assert store.payments.create_with_events(settled, [])
    assert entry(store, "payment", settled.id) is None
    refund = Refund(uid("rfnd"), owner, settled.id, 100, "INR", "pending", at(3), process_after_ms=epoch_ms(at(9)))
    created = event(owner, refund.id, event="refund.created")
    logged = audit_entry(owner, refund.id)
    assert store.refunds.create_with_event(settled, refund, created, logged) is Reservation.RESERVED
    assert entry(store, "refund", refund.id) == Awaited("refund", refund.id, epoch_ms(at(9)))
    assert store.refunds.finalize(refund, event(owner, refund.id, event="refund.processed"), at(10))
    assert entry(store, "refund", refund.id) is None


def test_a_delivery_waits_for_its_next_retry_and_leaves_when_final(store: Store) -> None:
    owner = merchant_id()
    first, second = event(owner, uid("pay")), event(owner, uid("pay"))
    for delivery in (first, second):
        assert store.deliveries.create(delivery)
    failed = {"number": 1, "at": at(20), "response_code": 500}
    assert store.deliveries.record_attempt(first, failed, "pending", at(50))
    assert entry(store, "delivery", first.id) == Awaited("delivery", first.id, epoch_ms(at(50)))
    succeeded = {"number": 2, "at": at(51), "response_code": 200}
    assert store.deliveries.record_attempt(replace(first, attempts=1), succeeded, "success", None)
    assert entry(store, "delivery", first.id) is None
    assert store.deliveries.mark_skipped(owner, second.id, second.event, 0, "no url")
    assert entry(store, "delivery", second.id) is None
    # A manual retry makes it wait again, due from the moment of the retry.
    skipped = store.deliveries.get(second.id)
    assert skipped is not None
    before = epoch_ms(at(0)) + 1
    assert store.deliveries.reset_for_retry(skipped, 1)
    again = entry(store, "delivery", second.id)
    assert again is not None and again.due_ms > before


def test_a_claim_moves_the_entry_once_and_returns_the_item(store: Store) -> None:
    owner = merchant_id()
    waiting = payment(owner, uid("order"))
    assert store.payments.create_with_events(waiting, [])
    found = entry(store, "payment", waiting.id)
    assert found is not None
    later = found.due_ms + 60_000
    assert store.awaiting.claim(found, later) == waiting
    assert store.awaiting.claim(found, later + 1) is None  # another run claimed it first
    assert entry(store, "payment", waiting.id) == replace(found, due_ms=later)
    moved = Awaited("payment", waiting.id, later)
    store.payments.finalize(waiting, Outcome("failed"), event(owner, waiting.id, event="payment.failed"), at(5))
    assert store.awaiting.claim(moved, later + 2) is None  # finished: nothing to claim
    assert store.awaiting.claim(Awaited("payment", uid("pay"), 0), 1) is None


def test_pages_walk_a_shard_in_due_order_seeing_each_entry_once(store: Store) -> None:
    owner = merchant_id()
    shard = None
    mine: list[Delivery] = []
    while len(mine) < 12:  # twelve deliveries in one shard, due at distinct times
        candidate = event(owner, uid("pay"), len(mine))
        if shard is None:
            shard = shard_of(candidate.id, AWAITING_SHARDS)
        if shard_of(candidate.id, AWAITING_SHARDS) == shard:
            assert store.deliveries.create(candidate)
            mine.append(candidate)
    walked = entries(store, "delivery", mine[0].id, limit=5)
    ids = [found.id for found in walked]
    assert len(ids) == len(set(ids))
    assert [found.due_ms for found in walked] == sorted(found.due_ms for found in walked)
    assert [i for i in ids if i in {d.id for d in mine}] == [d.id for d in mine]
