"""One contract, two Stores: whatever the DynamoDB Store does, the fake the unit tests use does too.

Each case writes under fresh ids, so the cases share the emulator's tables without meeting.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.endpoints import default_endpoint_id
from chalicelib.domain.payments import Outcome
from chalicelib.domain.shards import COUNTER_SHARDS, shard_of
from chalicelib.store.interface import Store
from chalicelib.store.records import (
    AuditEntry,
    Delivery,
    EndpointRotation,
    Finalized,
    JobStatsWrite,
    Merchant,
    Order,
    PageRequest,
    Payment,
    Refund,
    Reservation,
    Session,
)


def uid(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


def at(n: int) -> str:
    """Distinct, ordered creation times."""
    return f"2026-01-01T00:00:{n:02d}.000Z"


def order(merchant_id: str, n: int = 0, **changes: Any) -> Order:
    base = Order(uid("order"), merchant_id, 50000, "INR", "created", at(n), receipt="r", notes={"sku": "A1"})
    return replace(base, **changes)


def payment(merchant_id: str, order_id: str, n: int = 0, **changes: Any) -> Payment:
    base = Payment(uid("pay"), merchant_id, order_id, 50000, "INR", "upi", "pending", at(n), at(n), vpa="a@bank")
    return replace(base, **changes)


def event(merchant_id: str, entity_id: str, n: int = 0, **changes: Any) -> Delivery:
    base = Delivery(
        uid("evt"), merchant_id, "payment.created", entity_id, 1767225600, '{"event":"x"}', "pending", at(n)
    )
    return replace(base, **changes)


def merchant_id() -> str:
    return str(uuid.uuid4())


def audit_entry(merchant: str, entity_id: str, n: int = 0, **changes: Any) -> AuditEntry:
    base = AuditEntry(
        uid("audit"), merchant, "refund.create", "refund", entity_id, "Refund of 1 INR", "api_key", "key_x", at(n)
    )
    return replace(base, source_ip="198.51.100.7", **changes)


def test_an_order_is_created_once_and_reads_back_equal(store: Store) -> None:
    written = order(merchant_id())
    assert store.orders.create(written) is True
    assert store.orders.create(replace(written, amount=1)) is False
    assert store.orders.get(written.id) == written
    assert store.orders.get(uid("order")) is None


def test_lists_are_newest_first_with_offset_limit_and_total(store: Store) -> None:
    owner = merchant_id()
    written = [order(owner, n) for n in range(5)]
    for item in written:
        assert store.orders.create(item)
    store.orders.create(order(merchant_id(), 9))  # another merchant's
    page = store.orders.list_for_merchant(owner, PageRequest(2, 1))
    assert page.total == 5
    assert page.items == [written[3], written[2]]
    assert store.orders.list_for_merchant(owner, PageRequest(10, 4)).items == [written[0]]
    assert store.orders.list_for_merchant(owner, PageRequest(10, 5)).items == []


def test_a_payment_and_its_events_are_written_all_or_nothing(store: Store) -> None:
    owner = merchant_id()
    first = payment(owner, uid("order"))
    events = [event(owner, first.id), event(owner, first.id, event="payment.pending")]
    assert store.payments.create_with_events(first, events) is True
    assert store.payments.get(first.id) == first
    assert store.deliveries.get(events[1].id) == events[1]
    assert store.payments.create_with_events(first, []) is False
    # An event that exists already cancels the whole write: the new payment is not there.
    second = payment(owner, uid("order"))
    assert store.payments.create_with_events(second, [event(owner, second.id), events[0]]) is False
    assert store.payments.get(second.id) is None


def test_finalizing_a_payment_happens_once_and_pays_its_order(store: Store) -> None:
    owner = merchant_id()
    the_order = order(owner)
    store.orders.create(the_order)
    first, second = payment(owner, the_order.id), payment(owner, the_order.id, 1)
    for item in (first, second):
        assert store.payments.create_with_events(item, [])
    success = Outcome("success")
    done = store.payments.finalize(first, success, event(owner, first.id), at(10))
    assert done is Finalized.DONE
    paid = store.orders.get(the_order.id)
    assert paid is not None and paid.status == "paid" and paid.paid_at == at(10)
    final = store.payments.get(first.id)
    assert final is not None and final.status == "success" and final.updated_at == at(10)
    again = store.payments.finalize(first, success, event(owner, first.id), at(11))
    assert again is Finalized.ALREADY_FINAL
    # The order is paid: the other payment's success writes nothing, not even its event.
    taken_event = event(owner, second.id)
    assert store.payments.finalize(second, success, taken_event, at(12)) is Finalized.ORDER_TAKEN
    pending = store.payments.get(second.id)
    assert pending is not None and pending.status == "pending"
    assert store.deliveries.get(taken_event.id) is None
    failed = Outcome("failed", "ORDER_ALREADY_PAID", "paid already")
    assert store.payments.finalize(second, failed, event(owner, second.id), at(13)) is Finalized.DONE
    failed_payment = store.payments.get(second.id)
    assert failed_payment is not None and failed_payment.error_code == "ORDER_ALREADY_PAID"
    assert failed_payment.error_description == "paid already"


def test_only_a_successful_uncaptured_payment_is_captured_once(store: Store) -> None:
    owner = merchant_id()
    pending, succeeded = payment(owner, uid("order")), payment(owner, uid("order"), status="success")
    for item in (pending, succeeded):
        store.payments.create_with_events(item, [])
    capture = audit_entry(owner, succeeded.id, action="payment.capture", entity_type="payment")
    assert store.payments.capture(pending, at(5), audit_entry(owner, pending.id)) is None
    captured = store.payments.capture(succeeded, at(5), capture)
    expected = replace(succeeded, captured=True, captured_at=at(5), amount_captured=50000, updated_at=at(5))
    assert captured == expected and store.payments.get(succeeded.id) == expected
    assert store.payments.capture(succeeded, at(6), audit_entry(owner, succeeded.id)) is None
    assert store.payments.capture(payment(owner, uid("order")), at(6), audit_entry(owner, "pay_x")) is None
    assert store.payments.get(pending.id) == pending  # refused: nothing written, no stray item
    assert [e.id for e in store.audit.list_for_merchant(owner, PageRequest(10)).items] == [capture.id]


def test_a_payment_with_any_refund_is_not_captured_and_its_capture_is_not_logged(store: Store) -> None:
    """The write's own condition, whatever its caller read: a refund reserved (pending or
    processed) before the capture's write makes the capture fail, all or nothing."""
    owner = merchant_id()
    paid = payment(owner, uid("order"), status="success")
    store.payments.create_with_events(paid, [])
    refund = Refund(uid("rfnd"), owner, paid.id, 1, "INR", "pending", at(1))
    reserved = store.refunds.create_with_event(paid, refund, event(owner, refund.id), audit_entry(owner, refund.id))
    assert reserved is Reservation.RESERVED
    capture = audit_entry(owner, paid.id, 2, action="payment.capture", entity_type="payment")
    assert store.payments.capture(paid, at(2), capture) is None  # `paid` is the stale read: no refund in it
    after = store.payments.get(paid.id)
    assert after is not None and after.captured is False and after.amount_captured == 0
    assert [e.action for e in store.audit.list_for_merchant(owner, PageRequest(10)).items] == ["refund.create"]
    # A capture whose audit id exists already (a retry after an unknown outcome) writes nothing.
    other = payment(owner, uid("order"), status="success")
    store.payments.create_with_events(other, [])
    taken = audit_entry(owner, other.id, 3, id=refund_entry_id(store, owner))
    assert store.payments.capture(other, at(3), taken) is None
    unchanged = store.payments.get(other.id)
    assert unchanged is not None and unchanged.captured is False


def refund_entry_id(store: Store, owner: str) -> str:
    return store.audit.list_for_merchant(owner, PageRequest(1)).items[0].id


def test_every_change_of_a_payment_moves_updated_at(store: Store) -> None:
    owner = merchant_id()
    paid = payment(owner, uid("order"), status="success")
    store.payments.create_with_events(paid, [])
    refund = Refund(uid("rfnd"), owner, paid.id, 100, "INR", "pending", at(3), notes={"ticket": "T-1"})
    store.refunds.create_with_event(paid, refund, event(owner, refund.id), audit_entry(owner, refund.id))
    reserved = store.payments.get(paid.id)
    assert reserved is not None and reserved.updated_at == at(3) and reserved.amount_refunded == 100
    assert store.refunds.get(refund.id) == refund  # notes included
    assert store.refunds.finalize(refund, event(owner, refund.id, event="refund.processed"), at(4)) is True
    processed = store.payments.get(paid.id)
    assert processed is not None and processed.updated_at == at(4)


def test_audit_entries_list_newest_first_per_merchant_and_are_written_once(store: Store) -> None:
    owner, other = merchant_id(), merchant_id()
    written = [audit_entry(owner, f"pay_{n}", n) for n in range(5)]
    for entry in written:
        assert store.audit.add(entry) is True
    assert store.audit.add(written[0]) is False
    assert store.audit.add(audit_entry(other, "pay_x")) is True
    page = store.audit.list_for_merchant(owner, PageRequest(3))
    assert page.items == written[:1:-1] and page.total == 5 and page.next is not None
    rest = store.audit.list_for_merchant(owner, PageRequest(3, after=page.next))
    assert rest.items == [written[1], written[0]] and rest.next is None
    assert [e.entity_id for e in store.audit.list_for_merchant(other, PageRequest(10)).items] == ["pay_x"]


def test_webhook_settings_change_with_their_audit_entry_or_not_at_all(store: Store) -> None:
    mid = merchant_id()
    merchant = Merchant(mid, "Shop", f"{mid}@example.test", "key_" + mid, "digest", "sealed", at(0))
    store.merchants.create_if_absent(merchant)
    entry = audit_entry(mid, mid, action="webhook.update", entity_type="merchant")
    assert store.merchants.set_webhook(mid, "https://example.test/a", None, entry) is True
    # The same entry again (a retried write): refused whole, the URL stays.
    assert store.merchants.set_webhook(mid, "https://example.test/b", None, entry) is False
    kept = store.merchants.get(mid)
    assert kept is not None and kept.webhook_url == "https://example.test/a"
    missing = merchant_id()
    assert store.merchants.set_webhook(missing, "https://example.test/c", None, audit_entry(missing, missing)) is False
    assert store.merchants.get(missing) is None  # no stray item
    assert store.audit.list_for_merchant(missing, PageRequest(10)).items == []
    assert store.audit.list_for_merchant(mid, PageRequest(10)).total == 1


def test_payment_lists_filter_by_status_and_time(store: Store) -> None:
    owner, order_id = merchant_id(), uid("order")
    written = [payment(owner, order_id, n, status="success" if n % 2 else "pending") for n in range(6)]
    for item in written:
        store.payments.create_with_events(item, [])
    assert store.payments.list_for_merchant(owner, PageRequest(10, 0), status="success").items == [
        written[5],
        written[3],
        written[1],
    ]
    ranged = store.payments.list_for_merchant(owner, PageRequest(10, 0), created_from=at(2), created_to=at(4))
    assert ranged.items == [written[4], written[3], written[2]] and ranged.total is None  # no counter per range
    assert len(store.payments.list_for_merchant(owner, PageRequest(2, 0), created_from=at(4)).items) == 2
    assert store.payments.list_for_merchant(owner, PageRequest(10, 0), created_to=at(0)).items == [written[0]]
    assert store.payments.list_for_order(order_id, PageRequest(2, 0)).items == [written[5], written[4]]


def test_refunds_are_reserved_within_the_amount_and_processed_once(store: Store) -> None:
    owner = merchant_id()
    paid = payment(owner, uid("order"), status="success")
    store.payments.create_with_events(paid, [])

    def refund(amount: int, n: int = 0) -> Refund:
        return Refund(uid("rfnd"), owner, paid.id, amount, "INR", "pending", at(n))

    def reserve(item: Refund) -> Reservation:
        return store.refunds.create_with_event(paid, item, event(owner, item.id), audit_entry(owner, item.id))

    first = refund(30000)
    assert reserve(first) is Reservation.RESERVED
    assert store.refunds.get(first.id) == first
    too_much = refund(20001, 1)
    assert reserve(too_much) is Reservation.REFUSED
    assert store.refunds.get(too_much.id) is None
    retried = store.refunds.create_with_event(paid, first, event(owner, first.id), audit_entry(owner, first.id))
    assert retried is Reservation.EXISTS
    rest = refund(20000, 2)
    assert reserve(rest) is Reservation.RESERVED
    after = store.payments.get(paid.id)
    assert after is not None and after.amount_refunded == 50000
    assert [r.id for r in store.refunds.list_for_payment(paid.id, PageRequest(10, 0)).items] == [rest.id, first.id]
    assert store.refunds.list_for_merchant(owner, PageRequest(10, 0)).total == 2
    processed_event = event(owner, first.id, event="refund.processed")
    assert store.refunds.finalize(first, processed_event, at(9)) is True
    assert store.refunds.finalize(first, event(owner, first.id), at(10)) is False
    processed = store.refunds.get(first.id)
    assert processed is not None and processed.status == "processed" and processed.processed_at == at(9)
    unpaid = payment(owner, uid("order"))
    store.payments.create_with_events(unpaid, [])
    blocked = Refund(uid("rfnd"), owner, unpaid.id, 1, "INR", "pending", at(0))
    refused = store.refunds.create_with_event(unpaid, blocked, event(owner, blocked.id), audit_entry(owner, blocked.id))
    assert refused is Reservation.REFUSED


def failed_attempt(number: int) -> dict[str, Any]:
    return {"number": number, "at": at(number), "url": "http://x", "response_code": 500, "response_body": "no",
            "error": None, "duration_ms": 3}  # fmt: skip


def test_an_attempt_is_recorded_once_under_its_generation_and_count(store: Store) -> None:
    owner = merchant_id()
    delivery = event(owner, uid("pay"))
    assert store.deliveries.create(delivery) is True
    assert store.deliveries.create(delivery) is False
    attempt = failed_attempt(1)
    assert store.deliveries.record_attempt(replace(delivery, generation=1), attempt, "pending", at(5)) is False
    assert store.deliveries.record_attempt(replace(delivery, attempts=1), attempt, "pending", at(5)) is False
    assert store.deliveries.record_attempt(delivery, attempt, "pending", at(5)) is True
    assert store.deliveries.record_attempt(delivery, attempt, "pending", at(5)) is False  # once
    recorded = store.deliveries.get(delivery.id)
    assert recorded == replace(
        delivery, attempts=1, attempt_log=(attempt,), last_attempt_at=at(1), next_retry_at=at(5), response_code=500
    )
    success = {**attempt, "number": 2, "response_code": 200}
    assert store.deliveries.record_attempt(recorded, success, "success", None) is True
    done = store.deliveries.get(delivery.id)
    assert done is not None and done.status == "success" and done.next_retry_at is None
    assert [entry["number"] for entry in done.attempt_log] == [1, 2]
    assert store.deliveries.record_attempt(done, failed_attempt(3), "pending", at(9)) is False  # final
    assert store.deliveries.list_for_merchant(owner, PageRequest(10, 0), status="success").total == 1
    absent = event(owner, uid("pay"))
    assert store.deliveries.record_attempt(absent, attempt, "pending", at(5)) is False
    assert store.deliveries.get(absent.id) is None


def test_a_first_attempt_creates_another_endpoints_delivery_with_its_counts(store: Store) -> None:
    owner = merchant_id()
    delivery = event(owner, uid("pay"), endpoint_id="we_other", event_id=uid("evt"))
    attempt = failed_attempt(1)
    assert store.deliveries.record_attempt(delivery, attempt, "pending", at(5), creating=True) is True
    assert store.deliveries.record_attempt(delivery, attempt, "success", None, creating=True) is False  # a duplicate
    assert store.deliveries.get(delivery.id) == replace(
        delivery, attempts=1, attempt_log=(attempt,), last_attempt_at=at(1), next_retry_at=at(5), response_code=500
    )
    listed = store.deliveries.list_for_merchant(owner, PageRequest(10, 0), status="pending")
    assert listed.total == 1 and [d.id for d in listed.items] == [delivery.id]
    made = event(owner, uid("pay"), endpoint_id="we_other", event_id=uid("evt"))
    assert store.deliveries.record_attempt(made, {**attempt, "response_code": 200}, "success", None, creating=True)
    assert store.deliveries.list_for_merchant(owner, PageRequest(10, 0), status="success").total == 1


def test_the_latest_ten_attempts_are_kept_and_numbers_go_on_after_a_retry(store: Store) -> None:
    owner = merchant_id()
    delivery = event(owner, uid("pay"))
    assert store.deliveries.create(delivery)
    current = delivery
    for number in range(1, 13):
        if number == 6:  # a manual retry: a new generation, numbering goes on
            assert store.deliveries.reset_for_retry(current, 1)
            current = replace(current, generation=1, round_start=5)
        assert store.deliveries.record_attempt(current, failed_attempt(number), "pending", at(30 + number))
        current = replace(current, attempts=number)
    kept = store.deliveries.get(delivery.id)
    assert kept is not None and kept.attempts == 12 and kept.round_start == 5 and kept.generation == 1
    assert [entry["number"] for entry in kept.attempt_log] == list(range(3, 13))


def test_a_delivery_past_its_retention_reads_as_absent(store: Store) -> None:
    owner = merchant_id()
    now = datetime.now(UTC).replace(microsecond=0)
    expired = event(owner, uid("pay"), 1, expires_at=now - timedelta(seconds=5))
    kept = event(owner, uid("pay"), 2, expires_at=now + timedelta(days=30))
    assert store.deliveries.create(expired) and store.deliveries.create(kept)
    assert store.deliveries.get(expired.id) is None
    assert store.deliveries.get(kept.id) == kept
    assert [d.id for d in store.deliveries.list_for_merchant(owner, PageRequest(10, 0)).items] == [kept.id]


def test_skipping_and_manual_retries_are_conditional(store: Store) -> None:
    owner = merchant_id()
    delivery = event(owner, uid("pay"))
    store.deliveries.create(delivery)
    assert store.deliveries.mark_skipped(owner, delivery.id, delivery.event, 1, "no_webhook_url") is False
    assert store.deliveries.mark_skipped(owner, delivery.id, delivery.event, 0, "no_webhook_url") is True
    assert store.deliveries.mark_skipped(owner, delivery.id, delivery.event, 0, "no_webhook_url") is False
    skipped = store.deliveries.get(delivery.id)
    assert skipped is not None
    assert store.deliveries.reset_for_retry(skipped, 2) is False
    assert store.deliveries.reset_for_retry(delivery, 1) is False  # read before it was skipped
    assert store.deliveries.reset_for_retry(skipped, 1) is True
    assert store.deliveries.reset_for_retry(skipped, 1) is False  # another retry won
    assert store.deliveries.get(delivery.id) == replace(delivery, generation=1)
    assert store.deliveries.mark_skipped(merchant_id(), uid("evt"), "payment.created", 0, "x") is False
    assert store.deliveries.reset_for_retry(event(merchant_id(), "pay_x"), 1) is False


def test_the_delivery_log_filters_by_status_and_event(store: Store) -> None:
    owner = merchant_id()
    written = [event(owner, uid("pay"), n, event="refund.created" if n == 2 else "payment.created") for n in range(4)]
    for item in written:
        store.deliveries.create(item)
    store.deliveries.mark_skipped(owner, written[1].id, written[1].event, 0, "x")
    assert store.deliveries.list_for_merchant(owner, PageRequest(10, 0)).items == written[::-1][:1] + written[::-1][
        1:2
    ] + [
        replace(written[1], status="skipped", skip_reason="x"),
        written[0],
    ]
    assert store.deliveries.list_for_merchant(owner, PageRequest(10, 0), status="skipped").total == 1
    assert [
        d.id for d in store.deliveries.list_for_merchant(owner, PageRequest(10, 0), event="refund.created").items
    ] == [written[2].id]
    assert store.deliveries.list_for_merchant(owner, PageRequest(10, 0), "pending", "payment.created").total == 2


def test_the_delivery_log_by_endpoint_and_time_and_its_count(store: Store) -> None:
    """The default endpoint's deliveries include those recorded without an endpoint_id; a list
    by endpoint or time has no total; the count takes [since, until) and the same filters."""
    owner = merchant_id()
    default = default_endpoint_id(owner)
    legacy = event(owner, uid("pay"), 1)
    mine = event(owner, uid("pay"), 2, endpoint_id=default, event_id="evt_x")
    other = event(owner, uid("pay"), 3, endpoint_id="we_0therEndpoint01", event_id="evt_x", status="failed")
    late = event(owner, uid("pay"), 4, event="refund.created")
    for item in (legacy, mine, other, late):
        assert store.deliveries.create(item)
    by_default = store.deliveries.list_for_merchant(owner, PageRequest(10), endpoint_id=default)
    assert (by_default.items, by_default.total) == ([late, mine, legacy], None)
    by_other = store.deliveries.list_for_merchant(owner, PageRequest(10), "failed", endpoint_id=other.endpoint_id)
    assert by_other.items == [other]
    ranged = store.deliveries.list_for_merchant(owner, PageRequest(10), created_from=at(2), created_to=at(3))
    assert (ranged.items, ranged.total) == ([other, mine], None)
    count = store.deliveries.count_for_merchant
    assert count(owner, at(1), at(4)) == 3  # until is not included
    assert count(owner, at(1), at(5), endpoint_id=default) == 3
    assert count(owner, at(1), at(5), "failed") == 1
    assert count(owner, at(1), at(5), event="refund.created", endpoint_id=default) == 1
    assert count(owner, at(1), at(5), "pending", endpoint_id=other.endpoint_id) == 0
    assert count(merchant_id(), at(0), at(59)) == 0


def test_merchants_are_found_by_id_key_and_email(store: Store) -> None:
    mid = merchant_id()
    merchant = Merchant(mid, "Shop", f"{mid}@example.test", "key_" + mid, "digest", "sealed", at(0))
    assert store.merchants.create_if_absent(merchant) is True
    assert store.merchants.create_if_absent(replace(merchant, name="Other")) is False
    assert store.merchants.get(mid) == merchant
    assert store.merchants.by_api_key("key_" + mid) == merchant
    assert store.merchants.by_email(f"{mid}@example.test") == merchant
    assert store.merchants.by_api_key("key_missing" + mid) is None
    assert store.merchants.get_many({mid, str(uuid.uuid4())}) == {mid: merchant}
    store.merchants.set_webhook(
        mid, "https://example.test/hook", ["payment.success", "refund.created"], audit_entry(mid, mid)
    )
    # A merchant made without a webhook gets its default endpoint, unsigned, from set_webhook; a
    # rotation from no secret gives it one (webhook secrets are endpoints' now: store/endpoints.py).
    default = default_endpoint_id(mid)
    rotation = EndpointRotation("", "sealed-secret", at(9), at(1))
    assert store.endpoints.rotate_secret(mid, default, rotation, audit_entry(mid, mid)) is True
    found = store.merchants.get(mid)
    assert found is not None and replace(found, webhook_endpoints=()) == replace(
        merchant,
        webhook_url="https://example.test/hook",
        webhook_events=("payment.success", "refund.created"),
        webhook_secret_sealed="sealed-secret",
    )
    assert found.webhook_endpoints[0].previous_secret_sealed is None and found.webhook_endpoints[0].secret_promoted
    store.merchants.set_webhook(mid, None, None, audit_entry(mid, mid))
    cleared = store.merchants.get(mid)
    assert cleared is not None and cleared.webhook_url is None and cleared.webhook_events is None


def test_sessions_and_job_counters(store: Store) -> None:
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    session = Session(uid("sess"), merchant_id(), expires)
    store.sessions.create(session)
    assert store.sessions.get(session.id) == session
    store.sessions.delete(session.id)
    assert store.sessions.get(session.id) is None
    # The job counters are one set per stage: every case on them is here, run in sequence.
    before = store.job_stats.read()
    store.job_stats.record(JobStatsWrite(uid("w"), 2, 1, 1_000))
    after = store.job_stats.read()
    assert (after.completed - before.completed, after.failed - before.failed) == (2, 1)
    assert after.heartbeat_at is not None

    # Writes spread over the counter shards; the read sums all of them, and a write sent again
    # with the same id and values (a retry after a timeout) adds nothing.
    before = after
    writes = [JobStatsWrite(uid("w"), 1, n % 2, 2_000_000_000_000 + n) for n in range(40)]
    assert len({shard_of(write.write_id, COUNTER_SHARDS) for write in writes}) > 1
    for write in writes:
        store.job_stats.record(write)
    store.job_stats.record(writes[0])
    store.job_stats.record(writes[7])
    after = store.job_stats.read()
    assert after.completed - before.completed == 40
    assert after.failed - before.failed == 20
    assert after.heartbeat_at is not None and after.heartbeat_at >= 2_000_000_000_039


# Cursor paging, counters and statistics (issue 13)


def walk(read: Any, limit: int) -> list[Any]:
    """Every page of a list by cursor: the items in the order the pages gave them."""
    seen: list[Any] = []
    after = None
    for _ in range(1000):
        page = read(PageRequest(limit, 0, after))
        assert len(page.items) <= limit
        seen += page.items
        if page.next is None:
            return seen
        assert page.items, "a page with a next cursor is never empty"
        after = page.next
    raise AssertionError("the walk did not end")


def test_a_cursor_walk_sees_every_item_once_newest_first_even_with_ties(store: Store) -> None:
    owner = merchant_id()
    # 60 orders on 4 creation times, so that every page boundary falls among equal times,
    # across shards and within them.
    written = [order(owner, n % 4) for n in range(60)]
    for item in written:
        assert store.orders.create(item)
    for limit in (1, 7, 16, 100):
        seen = walk(lambda page: store.orders.list_for_merchant(owner, page), limit)
        assert sorted(o.id for o in seen) == sorted(o.id for o in written)  # no duplicate, no gap
        times = [o.created_at for o in seen]
        assert times == sorted(times, reverse=True)
    by_offset = [store.orders.list_for_merchant(owner, PageRequest(9, skip)).items for skip in range(0, 60, 9)]
    assert [o.id for page in by_offset for o in page] == [
        o.id for o in walk(lambda page: store.orders.list_for_merchant(owner, page), 9)
    ]


def test_a_cursor_continues_exactly_after_new_items_arrive(store: Store) -> None:
    owner = merchant_id()
    older = [order(owner, 10) for _ in range(12)]
    for item in older:
        store.orders.create(item)
    first = store.orders.list_for_merchant(owner, PageRequest(5))
    newer = [order(owner, 20) for _ in range(5)]
    for item in newer:
        store.orders.create(item)
    rest = walk(lambda page: store.orders.list_for_merchant(owner, replace(page, after=page.after or first.next)), 5)
    assert sorted(o.id for o in first.items + rest) == sorted(o.id for o in older)
    assert store.orders.list_for_merchant(owner, PageRequest(1)).total == 17


def test_a_status_list_pages_and_counts_by_status_after_transitions(store: Store) -> None:
    owner, order_id = merchant_id(), uid("order")
    written = [payment(owner, order_id, n % 3) for n in range(21)]
    for n, item in enumerate(written):
        assert store.payments.create_with_events(item, [event(owner, item.id, n % 3)])
    for n, item in enumerate(written[:10]):
        outcome = Outcome("failed", "PAYMENT_FAILED", "declined") if n % 2 else Outcome("failed", None, None)
        assert (
            store.payments.finalize(item, outcome, event(owner, item.id, event="payment.failed"), at(30))
            is Finalized.DONE
        )
    # A repeated finalize and a repeated create are refused and count nothing.
    assert (
        store.payments.finalize(written[0], Outcome("failed", None, None), event(owner, written[0].id), at(31))
        is Finalized.ALREADY_FINAL
    )
    assert store.payments.create_with_events(written[0], []) is False
    pages = {
        s: walk(lambda page, s=s: store.payments.list_for_merchant(owner, page, status=s), 4)
        for s in ("pending", "failed", "success")
    }
    assert sorted(p.id for p in pages["failed"]) == sorted(p.id for p in written[:10])
    assert sorted(p.id for p in pages["pending"]) == sorted(p.id for p in written[10:])
    assert pages["success"] == []
    totals = {
        s: store.payments.list_for_merchant(owner, PageRequest(1), status=s).total
        for s in ("pending", "failed", "success")
    }
    assert totals == {"pending": 11, "failed": 10, "success": 0}
    assert store.payments.list_for_merchant(owner, PageRequest(1)).total == 21
    deliveries = store.deliveries.list_for_merchant(owner, PageRequest(1), event="payment.failed")
    assert deliveries.total == 10
    assert store.deliveries.list_for_merchant(owner, PageRequest(1)).total == 31


def test_delivery_counts_follow_attempts_skips_and_retries(store: Store) -> None:
    owner = merchant_id()
    first, second = event(owner, uid("pay")), event(owner, uid("pay"), event="refund.created")
    assert store.deliveries.create(first) and store.deliveries.create(second)
    assert store.deliveries.create(first) is False  # counted once
    attempt = {"number": 1, "at": at(1), "url": "https://m.example/wh", "response_code": 500, "duration_ms": 3}
    assert store.deliveries.record_attempt(first, attempt, "failed", None) is True
    assert store.deliveries.mark_skipped(owner, second.id, second.event, 0, "not_subscribed") is True

    def total(status: str | None = None, event_name: str | None = None) -> int | None:
        return store.deliveries.list_for_merchant(owner, PageRequest(1), status, event_name).total

    assert (total(), total("pending"), total("failed"), total("skipped")) == (2, 0, 1, 1)
    assert (total(None, "refund.created"), total("skipped", "refund.created"), total("failed", "payment.created")) == (
        1,
        1,
        1,
    )
    failed = store.deliveries.get(first.id)
    assert failed is not None and store.deliveries.reset_for_retry(failed, 1) is True
    assert (total("pending"), total("failed"), total("pending", "payment.created")) == (1, 0, 1)
    assert [d.id for d in store.deliveries.list_for_merchant(owner, PageRequest(10), "pending").items] == [first.id]


def test_counts_are_exact_under_concurrent_creates(store: Store) -> None:
    from concurrent.futures import ThreadPoolExecutor

    owner = merchant_id()
    written = [order(owner, n % 2) for n in range(40)]
    with ThreadPoolExecutor(8) as pool:
        # Each order twice, at once: the second create of an id fails its condition.
        created = list(pool.map(store.orders.create, written + written))
    assert created.count(True) == 40
    page = store.orders.list_for_merchant(owner, PageRequest(100))
    assert page.total == 40 and len(page.items) == 40 and page.next is None


def test_daily_statistics_follow_creates_and_finalizes(store: Store) -> None:
    owner = merchant_id()
    first_order, second_order = order(owner), order(owner)
    store.orders.create(first_order)
    store.orders.create(second_order)
    day_one = [payment(owner, first_order.id, 1, amount=1000, created_at="2026-03-01T10:00:00.000Z") for _ in range(3)]
    day_two = [payment(owner, second_order.id, 2, amount=700, currency="USD", created_at="2026-03-02T23:59:59.999Z")]
    for item in day_one + day_two:
        store.payments.create_with_events(item, [])
    store.payments.finalize(day_one[0], Outcome("success", None, None), event(owner, day_one[0].id), at(3))
    store.payments.finalize(day_one[1], Outcome("failed", None, None), event(owner, day_one[1].id), at(3))
    store.payments.finalize(day_two[0], Outcome("success", None, None), event(owner, day_two[0].id), at(3))
    rows = store.payments.daily_stats(owner, "2026-03-01", "2026-03-31")
    assert rows == {
        "2026-03-01": {"n": 3, "s:pending": 1, "s:success": 1, "s:failed": 1, "count:INR": 3, "amount:INR": 1000},
        "2026-03-02": {"n": 1, "s:pending": 0, "s:success": 1, "count:USD": 1, "amount:USD": 700},
    }
    assert store.payments.daily_stats(owner, "2026-03-02", "2026-03-02").keys() == {"2026-03-02"}
