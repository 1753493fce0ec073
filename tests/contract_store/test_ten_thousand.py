"""The 10,000th item: a merchant with 10,000 orders (batch-written straight into DynamoDB Local,
shaped as the store writes them, many sharing a created_at) pages exactly, counts exactly, and a
cursor carrying one merchant's positions reads nothing of theirs for another."""

from __future__ import annotations

import uuid
from collections import defaultdict

import pytest

from chalicelib.domain import counts
from chalicelib.store.interface import Store
from chalicelib.store.records import PageRequest

COUNT = 10_000


def _seed(merchant: str) -> list[tuple[str, str]]:
    from chalicelib.aws import client
    from chalicelib.store.keys import merchant_key
    from chalicelib.store.models import CounterModel, OrderModel

    dynamodb = client("dynamodb")
    written, requests, added = [], [], defaultdict(int)
    for n in range(COUNT):
        order_id = f"order_{uuid.uuid4().hex[:16]}"
        created = f"2026-02-01T00:{n // 600:02d}:{n // 10 % 60:02d}.000Z"  # ten orders per created_at
        written.append((created, order_id))
        requests.append(
            {
                "PutRequest": {
                    "Item": {
                        "id": {"S": order_id},
                        "merchant_id": {"S": merchant},
                        "amount": {"N": "500"},
                        "currency": {"S": "INR"},
                        "status": {"S": "created"},
                        "created_at": {"S": created},
                        "merchant_shard": {"S": merchant_key(merchant, order_id)},
                    }
                }
            }
        )
        added[counts.row_key(merchant, counts.ORDERS, order_id)] += 1
    table = OrderModel.Meta.table_name
    for start in range(0, COUNT, 25):
        batch = {table: requests[start : start + 25]}
        while batch:
            batch = dynamodb.batch_write_item(RequestItems=batch).get("UnprocessedItems") or {}
    for key, amount in added.items():
        dynamodb.update_item(
            TableName=CounterModel.Meta.table_name,
            Key={"key": {"S": key}, "day": {"S": counts.NO_DAY}},
            UpdateExpression="ADD n :n",
            ExpressionAttributeValues={":n": {"N": str(amount)}},
        )
    return written


@pytest.fixture(scope="module")
def big(dynamo_store: Store) -> tuple[str, list[tuple[str, str]]]:
    merchant = str(uuid.uuid4())
    return merchant, _seed(merchant)


def test_the_first_page_and_the_total_of_10000(dynamo_store: Store, big) -> None:
    merchant, written = big
    page = dynamo_store.orders.list_for_merchant(merchant, PageRequest(10))
    assert page.total == COUNT and page.next is not None
    newest = max(created for created, _ in written)
    assert [o.created_at for o in page.items] == [newest] * 10
    assert {o.id for o in page.items} == {i for created, i in written if created == newest}


def test_a_cursor_walk_reaches_the_10000th_once(dynamo_store: Store, big) -> None:
    merchant, written = big
    seen, after = [], None
    while True:
        page = dynamo_store.orders.list_for_merchant(merchant, PageRequest(100, 0, after))
        seen += page.items
        if page.next is None:
            break
        after = page.next
    assert len(seen) == COUNT and {o.id for o in seen} == {i for _, i in written}
    assert [o.created_at for o in seen] == sorted((o.created_at for o in seen), reverse=True)
    deepest = dynamo_store.orders.list_for_merchant(merchant, PageRequest(10, 1000))
    assert [o.id for o in deepest.items] == [o.id for o in seen[1000:1010]]


def test_another_merchants_positions_read_only_the_callers_items(dynamo_store: Store, big) -> None:
    merchant, _ = big
    stolen = dynamo_store.orders.list_for_merchant(merchant, PageRequest(10)).next
    other = str(uuid.uuid4())
    from chalicelib.domain.clock import now_iso
    from chalicelib.store.records import Order

    mine = Order(f"order_{uuid.uuid4().hex[:16]}", other, 500, "INR", "created", now_iso())
    dynamo_store.orders.create(mine)
    # The service refuses such a cursor (its scope is the other merchant's); even forged with the
    # right scope, the positions apply to the caller's own keys only.
    page = dynamo_store.orders.list_for_merchant(other, PageRequest(10, 0, stolen))
    assert {o.merchant_id for o in page.items} <= {other}
