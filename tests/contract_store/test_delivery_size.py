"""No delivery item can exceed 64 KB: the largest payload the API can make, a 2,048-character
URL, ten kept attempts with the longest bodies and errors, written to DynamoDB Local and measured
by DynamoDB's own size rules."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from chalicelib.aws import client
from chalicelib.config import resource_name
from chalicelib.domain import clock
from chalicelib.domain import deliveries as rules
from chalicelib.domain.events import REFUND_CREATED
from chalicelib.services import entities, webhook_delivery, webhook_events
from chalicelib.services.webhook_http import Observation
from chalicelib.store.interface import Store
from chalicelib.store.records import Refund

WIDE = "\U0001f4b8"  # four bytes of UTF-8: the widest character a note can hold


def dynamo_size(value: dict[str, Any]) -> int:
    """An attribute value's size as DynamoDB counts it (developer guide, "Item sizes")."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        digits = Decimal(inner).normalize().as_tuple().digits
        return (len(digits) + 1) // 2 + 1
    if kind in ("NULL", "BOOL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + dynamo_size(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(dynamo_size(v) + 1 for v in inner)
    raise AssertionError(f"unexpected attribute type {kind}")


def largest_refund_event(merchant_id: str) -> Any:
    # 15 notes, every key 40 characters and every value 256, all four-byte characters.
    notes = {f"{n:02d}" + WIDE * 38: WIDE * 256 for n in range(15)}
    assert all(len(key) == 40 for key in notes)
    refund = Refund(
        f"rfnd_{uuid.uuid4().hex[:16]}", merchant_id, f"pay_{uuid.uuid4().hex[:16]}", 10**12, "INR", "pending",
        clock.now_iso(), reason=WIDE * 255, notes=notes,
    )  # fmt: skip
    return webhook_events.event_record(merchant_id, REFUND_CREATED, "refund", entities.refund(refund), clock.now())


def test_the_largest_possible_delivery_stays_within_64_kb(dynamo_store: Store) -> None:
    merchant_id = str(uuid.uuid4())
    record = largest_refund_event(merchant_id)
    assert len(record.payload.encode()) > 18_000  # the largest payload is what is measured
    assert dynamo_store.deliveries.create(record)
    url = "https://receiver.example/" + "p" * (rules.MAX_URL_LENGTH - len("https://receiver.example/"))
    assert len(url) == rules.MAX_URL_LENGTH
    started = clock.now()
    current = record
    for number in range(1, rules.KEPT_ATTEMPTS + 3):  # more than are kept: every slot full
        seen = Observation(599, WIDE * 4096, "x" * 10_000 + url, 999_999, None)  # body and error both, longest
        entry = webhook_delivery.attempt_entry(number, started + timedelta(seconds=number), url, seen)
        due = clock.iso(started + timedelta(days=1))
        assert dynamo_store.deliveries.record_attempt(current, entry, "pending", due)
        current = replace(current, attempts=number)
    raw = client("dynamodb").get_item(
        TableName=resource_name("webhook-deliveries"), Key={"id": {"S": record.id}}, ConsistentRead=True
    )["Item"]
    size = sum(len(name.encode()) + dynamo_size(value) for name, value in raw.items())
    print(f"delivery item: {size} bytes")
    assert size <= rules.MAX_ITEM_BYTES, f"{size} bytes"
    stored = dynamo_store.deliveries.get(record.id)
    assert stored is not None and len(stored.attempt_log) == rules.KEPT_ATTEMPTS and stored.attempts == 12
    assert all(len(entry["response_body"].encode()) <= rules.KEPT_BODY_BYTES for entry in stored.attempt_log)
