"""Issue 17's store changes, held to one semantics on the fake and on DynamoDB: an auto-capture
applied in the finalize write, the notes Razorpay's face edits (only the merchant's own), and the
new fields read back as written."""

from __future__ import annotations

from chalicelib.domain.payments import Outcome
from chalicelib.store.interface import Store
from chalicelib.store.records import Finalized, Refund, Reservation

from .test_store_contract import at, audit_entry, event, merchant_id, order, payment, uid


def test_a_success_with_capture_is_captured_in_the_finalize_write(store: Store) -> None:
    owner = merchant_id()
    the_order = order(owner, payment_capture=True)
    assert store.orders.create(the_order)
    assert store.orders.get(the_order.id) == the_order
    item = payment(owner, the_order.id, auto_capture=True, notes={"k": "v"})
    assert store.payments.create_with_events(item, [])
    assert store.payments.get(item.id) == item
    done = store.payments.finalize(item, Outcome("success", capture=True), event(owner, item.id), at(5))
    assert done is Finalized.DONE
    captured = store.payments.get(item.id)
    assert captured is not None and captured.captured is True
    assert (captured.captured_at, captured.amount_captured) == (at(5), item.amount)
    # A failure never captures, whatever it says.
    other = payment(owner, uid("order"), 1)
    store.payments.create_with_events(other, [])
    store.payments.finalize(
        other, Outcome("failed", "PAYMENT_FAILED", "no", capture=True), event(owner, other.id), at(6)
    )
    failed = store.payments.get(other.id)
    assert failed is not None and failed.captured is False and failed.amount_captured == 0


def test_notes_are_replaced_only_on_the_merchants_own_payment_and_refund(store: Store) -> None:
    owner, stranger = merchant_id(), merchant_id()
    item = payment(owner, uid("order"), status="success")
    store.payments.create_with_events(item, [])
    assert store.payments.set_notes(item.id, stranger, {"x": "y"}, at(3)) is None
    assert store.payments.set_notes(uid("pay"), owner, {"x": "y"}, at(3)) is None
    edited = store.payments.set_notes(item.id, owner, {"a": "b"}, at(4))
    assert edited is not None and edited.notes == {"a": "b"} and edited.updated_at == at(4)
    assert store.payments.get(item.id) == edited

    refund = Refund(uid("rfnd"), owner, item.id, 100, "INR", "pending", at(5), speed_requested="optimum")
    reserved = store.refunds.create_with_event(item, refund, event(owner, refund.id), audit_entry(owner, refund.id))
    assert reserved is Reservation.RESERVED
    assert store.refunds.get(refund.id) == refund
    assert store.refunds.set_notes(refund.id, stranger, {"x": "y"}) is None
    assert store.refunds.set_notes(uid("rfnd"), owner, {"x": "y"}) is None
    noted = store.refunds.set_notes(refund.id, owner, {"c": "d"})
    assert noted is not None and noted.notes == {"c": "d"} and noted.speed_requested == "optimum"
    assert store.refunds.get(refund.id) == noted


def test_a_capture_writes_its_announcements_with_it_or_not_at_all(store: Store) -> None:
    owner = merchant_id()
    item = payment(owner, uid("order"), status="success")
    store.payments.create_with_events(item, [])
    announced = event(owner, item.id, event="payment.captured", generation=1, endpoint_id="we_x")
    entry = audit_entry(owner, item.id)
    assert store.payments.capture(item, at(2), entry, [announced]) is not None
    assert store.deliveries.get(announced.id) == announced
    again = event(owner, item.id, event="payment.captured", generation=1)
    assert store.payments.capture(item, at(3), audit_entry(owner, item.id, 1), [again]) is None
    assert store.deliveries.get(again.id) is None
