"""migration 5 on DynamoDB Local: pending items written before the awaiting index get its keys,
due when their work is; final items stay out; a rerun changes nothing."""

from __future__ import annotations

import uuid

from chalicelib.domain.shards import AWAITING_SHARDS, shard_of
from chalicelib.store.interface import Store
from chalicelib.store.keys import epoch_ms
from chalicelib.store.records import Awaited, WorkKind

FOREVER = 253402300799000


def _found(store: Store, kind: WorkKind, item_id: str) -> list[Awaited]:
    shard, after, found = shard_of(item_id, AWAITING_SHARDS), None, []
    while True:
        page = store.awaiting.due(kind, shard, FOREVER, 100, after)
        found += [entry for entry in page.items if entry.id == item_id]
        if page.next is None:
            return found
        after = page.next


def test_pending_items_of_the_old_release_are_keyed_once(dynamo_store: Store) -> None:
    from chalicelib.aws import client
    from chalicelib.store.models import DeliveryModel, PaymentModel, RefundModel
    from infra.migrations import m0005_awaiting_index as step

    merchant = str(uuid.uuid4())
    created = "2026-03-05T08:00:00.000Z"

    def base(prefix: str, status: str) -> dict:
        return {
            "id": {"S": f"{prefix}_{uuid.uuid4().hex[:16]}"},
            "merchant_id": {"S": merchant},
            "status": {"S": status},
            "created_at": {"S": created},
        }

    money = {"amount": {"N": "500"}, "currency": {"S": "INR"}}
    payment = {**base("pay", "pending"), **money, "order_id": {"S": "order_x"}, "method": {"S": "upi"}}
    payment |= {"updated_at": {"S": created}, "process_after_ms": {"N": "1772697605000"}}
    settled = {**payment, **base("pay", "success")}
    refund = {**base("rfnd", "pending"), **money, "payment_id": {"S": payment["id"]["S"]}}
    retry_at = "2026-03-05T09:00:00.000Z"
    delivery = {**base("evt", "pending"), "event": {"S": "payment.created"}, "entity_id": {"S": "pay_x"}}
    delivery |= {"timestamp": {"N": "1"}, "payload": {"S": "{}"}, "next_retry_at": {"S": retry_at}}
    dynamodb = client("dynamodb")
    for model, item in (
        (PaymentModel, payment),
        (PaymentModel, settled),
        (RefundModel, refund),
        (DeliveryModel, delivery),
    ):
        dynamodb.put_item(TableName=model.Meta.table_name, Item=item)
    assert _found(dynamo_store, "payment", payment["id"]["S"]) == []  # invisible to the reconciler before

    step.apply()
    step.apply()  # a rerun keys nothing twice and moves nothing

    assert _found(dynamo_store, "payment", payment["id"]["S"]) == [
        Awaited("payment", payment["id"]["S"], 1772697605000)
    ]
    assert _found(dynamo_store, "payment", settled["id"]["S"]) == []
    assert _found(dynamo_store, "refund", refund["id"]["S"]) == [
        Awaited("refund", refund["id"]["S"], epoch_ms(created))
    ]
    assert _found(dynamo_store, "delivery", delivery["id"]["S"]) == [
        Awaited("delivery", delivery["id"]["S"], epoch_ms(retry_at))
    ]
    # What the reconciler then claims is the old item itself.
    claimed = dynamo_store.awaiting.claim(Awaited("refund", refund["id"]["S"], epoch_ms(created)), 1)
    assert claimed is not None and claimed.id == refund["id"]["S"] and claimed.status == "pending"
