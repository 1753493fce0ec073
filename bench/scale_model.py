"""A model of the gateway at a given payment rate on AWS (2,000 payments/s by default), computed
from the measured AWS calls per payment (bench/results.json, `lifecycle_calls`), the tables'
indexes (infra/resources.py) and the shard counts (chalicelib/domain/shards.py).

    python -m bench.scale_model                       # print the tables
    python -m bench.scale_model --write docs/scaling.md   # regenerate the doc's tables in place
    make scale-model                                  # the same; `make bench` runs it after measuring

What is measured and what is assumed:
- Measured: calls per payment, by phase and operation (the bench counts every botocore call the
  gateway makes while 20 payments go through their whole lifecycle).
- Declared here, from the code, and checked against the measurement: which items each write call
  writes (WRITE_PATTERN). If the code's calls change, the check fails loudly rather than the
  figures silently drifting: update the pattern beside the change.
- Assumed, each with its source and date (ASSUMPTIONS): AWS limits, latencies, item sizes and
  public prices.

The arithmetic lives in small pure functions (tests/unit/test_scale_model.py checks them on a
hand-computed input); `render()` turns a model into the markdown the doc holds between its
BEGIN/END markers.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"
DOC = ROOT / "docs" / "scaling.md"
BEGIN, END = "<!-- scale-model:begin -->", "<!-- scale-model:end -->"


@dataclass(frozen=True)
class Assumption:
    value: float
    what: str
    source: str


PRICES_AS_OF = "2025-01 (us-east-1 public price pages; check before quoting)"
ASSUMPTIONS: dict[str, Assumption] = {
    # Limits
    "partition_wcu_per_s": Assumption(
        1000, "write units/s one partition (one partition-key value) sustains", "DynamoDB developer guide, partitions"
    ),
    "table_wru_per_s": Assumption(
        40000, "on-demand write request units/s per table (default quota, adjustable)", "DynamoDB service quotas"
    ),
    "sqs_inflight_per_queue": Assumption(
        120000, "in-flight messages (received, not deleted) per standard queue", "SQS quotas"
    ),
    "lambda_account_concurrency": Assumption(
        1000, "concurrent executions per account and region (default)", "Lambda quotas"
    ),
    # Sizes and latencies on AWS (not measured here: the bench runs on emulators)
    "item_kb": Assumption(1, "write units per item write (items ≤ 1 KB)", "DynamoDB: 1 WRU per 1 KB"),
    "delivery_item_kb": Assumption(
        2, "write units per delivery write (payload plus attempt log ≈ 1–2 KB)", "estimate from the payload's size"
    ),
    "dynamodb_ms": Assumption(6, "latency of a DynamoDB call from Lambda, ms", "AWS: single-digit ms; estimate"),
    "sqs_ms": Assumption(15, "latency of an SQS call from Lambda, ms", "estimate"),
    "kms_ms": Assumption(10, "latency of a KMS Decrypt, ms", "estimate"),
    "webhook_ms": Assumption(250, "a merchant's webhook endpoint's answer, ms", "estimate; the merchant decides"),
    "batch_size": Assumption(10, "records per Lambda batch (SQS_*_BATCH_SIZE)", ".chalice/config.json prod"),
    "lambda_gb": Assumption(0.5, "job function memory, GB", ".chalice/config.json prod (512 MB)"),
    "api_gb": Assumption(1.0, "API function memory, GB", ".chalice/config.json prod (1024 MB)"),
    # Prices
    "usd_per_million_wru": Assumption(
        0.625, "DynamoDB on-demand, per million write request units", "aws.amazon.com/dynamodb/pricing"
    ),
    "usd_per_million_rru": Assumption(
        0.125, "DynamoDB on-demand, per million read request units", "aws.amazon.com/dynamodb/pricing"
    ),
    "usd_per_million_sqs": Assumption(
        0.40, "SQS standard, per million requests (64 KB chunks)", "aws.amazon.com/sqs/pricing"
    ),
    "usd_per_million_kms": Assumption(
        3.00, "KMS, per million requests ($0.03 per 10,000)", "aws.amazon.com/kms/pricing"
    ),
    "usd_per_million_lambda": Assumption(0.20, "Lambda, per million invocations", "aws.amazon.com/lambda/pricing"),
    "usd_per_gb_second": Assumption(0.0000166667, "Lambda x86, per GB-second", "aws.amazon.com/lambda/pricing"),
    "usd_per_million_api": Assumption(
        3.50, "API Gateway REST API, per million requests", "aws.amazon.com/api-gateway/pricing"
    ),
}
API_REQUESTS_PER_PAYMENT = 2  # POST /orders and POST /payments: the bench's lifecycle
API_PHASES = ("create order", "create payment")
API_FUNCTION = "api_handler"


@dataclass(frozen=True)
class ItemWrite:
    table: str  # logical table name, as in infra/resources.py ("payments")
    kind: str  # "put" (every index of the table is written) or "update" (ALL-projection indexes)
    family: str = ""  # of a counters row: its family (chalicelib/domain/counts.py), sharded its own way


@dataclass(frozen=True)
class WriteCall:
    operation: str  # the botocore operation the bench counts
    per_payment: float
    items: tuple[ItemWrite, ...]  # what one such call writes

    @property
    def transactional(self) -> bool:
        return self.operation == "TransactWriteItems"


def _put(table: str) -> ItemWrite:
    return ItemWrite(table, "put")


def _update(table: str) -> ItemWrite:
    return ItemWrite(table, "update")


# From the code at this commit: chalicelib/store/orders.py (create), payments.py (create,
# finalize), deliveries.py (record_attempt) and counters.py: every create and status
# change adds to its merchant's counter rows (and a payment's to its day's statistics row) in
# the same transaction (chalicelib/domain/counts.py).
def _count(family: str) -> ItemWrite:
    return ItemWrite("counters", "update", family)


WRITE_PATTERN: dict[str, tuple[WriteCall, ...]] = {
    "create order": (WriteCall("TransactWriteItems", 1, (_put("orders"), _count("orders"))),),
    "create payment": (
        # the payment and its payment.created and payment.pending events, with their counts
        WriteCall(
            "TransactWriteItems",
            1,
            (
                _put("payments"),
                _put("webhook-deliveries"),
                _put("webhook-deliveries"),
                _count("payments"),
                _count("stats"),
                _count("webhooks"),
                _count("webhooks"),
            ),
        ),
    ),
    "process (payment function)": (
        # pending -> success, its event, the order's paid mark, with their counts
        WriteCall(
            "TransactWriteItems",
            1,
            (
                _update("payments"),
                _put("webhook-deliveries"),
                _update("orders"),
                _count("payments"),
                _count("stats"),
                _count("webhooks"),
            ),
        ),
    ),
    "deliver (webhook function)": (
        # each of the three deliveries: one write, recording the attempt with its status's count
        # (issue 15's engine: no claim; the payload travels in the message)
        WriteCall("TransactWriteItems", 3, (_update("webhook-deliveries"), _count("webhooks"))),
    ),
}
# Writes not per payment but per function instance and second: the job counters (one flush a
# second at most, chalicelib/services/jobs_status.py), as many rows as COUNTER_SHARDS.
JOB_STATS_OPERATIONS = ("UpdateItem", "TransactWriteItems")

READ_OPERATIONS = {"GetItem": 1, "BatchGetItem": 1, "Query": 1}  # read units per call (items ≤ 4 KB)
SQS_OPERATIONS = (
    "SendMessage",
    "SendMessageBatch",
    "ReceiveMessage",
    "DeleteMessage",
    "DeleteMessageBatch",
    "ChangeMessageVisibility",
    "ChangeMessageVisibilityBatch",
    "GetQueueAttributes",
    "GetQueueUrl",
)
LATENCY_KEY = {"sqs": "sqs_ms", "kms": "kms_ms", "dynamodb": "dynamodb_ms"}
FUNCTION_PHASES = {"process_payments": "process (payment function)", "deliver_webhooks": "deliver (webhook function)"}
PER_MERCHANT_INDEX = "by-merchant"


@dataclass
class Inputs:
    """Everything the model reads, gathered so a test can hand it a tiny one."""

    calls_per_payment: dict[str, dict[str, float]]  # phase -> operation -> calls per payment
    indexes: dict[str, list[tuple[str, str, str]]]  # table -> [(index name, projection type, hash key)]
    list_shards: int
    counter_shards: int
    records_per_payment: dict[str, float]  # function -> SQS records it handles per payment
    webhook_waits: tuple[int, ...]  # the retry schedule, seconds
    max_concurrency: dict[str, int]  # function -> its event source's maximum concurrency
    assumptions: dict[str, Assumption] = field(default_factory=lambda: dict(ASSUMPTIONS))
    pattern: dict[str, tuple[WriteCall, ...]] = field(default_factory=lambda: dict(WRITE_PATTERN))
    function_phases: dict[str, str] = field(default_factory=lambda: dict(FUNCTION_PHASES))
    api_phases: tuple[str, ...] = API_PHASES
    measured_at: str = ""
    counter_family_shards: dict[str, int] = field(default_factory=dict)  # family -> its shards

    def a(self, key: str) -> float:
        return self.assumptions[key].value


def check_pattern(inputs: Inputs, tolerance: float = 0.1) -> list[str]:
    """Where the declared write calls differ from the measured ones (job counters apart)."""
    problems = []
    for phase, calls in inputs.pattern.items():
        measured = inputs.calls_per_payment.get(phase)
        if measured is None:
            problems.append(f"phase {phase!r} is not in the measurement")
            continue
        declared: dict[str, float] = {}
        for call in calls:
            declared[call.operation] = declared.get(call.operation, 0) + call.per_payment
        writes = {
            op: n
            for op, n in measured.items()
            if op in ("PutItem", "UpdateItem", "TransactWriteItems", "BatchWriteItem", "DeleteItem")
        }
        for operation in set(declared) | set(writes):
            want, got = declared.get(operation, 0.0), writes.get(operation, 0.0)
            slack = tolerance + (0.25 if operation in JOB_STATS_OPERATIONS else 0)  # the amortised job counter
            if abs(want - got) > slack:
                problems.append(f"{phase}: {operation} declared {want:g}/payment, measured {got:g}/payment")
    return problems


def item_writes(inputs: Inputs) -> dict[str, float]:
    """Item writes per payment, by table."""
    totals: dict[str, float] = {}
    for calls in inputs.pattern.values():
        for call in calls:
            for item in call.items:
                totals[item.table] = totals.get(item.table, 0) + call.per_payment
    return totals


def counter_writes(inputs: Inputs) -> dict[str, float]:
    """Counter row writes per payment, by family."""
    totals: dict[str, float] = {}
    for calls in inputs.pattern.values():
        for call in calls:
            for item in call.items:
                if item.table == "counters":
                    family = item.family or "counters"
                    totals[family] = totals.get(family, 0) + call.per_payment
    return totals


def item_units(inputs: Inputs, table: str) -> float:
    """Write units of one write of a table's item (or of its copy in an ALL-projection index)."""
    return inputs.a("delivery_item_kb") if table == "webhook-deliveries" else inputs.a("item_kb")


def write_units(inputs: Inputs) -> dict[str, float]:
    """Write request units per payment, by table: size in KB, doubled inside a transaction."""
    totals: dict[str, float] = {}
    for calls in inputs.pattern.values():
        for call in calls:
            for item in call.items:
                units = item_units(inputs, item.table) * (2 if call.transactional else 1) * call.per_payment
                totals[item.table] = totals.get(item.table, 0) + units
    return totals


def index_writes(inputs: Inputs) -> dict[tuple[str, str], float]:
    """Writes per payment into each index: a put writes every index; an update, the indexes that
    project every attribute (a KEYS_ONLY index changes only when its keys do: not modelled)."""
    totals: dict[tuple[str, str], float] = {}
    for calls in inputs.pattern.values():
        for call in calls:
            for item in call.items:
                for index, projection, _hash_key in inputs.indexes.get(item.table, []):
                    if item.kind == "put" or projection == "ALL":
                        key = (item.table, index)
                        totals[key] = totals.get(key, 0) + call.per_payment
    return totals


@dataclass(frozen=True)
class Partition:
    what: str
    units_per_s: float  # write units/s on the busiest partition of it
    limit: float

    @property
    def headroom(self) -> float:
        return self.limit / self.units_per_s if self.units_per_s else math.inf


def per_merchant_indexes(inputs: Inputs) -> dict[tuple[str, str], bool]:
    """(table, index) -> whether its partition key is write-sharded: an index whose name says
    merchant, keyed by something other than the bare merchant id (the lists branch's shard key)."""
    return {
        (table, index): hash_key != "merchant_id"
        for table, found in inputs.indexes.items()
        if table != "merchants"
        for index, _projection, hash_key in found
        if "merchant" in index
    }


def partitions(inputs: Inputs, rate: float) -> list[Partition]:
    """The busiest partition of each per-merchant index and counter when one merchant makes every
    payment (the worst case the issue names): a sharded key spreads over LIST_SHARDS (counters over
    COUNTER_SHARDS); keys unique per entity (ids, order ids) spread over all partitions anyway."""
    limit = inputs.a("partition_wcu_per_s")
    rows = []
    sharded = per_merchant_indexes(inputs)
    for (table, index), per_payment in sorted(index_writes(inputs).items()):
        if (table, index) not in sharded:
            continue
        units = per_payment * item_units(inputs, table) * rate
        if sharded[table, index]:
            rows.append(
                Partition(f"{table}.{index} over {inputs.list_shards} shards", units / inputs.list_shards, limit)
            )
        else:
            rows.append(Partition(f"{table}.{index}, unsharded", units, limit))
            rows.append(
                Partition(f"{table}.{index} if sharded {inputs.list_shards} ways", units / inputs.list_shards, limit)
            )
    for family, per_payment in sorted(counter_writes(inputs).items()):
        shards = inputs.counter_family_shards.get(family, inputs.counter_shards)
        # A counter row is written inside transactions only: 2 write units per write.
        rows.append(Partition(f"{family} counter rows over {shards} shards", 2 * per_payment * rate / shards, limit))
    concurrency = sum(n for function, n in lambda_concurrency(inputs, rate).items() if function != API_FUNCTION)
    # Each function instance flushes its job counts at most once a second, to one shard, in a
    # one-item transaction (2 units).
    rows.append(
        Partition(f"job-stats rows over {inputs.counter_shards} shards", 2 * concurrency / inputs.counter_shards, limit)
    )
    return rows


def counter_shards_needed(writes_per_s_per_key: float, per_item_target: float = 100) -> int:
    """Shards for a counter key so no row takes more than `per_item_target` writes/s."""
    return max(1, math.ceil(writes_per_s_per_key / per_item_target))


def record_ms(inputs: Inputs, function: str) -> float:
    """One record's work: its calls one after another (records of a batch run in parallel)."""
    phase = inputs.function_phases[function]
    records = inputs.records_per_payment[function]
    total = 0.0
    for operation, per_payment in inputs.calls_per_payment[phase].items():
        if operation in ("ReceiveMessage", "DeleteMessageBatch", "GetQueueUrl", "GetQueueAttributes"):
            continue  # Lambda's poller's calls, or once per process
        total += per_payment / records * _latency(inputs, operation)
    if function == "deliver_webhooks":
        total += inputs.a("webhook_ms")
    return total


def _latency(inputs: Inputs, operation: str) -> float:
    service = "sqs" if operation in SQS_OPERATIONS else "kms" if operation in ("Decrypt", "Encrypt") else "dynamodb"
    return inputs.a(LATENCY_KEY[service])


def api_ms_per_payment(inputs: Inputs) -> float:
    """The API's time per payment: the calls of its requests, one after another."""
    return sum(
        per_payment * _latency(inputs, operation)
        for phase in inputs.api_phases
        for operation, per_payment in inputs.calls_per_payment.get(phase, {}).items()
    )


def lambda_concurrency(inputs: Inputs, rate: float) -> dict[str, float]:
    """Concurrent executions = arrivals per second x duration (Little's law): for a job function
    the arrivals are batches; for the API, requests."""
    found = {API_FUNCTION: rate * api_ms_per_payment(inputs) / 1000}
    for function, records in inputs.records_per_payment.items():
        batches_per_s = rate * records / inputs.a("batch_size")
        found[function] = batches_per_s * record_ms(inputs, function) / 1000
    return found


def inflight(inputs: Inputs, rate: float, failing_fraction: float) -> float:
    """Webhook messages in flight when `failing_fraction` of deliveries fail every attempt: each
    waits out the whole schedule hidden (received, not deleted), which is what SQS's in-flight
    limit counts."""
    deliveries_per_s = rate * inputs.records_per_payment["deliver_webhooks"]
    return deliveries_per_s * failing_fraction * sum(inputs.webhook_waits)


def failing_fraction_that_fills_sqs(inputs: Inputs, rate: float) -> float:
    full = inflight(inputs, rate, 1.0)
    return inputs.a("sqs_inflight_per_queue") / full if full else math.inf


def cost_per_million(inputs: Inputs) -> dict[str, float]:
    """US dollars per million payments (order included), by service."""
    calls: dict[str, float] = {}
    for per_op in inputs.calls_per_payment.values():
        for operation, n in per_op.items():
            calls[operation] = calls.get(operation, 0) + n
    wru = sum(write_units(inputs).values()) + sum(
        n * item_units(inputs, t) for (t, _i), n in index_writes(inputs).items()
    )
    rru = sum(calls.get(op, 0) * units for op, units in READ_OPERATIONS.items())
    sqs = sum(calls.get(op, 0) for op in SQS_OPERATIONS)
    kms = calls.get("Decrypt", 0) + calls.get("Encrypt", 0)
    invocations = sum(records / inputs.a("batch_size") for records in inputs.records_per_payment.values())
    gb_seconds = sum(
        records / inputs.a("batch_size") * record_ms(inputs, function) / 1000 * inputs.a("lambda_gb")
        for function, records in inputs.records_per_payment.items()
    )
    million = 1e6
    return {
        "DynamoDB writes": wru * million / 1e6 * inputs.a("usd_per_million_wru"),
        "DynamoDB reads": rru * million / 1e6 * inputs.a("usd_per_million_rru"),
        "SQS": sqs * million / 1e6 * inputs.a("usd_per_million_sqs"),
        "KMS": kms * million / 1e6 * inputs.a("usd_per_million_kms"),
        "Lambda (job functions)": invocations * inputs.a("usd_per_million_lambda")
        + gb_seconds * million * inputs.a("usd_per_gb_second"),
        "Lambda (API)": API_REQUESTS_PER_PAYMENT * inputs.a("usd_per_million_lambda")
        + api_ms_per_payment(inputs) / 1000 * inputs.a("api_gb") * million * inputs.a("usd_per_gb_second"),
        "API Gateway": API_REQUESTS_PER_PAYMENT * inputs.a("usd_per_million_api"),
    }


def load_inputs(results_path: Path = RESULTS) -> Inputs:
    from chalicelib.domain import counts, retry, shards
    from chalicelib.jobs import sources
    from infra.resources import logical_name, tables

    results = json.loads(results_path.read_text())
    lifecycle = results["benchmarks"]["lifecycle_calls"]
    calls = {
        phase: {op: n / lifecycle["payments"] for op, n in data["by_operation"].items()}
        for phase, data in lifecycle["phases"].items()
    }
    indexes = {
        logical_name(table.name): [
            (
                i["IndexName"],
                i["Projection"]["ProjectionType"],
                next(k["AttributeName"] for k in i["KeySchema"] if k["KeyType"] == "HASH"),
            )
            for i in table.global_secondary_indexes
        ]
        for table in tables()
    }
    prod = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]["prod"]["environment_variables"]
    return Inputs(
        calls_per_payment=calls,
        indexes=indexes,
        list_shards=shards.LIST_SHARDS,
        counter_shards=shards.COUNTER_SHARDS,
        counter_family_shards=dict(counts.SHARDS),
        # One payment job; three events (created, pending, success), each one delivery.
        records_per_payment={"process_payments": 1.0, "deliver_webhooks": 3.0},
        webhook_waits=retry.PRODUCTION_WAITS,
        max_concurrency={
            sources.FUNCTIONS["payment-jobs"]: int(prod["SQS_PAYMENTS_MAX_CONCURRENCY"]),
            sources.FUNCTIONS["webhook-deliveries"]: int(prod["SQS_WEBHOOKS_MAX_CONCURRENCY"]),
        },
        measured_at=f"{results.get('started_at', '?')} ({'quick' if results.get('quick') else 'full'} run)",
    )


@dataclass(frozen=True)
class Limit:
    what: str
    breaks_at: float  # payments/s


def first_limits(inputs: Inputs, rate: float) -> list[Limit]:
    """Every modelled limit as the payment rate it is reached at, lowest first."""
    found = []
    for p in partitions(inputs, rate):
        if p.units_per_s and " if sharded " not in p.what:
            found.append(Limit(f"partition: {p.what}", rate * p.limit / p.units_per_s))
    concurrency = lambda_concurrency(inputs, rate)
    for function, running in concurrency.items():
        cap = inputs.max_concurrency.get(function)
        if cap and running:
            found.append(Limit(f"{function}'s event-source maximum concurrency ({cap}, prod)", rate * cap / running))
    total = sum(concurrency.values())
    if total:
        found.append(
            Limit("account concurrency (API and job functions)", rate * inputs.a("lambda_account_concurrency") / total)
        )
    units = {
        table: u + sum(n * item_units(inputs, t) for (t, _), n in index_writes(inputs).items() if t == table)
        for table, u in write_units(inputs).items()
    }
    for table, per_payment in units.items():
        found.append(Limit(f"table quota: {table} (base and indexes)", inputs.a("table_wru_per_s") / per_payment))
    one_percent = inflight(inputs, 1.0, 0.01)
    found.append(
        Limit(
            "SQS in flight, webhook queue, with 1% of deliveries failing",
            inputs.a("sqs_inflight_per_queue") / one_percent,
        )
    )
    return sorted(found, key=lambda limit: limit.breaks_at)


def _n(value: float) -> str:
    if math.isinf(value):
        return "∞"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}" if value >= 10 else f"{value:,.2f}"


def render(inputs: Inputs, rate: float) -> str:
    problems = check_pattern(inputs)
    lines = [
        "Generated by `.venv/bin/python -m bench.scale_model` "
        f"from bench/results.json (measured {inputs.measured_at}), "
        f"LIST_SHARDS={inputs.list_shards}, COUNTER_SHARDS={inputs.counter_shards}, at **{rate:,.0f} payments/s**, "
        "all of them one merchant's (the worst case for per-merchant keys). Do not edit by hand: rerun it.",
        "",
    ]
    if problems:
        lines += (
            ["**The write pattern is out of date with the measurement:**", ""] + [f"- {p}" for p in problems] + [""]
        )
    lines += [
        "**Writes per payment** (measured calls; items per call from the code)",
        "",
        "| table | item writes | write units | index writes |",
        "| --- | --- | --- | --- |",
    ]
    units, idx = write_units(inputs), index_writes(inputs)
    for table, n in sorted(item_writes(inputs).items()):
        per_index = ", ".join(f"{index} {v:g}" for (t, index), v in sorted(idx.items()) if t == table) or "—"
        lines.append(f"| {table} | {n:g} | {units[table]:g} | {per_index} |")
    lines += [
        "",
        "**Busiest partitions** (write units/s; a partition takes 1,000)",
        "",
        "| partition | write units/s | headroom |",
        "| --- | --- | --- |",
    ]
    for p in partitions(inputs, rate):
        lines.append(f"| {p.what} | {_n(p.units_per_s)} | {_n(p.headroom)}× |")
    lines += [
        "",
        "Counter rows are written inside transactions (2 write units a write). Each family spreads over "
        "its own shards (chalicelib/domain/counts.py); the issue's bound is about 100 writes/s a row: "
        + "; ".join(
            f"{family} {_n(per_payment * rate / inputs.counter_family_shards.get(family, inputs.counter_shards))}"
            f" writes/s a row over {inputs.counter_family_shards.get(family, inputs.counter_shards)}"
            for family, per_payment in sorted(counter_writes(inputs).items())
        )
        + ". Rows that many concurrent transactions share also cancel each other (TransactionConflict, "
        "resent by the store up to 5 times): a cost this model does not price.",
        "",
        "**Lambda concurrency** (batches/s × batch duration)",
        "",
        "| function | records/s | ms per batch (modelled) | concurrent | prod maximum |",
        "| --- | --- | --- | --- | --- |",
    ]
    for function, running in lambda_concurrency(inputs, rate).items():
        if function == API_FUNCTION:
            requests = rate * API_REQUESTS_PER_PAYMENT
            per_request = api_ms_per_payment(inputs) / API_REQUESTS_PER_PAYMENT
            lines.append(f"| {function} (per request) | {_n(requests)} | {_n(per_request)} | {_n(running)} | — |")
            continue
        records = rate * inputs.records_per_payment[function]
        cap = inputs.max_concurrency.get(function, "—")
        lines.append(f"| {function} | {_n(records)} | {_n(record_ms(inputs, function))} | {_n(running)} | {cap} |")
    deliveries = rate * inputs.records_per_payment["deliver_webhooks"]
    healthy = deliveries * record_ms(inputs, "deliver_webhooks") / 1000
    lines += [
        "",
        "**SQS in flight** (webhook queue; limit 120,000 per standard queue)",
        "",
        f"- all deliveries succeeding: about {_n(healthy)} in flight;",
        f"- each failing delivery stays in flight for its whole schedule ({sum(inputs.webhook_waits):,} s): "
        f"with 1% failing, {_n(inflight(inputs, rate, 0.01))}; "
        f"the queue fills once {failing_fraction_that_fills_sqs(inputs, rate):.2%} of deliveries fail.",
        "",
        "**Cost per million payments** (order included; prices of " + PRICES_AS_OF + ")",
        "",
        "| service | USD |",
        "| --- | --- |",
    ]
    costs = cost_per_million(inputs)
    for service, usd in costs.items():
        lines.append(f"| {service} | {usd:,.2f} |")
    lines.append(f"| **total** | **{sum(costs.values()):,.2f}** |")
    lines += [
        "",
        "**Limits, lowest first** (the payment rate each is reached at)",
        "",
        "| limit | payments/s |",
        "| --- | --- |",
    ]
    for limit in first_limits(inputs, rate)[:8]:
        lines.append(f"| {limit.what} | {_n(limit.breaks_at)} |")
    lines += ["", "**Assumptions**", "", "| assumption | value | source |", "| --- | --- | --- |"]
    for a in inputs.assumptions.values():
        lines.append(f"| {a.what} | {a.value:g} | {a.source} |")
    return "\n".join(lines)


def write_into(doc: Path, generated: str) -> None:
    text = doc.read_text()
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{doc} has no {BEGIN} ... {END} block")
    doc.write_text(pattern.sub(lambda _m: f"{BEGIN}\n{generated}\n{END}", text))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--rate", type=float, default=2000.0, help="payments per second")
    parser.add_argument(
        "--write", type=Path, nargs="?", const=DOC, help="regenerate this doc's tables (default docs/scaling.md)"
    )
    args = parser.parse_args(argv)
    generated = render(load_inputs(args.results), args.rate)
    if args.write:
        write_into(args.write, generated)
        print(f"scale model: {args.write} regenerated")
    else:
        print(generated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
