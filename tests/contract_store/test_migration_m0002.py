"""Migration 2 on DynamoDB Local: items written before the sharded indexes (no listing keys,
never counted) become listed and counted, exactly once however often the step runs."""

from __future__ import annotations

import uuid

from chalicelib.store.interface import Store
from chalicelib.store.records import PageRequest


def _old_items(merchant: str) -> dict[str, list[dict]]:
    day = "2026-03-05T08:00:00.000Z"

    def base(prefix: str, n: int) -> dict:
        return {
            "id": {"S": f"{prefix}_{uuid.uuid4().hex[:16]}"},
            "merchant_id": {"S": merchant},
            "created_at": {"S": f"2026-03-05T08:00:{n:02d}.000Z"},
        }

    orders = [
        {**base("order", n), "amount": {"N": "500"}, "currency": {"S": "INR"}, "status": {"S": "created"}}
        for n in range(25)
    ]
    payments = [
        {
            **base("pay", n),
            "order_id": {"S": orders[n]["id"]["S"]},
            "amount": {"N": "500"},
            "currency": {"S": "INR"},
            "method": {"S": "upi"},
            "status": {"S": "success" if n % 2 else "failed"},
            "updated_at": {"S": day},
        }
        for n in range(10)
    ]
    return {"orders": orders, "payments": payments}


def test_old_items_are_keyed_and_counted_once(dynamo_store: Store) -> None:
    from chalicelib.aws import client
    from chalicelib.store.models import OrderModel, PaymentModel
    from infra.migrations import m0002_sharded_lists as step

    merchant = str(uuid.uuid4())
    old = _old_items(merchant)
    dynamodb = client("dynamodb")
    for model, items in ((OrderModel, old["orders"]), (PaymentModel, old["payments"])):
        for item in items:
            dynamodb.put_item(TableName=model.Meta.table_name, Item=item)
    assert dynamo_store.orders.list_for_merchant(merchant, PageRequest(10)).items == []  # unlisted before

    step.apply()
    step.apply()  # a rerun (or one after a crash part way) counts nothing twice

    orders = dynamo_store.orders.list_for_merchant(merchant, PageRequest(100))
    assert orders.total == 25 and sorted(o.id for o in orders.items) == sorted(i["id"]["S"] for i in old["orders"])
    succeeded = dynamo_store.payments.list_for_merchant(merchant, PageRequest(100), status="success")
    assert succeeded.total == 5 and len(succeeded.items) == 5
    assert dynamo_store.payments.daily_stats(merchant, "2026-03-05", "2026-03-05") == {
        "2026-03-05": {"n": 10, "s:success": 5, "s:failed": 5, "count:INR": 10, "amount:INR": 2500}
    }
