"""Capture's rule (whole amount, its currency, no refund before it), refund notes, updated_at on
every change to a payment, and the audit log of captures, refunds and webhook settings."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib import vault
from chalicelib.domain import audit as audit_rules
from chalicelib.domain import clock
from chalicelib.domain.errors import BadRequest
from chalicelib.jobs.outcomes import Finished
from chalicelib.services import audit, merchants, payments, refunds
from chalicelib.services.payments import PaymentRequest
from chalicelib.store.records import PageRequest, Payment

from .conftest import ACTOR, Fakes, add_merchant, new_order


@pytest.fixture(autouse=True)
def merchant(fakes: Fakes) -> None:
    add_merchant(fakes)


def paid(amount: int = 50000) -> str:
    payment = payments.create("m1", PaymentRequest(new_order(amount=amount), "upi", vpa="a@bank"))
    assert payments.process(payment.id, 0) == Finished("success")
    return payment.id


def stored(fakes: Fakes, payment_id: str) -> Payment:
    payment = fakes.store.payments.get(payment_id)
    assert payment is not None
    return payment


def entries(fakes: Fakes, merchant_id: str = "m1") -> list[dict]:
    return audit.list_entries(merchant_id, 100, 0, None).items


@pytest.mark.parametrize("amount", [1, 100, 49999, 50001])
def test_a_capture_of_another_amount_is_refused_naming_amount(fakes: Fakes, amount: int) -> None:
    payment_id = paid()
    with pytest.raises(BadRequest) as refused:
        payments.capture("m1", payment_id, amount, actor=ACTOR)
    assert refused.value.field == "amount"
    assert stored(fakes, payment_id).captured is False and entries(fakes) == []


def test_a_capture_in_another_currency_is_refused_naming_currency(fakes: Fakes) -> None:
    payment_id = paid()
    with pytest.raises(BadRequest) as refused:
        payments.capture("m1", payment_id, 50000, "USD", actor=ACTOR)
    assert refused.value.field == "currency" and stored(fakes, payment_id).captured is False
    captured = payments.capture("m1", payment_id, 50000, "inr", actor=ACTOR)
    assert captured["captured"] is True and captured["amount_captured"] == 50000
    assert stored(fakes, payment_id).amount_captured == 50000


@pytest.mark.parametrize("processed", [False, True])
def test_a_payment_with_any_refund_cannot_be_captured(fakes: Fakes, processed: bool) -> None:
    payment_id = paid()
    refund = refunds.create("m1", payment_id, 100, None, actor=ACTOR)
    if processed:
        assert refunds.process(refund["id"], 0) == Finished("processed")
    with pytest.raises(BadRequest, match="^Payment not in capturable state$"):
        payments.capture("m1", payment_id, 50000, actor=ACTOR)
    assert stored(fakes, payment_id).captured is False


def test_a_refund_landing_between_the_read_and_the_write_stops_the_capture(
    fakes: Fakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The capture's read sees no refund; a refund is reserved before its write: the write's own
    condition refuses it, and no audit entry of a capture is left behind."""
    payment_id = paid()
    read = payments.owned

    def read_then_refund(merchant_id: str, pid: str) -> Payment:
        payment = read(merchant_id, pid)
        monkeypatch.setattr(payments, "owned", read)  # the refund reads as usual
        refunds.create("m1", payment_id, 50000, None, actor=ACTOR)
        return payment

    monkeypatch.setattr(payments, "owned", read_then_refund)
    with pytest.raises(BadRequest, match="^Payment not in capturable state$"):
        payments.capture("m1", payment_id, 50000, actor=ACTOR)
    after = stored(fakes, payment_id)
    assert after.captured is False and after.amount_refunded == 50000
    assert [e["action"] for e in entries(fakes)] == ["refund.create"]


def test_racing_captures_and_refunds_never_capture_a_refunded_payment(fakes: Fakes) -> None:
    for _ in range(20):
        payment_id = paid()
        start = threading.Barrier(2)
        outcome: dict[str, bool] = {}

        def capture(pid: str = payment_id, gate: threading.Barrier = start, outcome: dict[str, bool] = outcome) -> None:
            gate.wait(timeout=5)
            try:
                payments.capture("m1", pid, 50000, actor=ACTOR)
                outcome["captured"] = True
            except BadRequest:
                outcome["captured"] = False

        def refund(pid: str = payment_id, gate: threading.Barrier = start) -> None:
            gate.wait(timeout=5)
            refunds.create("m1", pid, 50000, None, actor=ACTOR)

        threads = [threading.Thread(target=capture), threading.Thread(target=refund)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        after = stored(fakes, payment_id)
        # A captured payment may be refunded, so the refund always gets through; the capture
        # only when it committed first. Its audit entry exists exactly when it did.
        assert after.amount_refunded == 50000 and after.captured is outcome["captured"]
        captures = [e for e in entries(fakes) if e["action"] == "payment.capture" and e["entity_id"] == payment_id]
        assert len(captures) == int(after.captured)


def test_refund_notes_are_stored_and_returned(fakes: Fakes) -> None:
    payment_id = paid()
    notes = {"ticket": "T-1", "address": "1 Main St\nFlat 2"}
    created = refunds.create("m1", payment_id, 100, None, notes=notes, actor=ACTOR)
    assert created["notes"] == notes
    kept = fakes.store.refunds.get(created["id"])
    assert kept is not None and kept.notes == notes
    assert refunds.get("m1", created["id"])["notes"] == notes
    listed = refunds.list_for_payment("m1", payment_id, 10, 0, None).items
    assert [r["notes"] for r in listed] == [notes]
    assert refunds.create("m1", payment_id, 100, None, actor=ACTOR)["notes"] == {}


class Ticking:
    """A clock that moves 1 s a read: every write gets a later time than the one before."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 12, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.moment += timedelta(seconds=1)
        return self.moment


def test_every_change_to_a_payment_moves_its_updated_at(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", Ticking())
    payment_id = paid()
    seen = [stored(fakes, payment_id).updated_at]
    payments.capture("m1", payment_id, 50000, actor=ACTOR)
    seen.append(stored(fakes, payment_id).updated_at)
    refund = refunds.create("m1", payment_id, 100, None, actor=ACTOR)
    seen.append(stored(fakes, payment_id).updated_at)
    assert seen[-1] == refund["created_at"]
    assert refunds.process(refund["id"], 0) == Finished("processed")
    seen.append(stored(fakes, payment_id).updated_at)
    assert seen[-1] == fakes.store.refunds.get(refund["id"]).processed_at  # type: ignore[union-attr]
    assert seen == sorted(set(seen)), seen  # capture, refund reservation, refund processed: each moved it


def test_each_audited_change_names_who_what_when_and_where(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", Ticking())
    monkeypatch.setattr(vault, "seal", lambda secret: "sealed:" + secret[::-1])  # KMS is not here
    payment_id = paid()
    payments.capture("m1", payment_id, 50000, actor=ACTOR)
    refund = refunds.create("m1", payment_id, 2500, None, actor=ACTOR)
    dashboard = audit.Actor(audit_rules.DASHBOARD, "m1@example.test", "203.0.113.5")
    merchants.update_webhook("m1", "https://user:pw@shop.example/hook?token=s3cret#frag", None, actor=dashboard)
    secret = merchants.regenerate_webhook_secret("m1", actor=dashboard)["webhook_secret"]
    logged = entries(fakes)
    assert [(e["action"], e["entity_type"], e["entity_id"]) for e in logged] == [
        ("webhook.secret_regenerate", "merchant", "m1"),
        ("webhook.update", "merchant", "m1"),
        ("refund.create", "refund", refund["id"]),
        ("payment.capture", "payment", payment_id),
    ]
    assert logged[3]["summary"] == "Captured 50000 INR"
    assert logged[2]["summary"] == f"Refund of 2500 INR on {payment_id}"
    assert logged[1]["summary"] == "Webhook URL https://shop.example/hook (query hidden); all events"
    assert [e["actor"] for e in logged] == [{"type": "dashboard", "id": "m1@example.test"}] * 2 + [
        {"type": "api_key", "id": "key_m1"}
    ] * 2
    assert [e["source_ip"] for e in logged] == ["203.0.113.5"] * 2 + ["198.51.100.7"] * 2
    everything = json.dumps([asdict(e) for e in fakes.store.tables.audit.values()])
    for hidden in (secret, "s3cret", "pw@", "frag", "sealed"):
        assert hidden not in everything
    assert audit.list_entries("m1", 100, 0, None).total == 4


def test_another_merchant_reads_none_of_it(fakes: Fakes) -> None:
    add_merchant(fakes, "m2")
    payments.capture("m1", paid(), 50000, actor=ACTOR)
    assert entries(fakes, "m2") == [] and audit.list_entries("m2", 10, 0, None).total == 0
    assert len(entries(fakes)) == 1


def test_a_retried_refund_logs_once_and_a_refused_change_logs_nothing(fakes: Fakes) -> None:
    payment_id = paid()
    first = refunds.create("m1", payment_id, 100, None, "key-1", actor=ACTOR)
    assert refunds.create("m1", payment_id, 100, None, "key-1", actor=ACTOR) == first
    with pytest.raises(BadRequest):
        refunds.create("m1", payment_id, 50000, None, actor=ACTOR)  # exceeds what is left
    assert [e["entity_id"] for e in entries(fakes)] == [first["id"]]


def test_audit_ids_are_deterministic_where_the_change_happens_once() -> None:
    capture = audit.entry("m1", ACTOR, audit_rules.PAYMENT_CAPTURE, "pay_x", "s")
    assert capture.id == audit.entry("m1", ACTOR, audit_rules.PAYMENT_CAPTURE, "pay_x", "other").id
    assert capture.id != audit.entry("m2", ACTOR, audit_rules.PAYMENT_CAPTURE, "pay_x", "s").id
    one = audit.entry("m1", ACTOR, audit_rules.WEBHOOK_UPDATE, "m1", "s")
    assert one.id != audit.entry("m1", ACTOR, audit_rules.WEBHOOK_UPDATE, "m1", "s").id  # each change its own
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.entry("m1", ACTOR, "payment.delete", "pay_x", "s")


def test_the_audit_log_pages_by_cursor_newest_first(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", Ticking())
    for n in range(7):
        merchants.update_webhook("m1", f"https://shop.example/{n}", None, actor=ACTOR)
    seen: list[str] = []
    cursor = None
    while True:
        page = audit.list_entries("m1", 3, 0, cursor)
        seen += [e["summary"] for e in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"Webhook URL https://shop.example/{n}; all events" for n in reversed(range(7))]
    assert fakes.store.audit.list_for_merchant("m1", PageRequest(2)).total == 7


def test_a_payment_captured_before_amount_captured_existed_shows_its_whole_amount(fakes: Fakes) -> None:
    from dataclasses import replace

    from chalicelib.services import entities

    payment = stored(fakes, paid())
    assert entities.payment(payment)["amount_captured"] == 0
    legacy = replace(payment, captured=True, captured_at=payment.updated_at)  # amount_captured never written
    assert entities.payment(legacy)["amount_captured"] == 50000
