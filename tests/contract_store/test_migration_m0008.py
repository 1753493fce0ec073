"""migration 8 on DynamoDB Local: deliveries written before retention get their expires_at from
their own created_at; one already expired reads as absent at once; a rerun changes nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta

from chalicelib.domain import clock
from chalicelib.store.interface import Store


def test_older_deliveries_get_their_expiry_once(dynamo_store: Store) -> None:
    from chalicelib.aws import client
    from chalicelib.store.models import DeliveryModel
    from infra.migrations import m0008_delivery_retention as step

    def older(created: str) -> dict:
        return {
            "id": {"S": f"evt_{uuid.uuid4().hex[:16]}"},
            "merchant_id": {"S": str(uuid.uuid4())},
            "status": {"S": "success"},
            "created_at": {"S": created},
            "event": {"S": "payment.created"},
            "entity_id": {"S": "pay_x"},
            "timestamp": {"N": "1"},
            "payload": {"S": "{}"},
        }

    recent = older(clock.iso(clock.now() - timedelta(days=1)))
    ancient = older("2020-01-01T00:00:00.000Z")
    dynamodb = client("dynamodb")
    for item in (recent, ancient):
        dynamodb.put_item(TableName=DeliveryModel.Meta.table_name, Item=item)
    assert dynamo_store.deliveries.get(ancient["id"]["S"]) is not None  # kept forever before

    assert step.apply() >= 2
    kept = dynamo_store.deliveries.get(recent["id"]["S"])
    assert kept is not None and kept.expires_at is not None
    assert timedelta(days=28) < kept.expires_at - clock.now() < timedelta(days=30)
    assert dynamo_store.deliveries.get(ancient["id"]["S"]) is None
    step.apply()  # a rerun leaves what it set as it was
    assert dynamo_store.deliveries.get(recent["id"]["S"]) == kept
