"""Merchant items from before endpoints, on DynamoDB Local: read as if migrated, migrated by
their first endpoint change or by migration 7, once."""

from __future__ import annotations

import uuid
from typing import Any

from chalicelib.domain.endpoints import Endpoint, default_endpoint_id
from chalicelib.store.interface import Store
from chalicelib.store.records import EndpointRotation

from .test_store_contract import audit_entry


def _legacy_item(url: str | None = "https://example.test/hook") -> dict[str, Any]:
    mid = str(uuid.uuid4())
    item = {
        "id": {"S": mid},
        "name": {"S": "Old shop"},
        "email": {"S": f"{mid}@example.test"},
        "api_key": {"S": "key_" + mid},
        "api_secret_digest": {"S": "digest"},
        "api_secret_sealed": {"S": "sealed"},
        "created_at": {"S": "2025-06-01T00:00:00.000Z"},
        "webhook_secret_sealed": {"S": "sealed-old"},
        "webhook_events": {"L": [{"S": "payment.success"}]},
    }
    if url:
        item["webhook_url"] = {"S": url}
    return item


def _put(item: dict[str, Any]) -> str:
    from chalicelib.aws import client
    from chalicelib.store.models import MerchantModel

    client("dynamodb").put_item(TableName=MerchantModel.Meta.table_name, Item=item)
    return str(item["id"]["S"])


def _raw(merchant_id: str) -> dict[str, Any]:
    from chalicelib.aws import client
    from chalicelib.store.models import MerchantModel

    found: dict[str, Any] = client("dynamodb").get_item(
        TableName=MerchantModel.Meta.table_name, Key={"id": {"S": merchant_id}}, ConsistentRead=True
    )["Item"]
    return found


def _default(merchant_id: str) -> Endpoint:
    return Endpoint(
        default_endpoint_id(merchant_id),
        "https://example.test/hook",
        "sealed-old",
        "2025-06-01T00:00:00.000Z",
        events=("payment.success",),
    )


def test_an_unmigrated_merchant_reads_with_its_default_endpoint(dynamo_store: Store) -> None:
    mid = _put(_legacy_item())
    merchant = dynamo_store.merchants.get(mid)
    assert merchant is not None and merchant.webhook_endpoints == (_default(mid),)
    assert merchant.webhook_url == "https://example.test/hook" and merchant.webhook_secret_sealed == "sealed-old"
    assert dynamo_store.merchants.get_many({mid})[mid] == merchant


def test_the_first_change_of_an_unmigrated_merchant_migrates_it(dynamo_store: Store) -> None:
    mid = _put(_legacy_item())
    entry = audit_entry(mid, mid, action="webhook.secret_regenerate", entity_type="merchant")
    rotation = EndpointRotation("sealed-old", "sealed-new", "2025-06-02T00:00:00.000Z", "2025-06-01T01:00:00.000Z")
    assert dynamo_store.endpoints.rotate_secret(mid, default_endpoint_id(mid), rotation, entry) is True
    raw = _raw(mid)
    assert "webhook_url" not in raw and "webhook_secret_sealed" not in raw and "webhook_events" not in raw
    merchant = dynamo_store.merchants.get(mid)
    assert merchant is not None and merchant.webhook_url == "https://example.test/hook"
    assert merchant.webhook_endpoints[0].previous_secret_sealed == "sealed-old"
    assert merchant.webhook_secret_sealed == "sealed-new"


def test_migration_7_moves_every_legacy_webhook_once(dynamo_store: Store) -> None:
    from infra.migrations import m0007_webhook_endpoints as step

    with_url, without_url = _put(_legacy_item()), _put(_legacy_item(url=None))
    before = {mid: dynamo_store.merchants.get(mid) for mid in (with_url, without_url)}
    step.apply()
    for mid in (with_url, without_url):
        raw = _raw(mid)
        assert "webhook_endpoints" in raw and "webhook_secret_sealed" not in raw
        assert dynamo_store.merchants.get(mid) == before[mid]  # read alike before and after
    assert dynamo_store.merchants.get(with_url).webhook_endpoints == (_default(with_url),)  # type: ignore[union-attr]
    without = dynamo_store.merchants.get(without_url)
    assert without is not None and without.webhook_url is None and without.webhook_endpoints[0].url == ""
    dynamo_store.endpoints.set_failing_since(with_url, default_endpoint_id(with_url), "2025-06-03T00:00:00.000Z")
    step.apply()  # a rerun leaves migrated items, and what changed since, alone
    kept = dynamo_store.merchants.get(with_url)
    assert kept is not None and kept.webhook_endpoints[0].failing_since == "2025-06-03T00:00:00.000Z"
