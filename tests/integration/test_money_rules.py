"""Capture and refund rules over HTTP (issue 14, items 2, 3 and 9): a capture must take the
payment's whole amount in its currency and is refused once any refund exists (however the two
race); refund notes are kept; every change to a payment moves its updated_at; captures, refunds
and webhook-setting changes land in the merchant's audit log."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support.api import Api
from tests.support.waiting import eventually


@pytest.fixture
def api(gateway):
    return Api(gateway, gateway.new_merchant())


def capture(api: Api, payment_id: str, **body) -> requests.Response:
    return api.post(f"/api/v1/payments/{payment_id}/capture", body)


def refund(api: Api, payment_id: str, amount: int, **fields) -> requests.Response:
    return api.post(f"/api/v1/payments/{payment_id}/refunds", {"amount": amount, **fields})


def test_a_capture_must_take_the_whole_amount(api):
    payment = api.paid(amount=50000)
    for amount in (100, 49999, 50001):
        answer = capture(api, payment["id"], amount=amount)
        assert answer.status_code == 400, (amount, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "BAD_REQUEST_ERROR" and error["field"] == "amount"
    assert api.payment(payment["id"])["captured"] is False
    captured = capture(api, payment["id"], amount=50000)
    assert captured.status_code == 200, captured.text
    assert captured.json()["captured"] is True and captured.json()["amount_captured"] == 50000


def test_a_capture_in_another_currency_is_refused(api):
    payment = api.paid()
    answer = capture(api, payment["id"], amount=payment["amount"], currency="USD")
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "currency"
    assert api.payment(payment["id"])["captured"] is False
    assert capture(api, payment["id"], amount=payment["amount"], currency="inr").status_code == 200


def test_a_payment_with_a_pending_refund_cannot_be_captured(held_gateway):
    api = Api(held_gateway)
    held_gateway.start_functions()
    try:
        payment = api.paid()
    finally:
        held_gateway.stop_functions()
    created = refund(api, payment["id"], 100)
    assert created.status_code == 201 and created.json()["status"] == "pending"  # and stays so: no function runs
    answer = capture(api, payment["id"], amount=payment["amount"])
    assert answer.status_code == 400
    assert answer.json()["error"] == {"code": "BAD_REQUEST_ERROR", "description": "Payment not in capturable state"}


def test_a_fully_refunded_payment_cannot_be_captured(api):
    payment = api.paid()
    created = refund(api, payment["id"], payment["amount"]).json()
    eventually(
        lambda: api.get(f"/api/v1/refunds/{created['id']}").json()["status"] == "processed",
        timeout=20,
        message="the refund to be processed",
    )
    answer = capture(api, payment["id"], amount=payment["amount"])
    assert answer.status_code == 400 and answer.json()["error"]["description"] == "Payment not in capturable state"
    after = api.payment(payment["id"])
    assert after["captured"] is False and after["refund_status"] == "full"


def test_a_refund_racing_a_capture_never_leaves_a_refunded_payment_captured(gateway, api):
    """Both requests read the payment as capturable and unrefunded; the writes decide. A captured
    payment may be refunded, so the refund always gets through; the capture only when it committed
    first, and then (only then) its audit entry exists."""
    outcomes = []
    for _ in range(6):
        payment = api.paid()
        start = threading.Barrier(2)

        def send(kind: str, payment=payment, start=start) -> tuple[str, int]:
            client = Api(gateway, api.merchant)
            start.wait(timeout=10)
            if kind == "capture":
                return kind, capture(client, payment["id"], amount=payment["amount"]).status_code
            return kind, refund(client, payment["id"], payment["amount"]).status_code

        with ThreadPoolExecutor(2) as pool:
            results = dict(pool.map(send, ("capture", "refund")))
        after = api.payment(payment["id"])
        assert results["refund"] == 201  # a captured payment may be refunded
        captures = [e for e in audit(api) if e["action"] == "payment.capture" and e["entity_id"] == payment["id"]]
        if results["capture"] == 200:  # the capture committed before the refund's reservation
            assert after["captured"] is True and len(captures) == 1
        else:
            assert results["capture"] == 400 and after["captured"] is False and captures == []
        outcomes.append(results["capture"])
    assert set(outcomes) <= {200, 400}


def test_refund_notes_are_stored_and_returned(api):
    payment = api.paid()
    notes = {"reason_code": "damaged", "ticket": "T-1\nline two"}
    created = refund(api, payment["id"], 100, notes=notes)
    assert created.status_code == 201, created.text
    assert created.json()["notes"] == notes
    assert api.get(f"/api/v1/refunds/{created.json()['id']}").json()["notes"] == notes
    listed = api.get(f"/api/v1/payments/{payment['id']}/refunds").json()["data"]
    assert [r["notes"] for r in listed] == [notes]
    assert refund(api, payment["id"], 100).json()["notes"] == {}
    for bad in ({"k": "bell\x07"}, {"": "empty key"}, {f"k{n}": "v" for n in range(16)}, {"k": "x" * 257}):
        answer = refund(api, payment["id"], 100, notes=bad)
        assert answer.status_code == 400 and answer.json()["error"]["field"].startswith("notes"), (bad, answer.text)


def test_every_change_to_a_payment_moves_its_updated_at(api):
    payment = api.paid()
    seen = [payment["updated_at"]]
    created = refund(api, payment["id"], 100).json()
    seen.append(api.payment(payment["id"])["updated_at"])
    assert seen[-1] > seen[-2], "a refund's reservation changes the payment"
    eventually(
        lambda: api.get(f"/api/v1/refunds/{created['id']}").json()["status"] == "processed",
        timeout=20,
        message="the refund to be processed",
    )
    seen.append(api.payment(payment["id"])["updated_at"])
    assert seen[-1] > seen[-2], "a refund's processing changes the payment"


def test_a_capture_moves_updated_at(api):
    payment = api.paid()
    captured = capture(api, payment["id"], amount=payment["amount"]).json()
    assert captured["updated_at"] > payment["updated_at"]
    assert api.payment(payment["id"])["updated_at"] == captured["updated_at"]


def audit(api: Api, **params) -> list[dict]:
    answer = api.get("/api/v1/audit-log", params={"limit": 100, **params})
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def test_captures_refunds_and_webhook_changes_are_audited(gateway, api):
    payment = api.paid()
    capture(api, payment["id"], amount=payment["amount"])
    created = refund(api, payment["id"], 2500).json()
    api.set_webhook("https://example.test/hook?token=hunter2", ["payment.success"])
    secret = api.post("/api/v1/merchant/webhook/secret").json()["webhook_secret"]
    login = requests.post(
        api.base + "/api/v1/dashboard/login",
        json={"email": api.merchant.email, "password": api.merchant.password},
        timeout=10,
    ).json()
    dashboard = requests.put(
        api.base + "/api/v1/merchant/webhook",
        json={"url": None},
        headers={"Authorization": "Bearer " + login["token"]},
        timeout=10,
    )
    assert dashboard.status_code == 200

    entries = audit(api)
    assert [e["action"] for e in entries] == [
        "webhook.update",
        "webhook.secret_regenerate",
        "webhook.update",
        "refund.create",
        "payment.capture",
    ]
    assert [e["created_at"] for e in entries] == sorted((e["created_at"] for e in entries), reverse=True)
    by_action = {e["action"]: e for e in reversed(entries)}  # the oldest of each
    assert by_action["payment.capture"]["entity_id"] == payment["id"]
    assert "50000" in by_action["payment.capture"]["summary"]
    assert by_action["refund.create"]["entity_id"] == created["id"]
    api_key_actor = {"type": "api_key", "id": api.merchant.api_key}
    assert all(e["actor"] == api_key_actor for e in entries[1:])
    assert entries[0]["actor"] == {"type": "dashboard", "id": api.merchant.email}
    assert all(e["source_ip"] == "127.0.0.1" for e in entries)
    text = json.dumps(entries)
    for secret_text in (secret, api.merchant.api_secret, "hunter2", login["token"], api.merchant.password):
        assert secret_text not in text
    for entry in entries:
        assert set(entry) == {
            "id",
            "entity",
            "action",
            "entity_type",
            "entity_id",
            "summary",
            "actor",
            "source_ip",
            "created_at",
        }


def test_a_client_header_cannot_choose_the_source_ip(api):
    payment = api.paid()
    capture(api, payment["id"], amount=payment["amount"], headers={"X-Forwarded-For": "203.0.113.9"})
    api.http.headers["X-Forwarded-For"] = "203.0.113.9"
    api.http.headers["X-Real-IP"] = "203.0.113.9"
    capture(api, api.paid()["id"], amount=50000)
    assert {e["source_ip"] for e in audit(api)} == {"127.0.0.1"}


def test_another_merchant_never_reads_the_audit_log(gateway, api):
    payment = api.paid()
    capture(api, payment["id"], amount=payment["amount"])
    other = Api(gateway, gateway.new_merchant())
    assert audit(other) == []
    answer = requests.get(api.base + "/api/v1/audit-log", timeout=10)
    assert answer.status_code == 401


def test_the_audit_log_pages_by_cursor(api):
    for n in range(5):
        api.set_webhook(f"https://example.test/hook/{n}")
    first = api.get("/api/v1/audit-log", params={"limit": 2}).json()
    assert first["total"] == 5 and first["has_more"] is True and len(first["data"]) == 2
    seen = [e["id"] for e in first["data"]]
    cursor = first["next_cursor"]
    while cursor:
        page = api.get("/api/v1/audit-log", params={"limit": 2, "cursor": cursor}).json()
        seen += [e["id"] for e in page["data"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 5
    assert [e["id"] for e in audit(api)] == seen
