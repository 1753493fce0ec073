"""A model of the money rules, and a hypothesis state machine that drives the real API against it.

The machine creates orders and payments (with and without idempotency keys), captures, refunds,
replays keys with the same and with other requests, and fires concurrent duplicates, all over HTTP
at a running stack (API server, functions under the event-source emulation, DynamoDB Local, SQS),
with a loopback receiver for the merchant's webhooks. After every step it checks what must always
hold; at teardown it waits for every payment and refund to be final and checks each transition
and each webhook happened once.

The model predicts every answer from what it has seen: a payment's final status from its
instrument (and from whether its order was paid already), a capture from Razorpay's capture rule,
a refund from the amount left. Where concurrency makes the outcome a choice (which of two
payments of one order succeeds), it checks the choice is consistent instead.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tests.support.api import CARD_DECLINED, CARD_SUCCESS, UPI_FAILURE, UPI_SUCCESS, Api
from tests.support.receiver import Receiver
from tests.support.stack import Gateway
from tests.support.waiting import eventually

SUCCEEDS = "succeeds"
FAILS = "fails"
INSTRUMENTS = [(UPI_SUCCESS, SUCCEEDS), (CARD_SUCCESS, SUCCEEDS), (UPI_FAILURE, FAILS), (CARD_DECLINED, FAILS)]
FINAL = {"success", "failed"}
# A crashed job comes back after a visibility timeout, then may crash elsewhere.
SETTLE_SECONDS = 60
# Which of the things made so far a rule acts on (modulo how many there are).
PICK = st.integers(min_value=0, max_value=2**16)


@dataclass
class PaymentModel:
    id: str
    order_id: str
    amount: int
    instrument: str  # SUCCEEDS or FAILS
    status: str = "pending"
    captured: bool = False
    refunds: dict[str, int] = field(default_factory=dict)

    @property
    def refunded(self) -> int:
        return sum(self.refunds.values())


@dataclass(frozen=True)
class Sent:
    """A keyed request that answered 2xx: what a replay must answer again, byte for byte."""

    key: str
    path: str
    body: dict[str, Any]
    status: int
    content: bytes
    kind: str  # "payment" or "refund"
    parent: str  # the payment's order, or the refund's payment


class MoneyMachine(RuleBasedStateMachine):
    """Set `gateway` on a subclass (the test does) before running it."""

    gateway: Gateway

    def __init__(self) -> None:
        super().__init__()
        self.receiver = Receiver()
        self.api = Api(self.gateway, self.gateway.new_merchant(self.receiver.url))
        self.order_amounts: dict[str, int] = {}
        self.model: dict[str, PaymentModel] = {}
        self.refund_parent: dict[str, str] = {}
        self.sent: dict[str, Sent] = {}
        # What the steps made, in order. Rules pick from these with an index drawn from a fixed
        # range, not from hypothesis bundles: what exists depends on the stack's answers, and
        # draws whose bounds depend on them make hypothesis report "flaky data generation".
        self.orders: list[str] = []
        self.payments: list[str] = []
        self.settled: list[str] = []
        self.keys: list[str] = []

    # -- HTTP, with the one retry a client makes after a 5xx -------------------------------------

    def _send(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> requests.Response | None:
        """The answer, or None where the API crashed (a 5xx, or the connection dropped)."""
        try:
            response = self.api.post(path, body, headers=headers)
        except requests.ConnectionError:
            return None  # the pool drops the broken connection; the next call opens another
        return None if response.status_code >= 500 else response

    def _post(self, path: str, body: dict[str, Any], key: str | None = None) -> requests.Response | None:
        """POST as a careful client does: after a crash, once more with the same key. None when
        the API crashed and there was no key to retry with: what it committed is unknown."""
        headers = {"Idempotency-Key": key} if key else {}
        response = self._send(path, body, headers)
        if response is None and key:
            response = self._retry_after_crash(path, body, key)
        return response

    def _retry_after_crash(self, path: str, body: dict[str, Any], key: str) -> requests.Response:
        """The retry must find whatever the crashed attempt committed, and finish it. A crashed
        request holds its key until the lock lapses (IDEMPOTENCY_LOCK_SECONDS): until then the
        answer is 409, and a client waits and tries again."""
        headers = {"Idempotency-Key": key}
        return eventually(
            lambda: (r := self._send(path, body, headers)) is not None and not _in_use(r) and r,
            timeout=SETTLE_SECONDS,
            message=f"the retry of {path} with key {key}",
        )

    def _remember(
        self, key: str | None, path: str, body: dict[str, Any], response: requests.Response, kind: str, parent: str
    ) -> list[str]:
        if key is None or response.status_code >= 300:
            return []
        self.sent[key] = Sent(key, path, body, response.status_code, response.content, kind, parent)
        self.keys.append(key)
        return [key]

    @staticmethod
    def _pick(items: list[str], index: int) -> str | None:
        return items[index % len(items)] if items else None

    @staticmethod
    def _key() -> str:
        return "model-" + uuid.uuid4().hex

    # -- orders and payments ---------------------------------------------------------------------

    @rule(amount=st.integers(min_value=100, max_value=100_000))
    def new_order(self, amount: int) -> None:
        order = self.api.order(amount)
        self.order_amounts[order["id"]] = amount
        self.orders.append(order["id"])

    def _order_paid(self, order_id: str) -> bool:
        return any(p.order_id == order_id and p.status == "success" for p in self.model.values())

    def _order_may_be_paid(self, order_id: str) -> bool:
        return any(
            p.order_id == order_id and p.instrument == SUCCEEDS and p.status != "failed" for p in self.model.values()
        )

    def _record_payment(self, order_id: str, instrument: str, response: requests.Response) -> list[str]:
        if response.status_code == 400:
            assert self._order_may_be_paid(order_id), response.text
            assert response.json()["error"]["description"] == "Order has already been paid"
            return []
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["order_id"] == order_id and created["amount"] == self.order_amounts[order_id]
        if created["id"] not in self.model:
            self.model[created["id"]] = PaymentModel(created["id"], order_id, created["amount"], instrument)
        return [created["id"]]

    @rule(pick=PICK, choice=st.sampled_from(INSTRUMENTS), keyed=st.booleans())
    def pay(self, pick: int, choice: tuple[dict[str, Any], str], keyed: bool) -> None:
        order = self._pick(self.orders, pick)
        if order is None:
            return
        instrument, outcome = choice
        body = {"order_id": order, **instrument}
        key = self._key() if keyed else None
        response = self._post("/api/v1/payments", body, key)
        if response is None:
            self.payments += self._discover_payments(order, outcome)
            return
        self.payments += self._record_payment(order, outcome, response)
        self._remember(key, "/api/v1/payments", body, response, "payment", order)

    def _discover_payments(self, order: str, outcome: str) -> list[str]:
        """After a crash without a key: whatever payment the order gained, the model adopts."""
        listed = self.api.get(f"/api/v1/orders/{order}/payments", params={"limit": 100}).json()["data"]
        found = [p["id"] for p in listed if p["id"] not in self.model]
        assert len(found) <= 1, found
        for payment_id in found:
            self.model[payment_id] = PaymentModel(payment_id, order, self.order_amounts[order], outcome)
        return found

    @rule(pick=PICK, choice=st.sampled_from(INSTRUMENTS), copies=st.integers(2, 4))
    def pay_concurrently_with_one_key(self, pick: int, choice: tuple[dict[str, Any], str], copies: int) -> None:
        order = self._pick(self.orders, pick)
        if order is None:
            return
        """Duplicates racing on one key: one payment, every other answer a replay of it or 409."""
        instrument, outcome = choice
        body = {"order_id": order, **instrument}
        key = self._key()
        headers = {"Idempotency-Key": key}
        with ThreadPoolExecutor(copies) as pool:
            sent = list(pool.map(lambda _: self._send("/api/v1/payments", body, headers), range(copies)))
        answers = [a for a in sent if a is not None]
        if len(answers) < len(sent):
            # The copy that committed crashed the API: the client retries with the key, as _post does.
            answers.append(self._retry_after_crash("/api/v1/payments", body, key))
        created = [a for a in answers if a.status_code == 201]
        others = [a for a in answers if a.status_code != 201]
        for answer in others:
            assert answer.status_code in (400, 409), answer.text
            if answer.status_code == 409:
                assert answer.json()["error"]["code"] == "IDEMPOTENCY_KEY_IN_USE"
        assert len({a.json()["id"] for a in created}) <= 1, [a.text for a in created]
        if not created:
            # Every copy was refused: either the order was paid or each met another in flight.
            return
        assert len({a.content for a in created}) == 1, "replays of one key answered different bodies"
        self.payments += self._record_payment(order, outcome, created[0])
        self._remember(key, "/api/v1/payments", body, created[0], "payment", order)

    def _fetch(self, payment_id: str) -> dict[str, Any]:
        response = self.api.get(f"/api/v1/payments/{payment_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def _observe(self, seen: dict[str, Any]) -> None:
        """Check a payment as read against the model, and learn its final status."""
        model = self.model[seen["id"]]
        if model.status in FINAL:
            assert seen["status"] == model.status, f"{model.id} went from {model.status} to {seen['status']}"
        elif seen["status"] in FINAL:
            model.status = seen["status"]
            self._check_outcome(model, seen)
        else:
            assert seen["status"] == "pending", seen
        assert seen["amount_refunded"] == model.refunded, (seen, model)
        assert seen["amount_refunded"] <= seen["amount"]
        assert seen["captured"] is model.captured, (seen, model)

    def _check_outcome(self, model: PaymentModel, seen: dict[str, Any]) -> None:
        if model.instrument == FAILS:
            assert seen["status"] == "failed", seen
            return
        if seen["status"] == "failed":
            # Only a sibling's success may fail a payment whose instrument succeeds.
            assert seen["error_code"] == "ORDER_ALREADY_PAID", seen
        winners = [p for p in self.model.values() if p.order_id == model.order_id and p.status == "success"]
        assert len(winners) <= 1, f"order {model.order_id} paid twice: {[p.id for p in winners]}"

    @rule(pick=PICK)
    def settle(self, pick: int) -> None:
        payment = self._pick(self.payments, pick)
        if payment is None:
            return
        seen = eventually(
            lambda: (p := self._fetch(payment))["status"] in FINAL and p,
            timeout=SETTLE_SECONDS,
            message=f"{payment} to be final",
        )
        self._observe(seen)
        if payment not in self.settled:
            self.settled.append(payment)

    # -- captures --------------------------------------------------------------------------------

    @rule(pick=PICK, how=st.sampled_from(["exact", "exact+currency", "less", "more", "currency"]))
    def capture(self, pick: int, how: str) -> None:
        payment = self._pick(self.settled, pick)
        if payment is None:
            return
        model = self.model[payment]
        amount = {"less": model.amount - 1, "more": model.amount + 1}.get(how, model.amount)
        body: dict[str, Any] = {"amount": amount}
        if how == "exact+currency":
            body["currency"] = "INR"
        if how == "currency":
            body["currency"] = "USD"
        response = self.api.post(f"/api/v1/payments/{payment}/capture", body)
        capturable = model.status == "success" and not model.captured and not model.refunds
        if not capturable:
            assert response.status_code == 400, response.text
            assert response.json()["error"]["description"] == "Payment not in capturable state", response.text
            return
        if how in ("less", "more", "currency"):
            assert response.status_code == 400, response.text
            error = response.json()["error"]
            assert error["code"] == "BAD_REQUEST_ERROR" and error.get("field") == (
                "currency" if how == "currency" else "amount"
            ), error
            return
        assert response.status_code == 200, response.text
        assert response.json()["captured"] is True
        model.captured = True

    # -- refunds ---------------------------------------------------------------------------------

    def _refund_expectation(self, model: PaymentModel, amount: int) -> int:
        if model.status != "success" or amount > model.amount - model.refunded:
            return 400
        return 201

    @rule(pick=PICK, share=st.integers(1, 120), keyed=st.booleans())
    def refund(self, pick: int, share: int, keyed: bool) -> None:
        """A refund of `share`% of the payment (so some ask for more than is left)."""
        payment = self._pick(self.settled, pick)
        if payment is None:
            return
        model = self.model[payment]
        amount = max(1, model.amount * share // 100)
        expected = self._refund_expectation(model, amount)
        key = self._key() if keyed else None
        body = {"amount": amount, "notes": {"step": "refund"}}
        path = f"/api/v1/payments/{payment}/refunds"
        response = self._post(path, body, key)
        if response is None:
            self._discover_refunds(payment, amount)
            return
        assert response.status_code == expected, (expected, response.text, model)
        if expected == 201:
            created = response.json()
            assert created["amount"] == amount and created["payment_id"] == payment
            model.refunds[created["id"]] = amount
            self.refund_parent[created["id"]] = payment
        self._remember(key, path, body, response, "refund", payment)

    def _discover_refunds(self, payment: str, amount: int) -> None:
        listed = self.api.get(f"/api/v1/payments/{payment}/refunds", params={"limit": 100}).json()["data"]
        for refund in listed:
            if refund["id"] not in self.refund_parent:
                assert refund["amount"] == amount, refund
                self.model[payment].refunds[refund["id"]] = amount
                self.refund_parent[refund["id"]] = payment

    @rule(pick=PICK, copies=st.integers(2, 4), share=st.integers(10, 60))
    def refund_concurrently_without_keys(self, pick: int, copies: int, share: int) -> None:
        """Racing refunds: exactly as many succeed as fit in what is left, never more."""
        payment = self._pick(self.settled, pick)
        if payment is None:
            return
        model = self.model[payment]
        amount = max(1, model.amount * share // 100)
        path = f"/api/v1/payments/{payment}/refunds"
        with ThreadPoolExecutor(copies) as pool:
            answers = list(pool.map(lambda _: self.api.post(path, {"amount": amount}), range(copies)))
        created = [a.json() for a in answers if a.status_code == 201]
        assert all(a.status_code in (201, 400) for a in answers), [a.text for a in answers]
        fits = 0 if model.status != "success" else (model.amount - model.refunded) // amount
        assert len(created) == min(copies, fits), (len(created), copies, fits, model)
        for refund in created:
            model.refunds[refund["id"]] = amount
            self.refund_parent[refund["id"]] = payment

    @rule(pick=PICK, copies=st.integers(2, 4))
    def refund_concurrently_with_one_key(self, pick: int, copies: int) -> None:
        payment = self._pick(self.settled, pick)
        if payment is None:
            return
        model = self.model[payment]
        amount = 1
        key = self._key()
        path = f"/api/v1/payments/{payment}/refunds"
        headers = {"Idempotency-Key": key}
        expected = self._refund_expectation(model, amount)
        with ThreadPoolExecutor(copies) as pool:
            answers = list(pool.map(lambda _: self.api.post(path, {"amount": amount}, headers=headers), range(copies)))
        created = [a for a in answers if a.status_code == 201]
        for answer in answers:
            if answer.status_code == 409:
                assert answer.json()["error"]["code"] == "IDEMPOTENCY_KEY_IN_USE"
            elif answer.status_code != 201:
                assert answer.status_code == expected == 400, answer.text
        if expected == 400:
            assert not created, [a.text for a in created]
            return
        assert created and len({a.content for a in created}) == 1, [a.text for a in answers]
        refund = created[0].json()
        model.refunds[refund["id"]] = amount
        self.refund_parent[refund["id"]] = payment
        self._remember(key, path, {"amount": amount}, created[0], "refund", payment)

    # -- replays ---------------------------------------------------------------------------------

    @rule(pick=PICK)
    def replay(self, pick: int) -> None:
        key = self._pick(self.keys, pick)
        if key is None:
            return
        sent = self.sent[key]
        response = self.api.post(sent.path, sent.body, headers={"Idempotency-Key": key})
        assert response.status_code == sent.status, response.text
        assert response.content == sent.content, "a replay answered other bytes than the first answer"
        assert response.headers.get("Idempotent-Replayed") == "true"

    @rule(pick=PICK, other_pick=PICK)
    def reuse_key_for_another_request(self, pick: int, other_pick: int) -> None:
        """The same key with another body never answers the first entity, nor makes a second one."""
        key = self._pick(self.keys, pick)
        other = self._pick(self.orders, other_pick)
        if key is None or other is None:
            return
        self.keys.remove(key)  # a key reused for another request is not replayed afterwards
        sent = self.sent[key]
        if sent.kind == "payment":
            # Another order, or on the same order another instrument (a whole valid body: a card
            # field left beside a UPI method would be a 400 before any key is looked at).
            other_instrument = UPI_SUCCESS if sent.body.get("vpa") == UPI_FAILURE["vpa"] else UPI_FAILURE
            body = (
                {**sent.body, "order_id": other}
                if other != sent.parent
                else {"order_id": sent.parent, **other_instrument}
            )
        else:
            body = {**sent.body, "amount": sent.body["amount"] + 1}
        response = self.api.post(sent.path, body, headers={"Idempotency-Key": key})
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"

    # -- what always holds -----------------------------------------------------------------------

    @invariant()
    def payments_agree_with_the_model(self) -> None:
        for payment_id in list(self.model):
            self._observe(self._fetch(payment_id))

    @invariant()
    def each_event_has_one_body(self) -> None:
        bodies: dict[str, set[bytes]] = defaultdict(set)
        for received in self.receiver.events():
            bodies[_header(received.headers, "webhook-id")].add(received.body)
        torn = {event_id: len(b) for event_id, b in bodies.items() if len(b) > 1}
        assert not torn, f"events delivered with more than one body: {torn}"

    def teardown(self) -> None:
        try:
            if self.model:
                self._wait_until_nothing_is_pending()
                self._check_every_transition_announced_once()
        finally:
            self.receiver.stop()

    def _wait_until_nothing_is_pending(self) -> None:
        for payment_id in self.model:
            seen = eventually(
                lambda p=payment_id: (s := self._fetch(p))["status"] in FINAL and s,
                timeout=SETTLE_SECONDS,
                message=f"{payment_id} final",
            )
            self._observe(seen)
        for refund_id in self.refund_parent:
            eventually(
                lambda r=refund_id: self.api.get(f"/api/v1/refunds/{r}").json()["status"] == "processed",
                timeout=SETTLE_SECONDS,
                message=f"{refund_id} processed",
            )

    def _expected_events(self) -> Counter[tuple[str, str]]:
        expected: Counter[tuple[str, str]] = Counter()
        for model in self.model.values():
            for kind in ("payment.created", "payment.pending", f"payment.{model.status}"):
                expected[(kind, model.id)] = 1
        for refund_id in self.refund_parent:
            for kind in ("refund.created", "refund.processed"):
                expected[(kind, refund_id)] = 1
        return expected

    def _announced(self) -> Counter[tuple[str, str]]:
        """(event, entity id) for each distinct event id received."""
        first: dict[str, dict[str, Any]] = {}
        for received in self.receiver.events():
            first.setdefault(_header(received.headers, "webhook-id"), json.loads(received.body))
        return Counter((body["event"], _entity(body)) for body in first.values())

    def _check_every_transition_announced_once(self) -> None:
        expected = self._expected_events()
        deadline = time.monotonic() + SETTLE_SECONDS
        while self._announced() != expected and time.monotonic() < deadline:
            time.sleep(0.1)
        announced = self._announced()
        missing = expected - announced
        extra = announced - expected
        assert not missing and not extra, f"missing {dict(missing)}, extra or repeated {dict(extra)}"


def _in_use(response: requests.Response) -> bool:
    return response.status_code == 409 and response.json()["error"]["code"] == "IDEMPOTENCY_KEY_IN_USE"


def _header(headers: dict[str, str], name: str) -> str:
    return next(value for key, value in headers.items() if key.lower() == name)


def _entity(body: dict[str, Any]) -> str:
    entity = next(iter(body["data"].values()))
    return str(entity["id"])
