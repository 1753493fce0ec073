"""The backlog (store.backlog): every pending payment, refund and delivery, whoever it belongs to,
and nothing final, on both Stores. The tables are shared with other cases, so each case looks for
its own records among what comes back."""

from __future__ import annotations

from chalicelib.domain.payments import Outcome
from chalicelib.store.interface import Store
from chalicelib.store.records import Refund, Reservation

from .test_store_contract import at, audit_entry, event, merchant_id, order, payment, uid


def test_the_backlog_holds_exactly_the_pending_records(store: Store) -> None:
    owner, other = merchant_id(), merchant_id()
    waiting = payment(owner, uid("order"))
    settled_order = order(other)
    store.orders.create(settled_order)
    settled = payment(other, settled_order.id)
    created_event, pending_event = event(owner, waiting.id), event(owner, waiting.id, event="payment.pending")
    assert store.payments.create_with_events(waiting, [created_event, pending_event])
    assert store.payments.create_with_events(settled, [])
    success_event = event(other, settled.id, event="payment.success")
    store.payments.finalize(settled, Outcome("success"), success_event, at(5))
    refunded, processed = (Refund(uid("rfnd"), other, settled.id, 100, "INR", "pending", at(n)) for n in (6, 7))
    for refund in (refunded, processed):
        created = event(other, refund.id, event="refund.created")
        reservation = store.refunds.create_with_event(settled, refund, created, audit_entry(other, refund.id))
        assert reservation == Reservation.RESERVED
        settled = store.payments.get(settled.id) or settled
    assert store.refunds.finalize(processed, event(other, processed.id, event="refund.processed"), at(8))
    claimed = store.deliveries.claim(pending_event.id, 0, 0, 1000, "2999-01-01T00:00:00.000Z")
    assert claimed is not None
    attempt = {"number": 1, "at": at(9), "response_code": 200}
    assert store.deliveries.record_attempt(claimed, attempt, "success", None)

    assert {p.id for p in store.backlog.pending_payments() if p.merchant_id in (owner, other)} == {waiting.id}
    assert {r.id for r in store.backlog.pending_refunds() if r.merchant_id in (owner, other)} == {refunded.id}
    found = {d.id: d for d in store.backlog.pending_deliveries() if d.merchant_id in (owner, other)}
    assert created_event.id in found and success_event.id in found and pending_event.id not in found
    assert found[created_event.id] == created_event
    assert all(d.status == "pending" for d in found.values())
    assert len(found) == 5  # created, success, two refund.created, refund.processed
