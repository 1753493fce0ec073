"""bench/scale_model.py's arithmetic on a tiny input computed by hand, its check that the declared
write pattern matches the measured calls, and the doc regeneration."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench import scale_model as m


def tiny(**changes: object) -> m.Inputs:
    """One order put and one two-item transaction (a payment put, a delivery update) per payment;
    one webhook record per payment; prices and sizes of 1 to keep the sums plain."""
    assumptions = {key: m.Assumption(1.0, key, "test") for key in m.ASSUMPTIONS}
    assumptions.update(
        partition_wcu_per_s=m.Assumption(1000, "", "test"),
        table_wru_per_s=m.Assumption(40000, "", "test"),
        sqs_inflight_per_queue=m.Assumption(120000, "", "test"),
        lambda_account_concurrency=m.Assumption(1000, "", "test"),
        delivery_item_kb=m.Assumption(2, "", "test"),
        dynamodb_ms=m.Assumption(5, "", "test"),
        sqs_ms=m.Assumption(10, "", "test"),
        kms_ms=m.Assumption(0, "", "test"),
        webhook_ms=m.Assumption(100, "", "test"),
        batch_size=m.Assumption(10, "", "test"),
        lambda_gb=m.Assumption(0.5, "", "test"),
        api_gb=m.Assumption(1, "", "test"),
    )
    inputs = m.Inputs(
        calls_per_payment={
            "create": {"PutItem": 1.0, "TransactWriteItems": 1.0, "SendMessage": 1.0},
            "deliver": {"GetItem": 1.0, "UpdateItem": 2.0, "ReceiveMessage": 0.1},
        },
        indexes={
            "orders": [("by-merchant", "ALL", "merchant_id")],
            "payments": [("by-merchant", "ALL", "merchant_shard"), ("by-order", "KEYS_ONLY", "order_id")],
            "webhook-deliveries": [("by-merchant", "KEYS_ONLY", "merchant_id")],
        },
        list_shards=4,
        counter_shards=8,
        records_per_payment={"deliver_webhooks": 1.0},
        webhook_waits=(60, 300),
        max_concurrency={"deliver_webhooks": 10},
        function_phases={"deliver_webhooks": "deliver"},
        api_phases=("create",),
        assumptions=assumptions,
        pattern={
            "create": (
                m.WriteCall("PutItem", 1, (m.ItemWrite("orders", "put"),)),
                m.WriteCall(
                    "TransactWriteItems",
                    1,
                    (m.ItemWrite("payments", "put"), m.ItemWrite("webhook-deliveries", "update")),
                ),
            ),
            "deliver": (m.WriteCall("UpdateItem", 2, (m.ItemWrite("webhook-deliveries", "update"),)),),
        },
    )
    for key, value in changes.items():
        setattr(inputs, key, value)
    return inputs


def test_writes_units_and_index_writes_per_payment() -> None:
    inputs = tiny()
    assert m.item_writes(inputs) == {"orders": 1, "payments": 1, "webhook-deliveries": 3}
    # orders 1 KB once; payments 1 KB in a transaction (x2); deliveries 2 KB x2 in it, + 2 x 2 KB.
    assert m.write_units(inputs) == {"orders": 1, "payments": 2, "webhook-deliveries": 8}
    # A put writes every index; an update only the ALL-projection ones (deliveries' is KEYS_ONLY).
    assert m.index_writes(inputs) == {
        ("orders", "by-merchant"): 1,
        ("payments", "by-merchant"): 1,
        ("payments", "by-order"): 1,
    }


def test_busiest_partitions_at_a_rate() -> None:
    found = {p.what: p.units_per_s for p in m.partitions(tiny(), 1000)}
    # orders.by-merchant keyed by merchant_id: 1 x 1 KB x 1000/s, and what 4 shards would make of it.
    assert found["orders.by-merchant, unsharded"] == 1000
    assert found["orders.by-merchant if sharded 4 ways"] == 250
    # payments.by-merchant is keyed by a shard: 1000/4.
    assert found["payments.by-merchant over 4 shards"] == 250
    # Job stats: the job functions' instances (100 batches/s x 0.115 s = 11.5; the API writes
    # none) x 2 units (a one-item transaction) / 8 shards.
    assert found["job-stats rows over 8 shards"] == pytest.approx(2 * 11.5 / 8)


def test_lambda_concurrency_is_batches_per_second_times_duration() -> None:
    inputs = tiny()
    # A delivery record: 1 GetItem + 2 UpdateItem at 5 ms, the POST at 100 ms (receives are the poller's).
    assert m.record_ms(inputs, "deliver_webhooks") == pytest.approx(115)
    # The API: its calls per payment (PutItem 5 + TransactWriteItems 5 + SendMessage 10 ms) x 1000/s.
    assert m.api_ms_per_payment(inputs) == pytest.approx(20)
    assert m.lambda_concurrency(inputs, 1000) == {
        "api_handler": pytest.approx(20),
        "deliver_webhooks": pytest.approx(100 * 0.115),
    }


def test_in_flight_messages_of_failing_deliveries() -> None:
    inputs = tiny()
    assert m.inflight(inputs, 1000, 0.01) == pytest.approx(1000 * 0.01 * 360)
    assert m.failing_fraction_that_fills_sqs(inputs, 1000) == pytest.approx(120000 / 360000)


def test_cost_per_million_payments() -> None:
    costs = m.cost_per_million(tiny())
    # Write units: 1 + 2 + 8 base, + 1 + 1 + 1 index writes at 1 KB = 14, at $1 per million.
    assert costs["DynamoDB writes"] == pytest.approx(14)
    assert costs["DynamoDB reads"] == pytest.approx(1)
    assert costs["SQS"] == pytest.approx(1.1)  # SendMessage 1 + ReceiveMessage 0.1
    # 0.1 invocations per payment at $1/M, + 0.1 x 0.115 s x 0.5 GB x $1 per GB-s x 1e6.
    assert costs["Lambda (job functions)"] == pytest.approx(0.1 + 0.1 * 0.115 * 0.5 * 1e6)
    # Two requests at $1/M, + 0.020 s x 1 GB x $1 per GB-s x 1e6.
    assert costs["Lambda (API)"] == pytest.approx(2 + 0.020 * 1e6)
    assert costs["API Gateway"] == pytest.approx(m.API_REQUESTS_PER_PAYMENT)


def test_counter_shards_for_the_100_writes_per_second_bound() -> None:
    assert m.counter_shards_needed(2000) == 20
    assert m.counter_shards_needed(4000) == 40
    assert m.counter_shards_needed(50) == 1


def test_the_lowest_limit_comes_first() -> None:
    limits = m.first_limits(tiny(), 1000)
    assert [limit.breaks_at for limit in limits] == sorted(limit.breaks_at for limit in limits)
    # deliver_webhooks: 11.5 running at 1000/s against a maximum of 10 -> 10/11.5 x 1000.
    concurrency = next(limit for limit in limits if "maximum concurrency" in limit.what)
    assert concurrency.breaks_at == pytest.approx(1000 * 10 / 11.5)
    assert not any(math.isinf(limit.breaks_at) for limit in limits)


def test_a_pattern_that_no_longer_matches_the_measurement_is_reported() -> None:
    assert m.check_pattern(tiny()) == []
    stale = tiny(
        calls_per_payment={"create": {"PutItem": 1.0, "TransactWriteItems": 2.0}, "deliver": {"UpdateItem": 2.0}}
    )
    assert m.check_pattern(stale) == ["create: TransactWriteItems declared 1/payment, measured 2/payment"]


def test_the_repository_model_matches_its_measurement_and_regenerates_the_doc(tmp_path: Path) -> None:
    inputs = m.load_inputs()
    assert m.check_pattern(inputs) == [], "update WRITE_PATTERN in bench/scale_model.py to the code's writes"
    doc = tmp_path / "scaling.md"
    doc.write_text(f"intro\n{m.BEGIN}\nold\n{m.END}\nafter\n")
    m.write_into(doc, m.render(inputs, 2000))
    text = doc.read_text()
    assert text.startswith("intro\n") and text.endswith(f"{m.END}\nafter\n") and "old" not in text
    assert "**Limits, lowest first**" in text
