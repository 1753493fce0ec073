"""The DynamoDB patches (infra/local/moto_dynamodb.py): each test fails without its own."""

from __future__ import annotations

import os
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import DISABLED, client
from .test_sqs import run_all


def cpu_ms(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


# --- dynamodb-serialize ------------------------------------------------------------------------


def test_concurrent_increments_all_count(emulator, table):
    """moto's UpdateItem reads, computes and writes the item unlocked: of concurrent ADDs on one
    counter, a few were lost (1195 and 1198 of 1200 in two runs)."""

    def adder() -> None:
        own = client(emulator, "dynamodb")
        for _ in range(200):
            own.update_item(
                TableName=table,
                Key={"id": {"S": "counter"}},
                UpdateExpression="ADD n :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )

    run_all(*(adder for _ in range(6)))
    ddb = client(emulator, "dynamodb")
    assert ddb.get_item(TableName=table, Key={"id": {"S": "counter"}})["Item"]["n"]["N"] == "1200"


def test_failed_transactions_never_undo_concurrent_writes(emulator, table):
    """moto's TransactWriteItems restored a copy of the whole table when a condition failed,
    erasing what other requests wrote meanwhile. Either patch alone prevents it (serialized, the
    copy is taken and restored with nothing in between; the rewritten transaction takes none)."""
    ddb = client(emulator, "dynamodb")
    ddb.put_item(TableName=table, Item={"id": {"S": "counter"}, "n": {"N": "0"}})
    for i in range(300):  # a table worth copying: the copy takes a while
        ddb.put_item(TableName=table, Item={"id": {"S": f"filler-{i}"}, "pad": {"S": "x" * 200}})
    increments = 150

    def counter() -> None:
        own = client(emulator, "dynamodb")
        for _ in range(increments):
            own.update_item(
                TableName=table,
                Key={"id": {"S": "counter"}},
                UpdateExpression="ADD n :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )

    def failing_transactions() -> None:
        own = client(emulator, "dynamodb")
        for i in range(40):
            with pytest.raises(ClientError) as raised:
                own.transact_write_items(
                    TransactItems=[
                        {"Put": {"TableName": table, "Item": {"id": {"S": f"tx-{i}"}}}},
                        {
                            "ConditionCheck": {
                                "TableName": table,
                                "Key": {"id": {"S": "counter"}},
                                "ConditionExpression": "attribute_not_exists(id)",
                            }
                        },
                    ]
                )
            assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"

    run_all(counter, failing_transactions)
    final = ddb.get_item(TableName=table, Key={"id": {"S": "counter"}}, ConsistentRead=True)["Item"]
    assert int(final["n"]["N"]) == increments
    assert "Item" not in ddb.get_item(TableName=table, Key={"id": {"S": "tx-0"}})


# --- dynamodb-transactions ---------------------------------------------------------------------


def transaction_cpu_ms(emulator: Any, ddb: Any, table: str, n: int = 15) -> float:
    def transact(i: int) -> None:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"id": {"S": f"tx-{i}"}}}},
                {
                    "Update": {
                        "TableName": table,
                        "Key": {"id": {"S": "seed"}},
                        "UpdateExpression": "SET n = :i",
                        "ExpressionAttributeValues": {":i": {"N": str(i)}},
                    }
                },
            ]
        )

    transact(-1)
    started = cpu_ms(emulator.process.pid)
    for i in range(n):
        transact(i)
    return (cpu_ms(emulator.process.pid) - started) / n


def test_a_transaction_costs_what_it_touches_not_the_table_size(emulator, dynamodb, table):
    """moto deep-copied every table a transaction touched: 2000 items made each one cost ~100x."""
    dynamodb.put_item(TableName=table, Item={"id": {"S": "seed"}})
    small = transaction_cpu_ms(emulator, dynamodb, table)
    for start in range(0, 2000, 25):
        dynamodb.batch_write_item(
            RequestItems={
                table: [
                    {"PutRequest": {"Item": {"id": {"S": f"filler-{i}"}, "pad": {"S": "x" * 100}}}}
                    for i in range(start, start + 25)
                ]
            }
        )
    large = transaction_cpu_ms(emulator, dynamodb, table)
    # CPU time, not wall time: other work on the machine barely moves it. 10 ms of slack for
    # the clock's 10 ms ticks.
    assert large < 3 * small + 10, f"{large:.1f} ms per transaction on 2000 items, {small:.1f} ms on 1"


def test_the_harness_can_leave_patches_out():
    """EMULATOR_TEST_DISABLE names only known patches (a typo would silently test nothing)."""
    from infra.local.emulator import all_patches

    known = {name for names in all_patches().values() for name in names}
    assert set(DISABLED) <= known
