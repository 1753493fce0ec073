"""The benchmarks. Each returns a JSON-ready dict: its figures, the baseline measured beside them
in the same run, their ratio, and the target where the issues set one."""

from __future__ import annotations

import contextlib
import os
import statistics
import threading
import time
from collections import defaultdict
from typing import Any

import requests

from . import awscalls
from .baselines import BareCalls
from .stack import BenchStack, StockApi, run_python
from .stats import percentile, ratio, slope, summary

MERCHANT_ID = "550e8400-e29b-41d4-a716-446655440000"
UPI = {"method": "upi", "vpa": "success@test"}
PAYMENT_EVENTS = ("payment.created", "payment.pending", "payment.success")


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _check(response: requests.Response, expected: int) -> dict:
    if response.status_code != expected:
        raise RuntimeError(f"{response.request.method} {response.url}: {response.status_code} {response.text[:300]}")
    return response.json()


class Api:
    """A keep-alive client of the gateway's API, authenticated as the test merchant."""

    def __init__(self, stack: BenchStack, base_url: str | None = None):
        self.base = base_url or stack.gateway.api_url
        self.http = stack.gateway.session()

    def create_order(self) -> dict:
        return _check(self.http.post(self.base + "/api/v1/orders", json={"amount": 50000}), 201)

    def create_payment(self, order_id: str) -> dict:
        return _check(self.http.post(self.base + "/api/v1/payments", json={"order_id": order_id, **UPI}), 201)

    def get_order(self, order_id: str) -> dict:
        return _check(self.http.get(f"{self.base}/api/v1/orders/{order_id}"), 200)

    def get_payment(self, payment_id: str) -> dict:
        return _check(self.http.get(f"{self.base}/api/v1/payments/{payment_id}"), 200)


def wait_quiet(stack: BenchStack, timeout: float = 30) -> None:
    """Until every job queue is empty, so that one benchmark's tail does not load the next."""
    sqs = awscalls.bare_client("sqs", stack.emulator.url)
    urls = [
        sqs.get_queue_url(QueueName=f"paygw-{stack.gateway.stage}-{name}")["QueueUrl"]
        for name in ("payment-jobs", "refund-jobs", "webhook-deliveries")
    ]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(queue_depth(sqs, url) for url in urls) == 0:
            return
        time.sleep(0.1)


def queue_depth(sqs, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


# --- cold start -------------------------------------------------------------------------------


def cold_start(stack: BenchStack, runs: int) -> dict:
    """`import app` in fresh processes, beside `import boto3` (which any Lambda pays anyway)."""
    code = (
        "import time; wall, cpu = time.perf_counter(), time.process_time(); import {module}; "
        "print((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000)"
    )
    env = stack.env
    samples: dict[str, list[tuple[float, float]]] = {"app": [], "boto3": []}
    if runs > 1:
        for module in ("boto3", "app"):  # one unmeasured run each: compiled bytecode is in place
            run_python(code.format(module=module), env)
    for _ in range(runs):
        for module in ("boto3", "app"):
            wall, cpu = run_python(code.format(module=module), env).split()[-2:]
            samples[module].append((float(wall), float(cpu)))

    def median(module: str, index: int) -> float:
        return statistics.median(sample[index] for sample in samples[module])

    app_ms, boto3_ms = median("app", 0), median("boto3", 0)
    return {
        "import_app_ms": round(app_ms, 1),
        "import_boto3_ms": round(boto3_ms, 1),
        "ratio": ratio(app_ms, boto3_ms),
        "import_app_cpu_ms": round(median("app", 1), 1),
        "import_boto3_cpu_ms": round(median("boto3", 1), 1),
        "runs": runs,
        "samples_wall_cpu_ms": {k: [[round(w, 1), round(c, 1)] for w, c in vs] for k, vs in samples.items()},
    }


# --- the emulator's own capacity ---------------------------------------------------------------


def emulator_capacity(stack: BenchStack, bare: BareCalls, seconds: float, threads: int = 4) -> dict:
    """Bare calls per second each emulator answers, from 1 and from `threads` clients: DynamoDB
    Local's GetItem and TransactWriteItems (a payment's creation: three conditional puts), and
    the moto server's SendMessage (a payment job). What the stack could do if the gateway cost
    nothing: the sustained figure stands beside it."""

    def rate(n_threads: int, make_client, call) -> float:
        counts = [0] * n_threads
        clients = [make_client() for _ in range(n_threads)]
        for c in clients:
            call(c)
        stop_at = time.monotonic() + seconds

        def loop(i: int) -> None:
            while time.monotonic() < stop_at:
                call(clients[i])
                counts[i] += 1

        workers = [threading.Thread(target=loop, args=(i,)) for i in range(n_threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return sum(counts) / seconds

    def ddb():
        return awscalls.bare_client("dynamodb", stack.emulator.dynamodb_url)

    def sqs():
        return awscalls.bare_client("sqs", stack.emulator.url)

    def get_item(c) -> None:
        c.get_item(TableName=bare.table, Key={"id": bare.payment_item["id"]}, ConsistentRead=True)

    def transact(c) -> None:
        c.transact_write_items(TransactItems=bare.creation_transaction())

    def send(c) -> None:
        c.send_message(QueueUrl=bare.sink, MessageBody=bare.payment_job_body)

    result: dict[str, Any] = {"clients": threads, "seconds": seconds}
    for name, make, call in (("getitem", ddb, get_item), ("transact", ddb, transact), ("sendmessage", sqs, send)):
        result[f"{name}_per_s_1_client"] = round(rate(1, make, call), 1)
        result[f"{name}_per_s_{threads}_clients"] = round(rate(threads, make, call), 1)
    with contextlib.suppress(Exception):
        bare.sqs.purge_queue(QueueUrl=bare.sink)
    return result


# --- GET /api/v1/orders/{id} against GetItem, and the stock chalice local -------------------------


def get_order(stack: BenchStack, bare: BareCalls, n: int, n_stock: int) -> dict:
    api = Api(stack)
    order = api.create_order()
    ddb = bare.ddb
    table = f"paygw-{stack.gateway.stage}-orders"

    def get_item() -> float:
        started = time.perf_counter()
        ddb.get_item(TableName=table, Key={"id": {"S": order["id"]}}, ConsistentRead=True)
        return _ms(started)

    def get_api(client: Api) -> float:
        started = time.perf_counter()
        client.get_order(order["id"])
        return _ms(started)

    for _ in range(10):
        get_item(), get_api(api)
    ours, getitems = [], []
    for _ in range(n):
        getitems.append(get_item())
        ours.append(get_api(api))
    result: dict[str, Any] = {"api": summary(ours), "getitem": summary(getitems)}
    result["ratio_p50"] = ratio(result["api"]["p50"], result["getitem"]["p50"])
    result["target"] = {"ratio_p50_max": 2.0, "met": result["ratio_p50"] is not None and result["ratio_p50"] <= 2.0}

    stock = StockApi(stack.env)
    try:
        stock_api = Api(stack, stock.url)
        for _ in range(3):
            get_api(stock_api)
        stock_samples, stock_getitems = [], []
        for _ in range(n_stock):
            stock_getitems.append(get_item())
            stock_samples.append(get_api(stock_api))
    finally:
        stock.close()
    result["stock_chalice_local"] = {"api": summary(stock_samples), "getitem": summary(stock_getitems)}
    result["stock_chalice_local"]["ratio_p50"] = ratio(
        result["stock_chalice_local"]["api"]["p50"], result["stock_chalice_local"]["getitem"]["p50"]
    )
    return result


# --- A list's cost does not grow with the merchant's data ---------------------------------------

LIST_SMALL = 20


def _seed_orders(stack: BenchStack, merchant_id: str, count: int) -> None:
    """`count` orders written straight into DynamoDB, shaped exactly as the store writes them
    (store/rows.py: fields, listing key) and counted as its transaction counts them."""
    from collections import defaultdict

    import boto3

    from chalicelib.domain import counts
    from chalicelib.domain.clock import now_iso
    from chalicelib.domain.ids import new_id
    from chalicelib.store.keys import merchant_key

    client = boto3.client("dynamodb", endpoint_url=stack.emulator.dynamodb_url, region_name="us-east-1")
    table = f"paygw-{stack.gateway.stage}-orders"
    counters = f"paygw-{stack.gateway.stage}-counters"
    added: dict[str, int] = defaultdict(int)
    requests_: list[dict] = []
    for _ in range(count):
        order_id, created = new_id("order"), now_iso()
        item = {
            "id": {"S": order_id},
            "merchant_id": {"S": merchant_id},
            "amount": {"N": "50000"},
            "currency": {"S": "INR"},
            "status": {"S": "created"},
            "notes": {"M": {}},
            "created_at": {"S": created},
            "merchant_shard": {"S": merchant_key(merchant_id, order_id)},
        }
        requests_.append({"PutRequest": {"Item": item}})
        added[counts.row_key(merchant_id, counts.ORDERS, order_id)] += 1
    for start in range(0, len(requests_), 25):
        batch = {table: requests_[start : start + 25]}
        while batch:
            batch = client.batch_write_item(RequestItems=batch).get("UnprocessedItems") or {}
    for key, amount in added.items():
        client.update_item(
            TableName=counters,
            Key={"key": {"S": key}, "day": {"S": counts.NO_DAY}},
            UpdateExpression="ADD n :n",
            ExpressionAttributeValues={":n": {"N": str(amount)}},
        )


def list_orders(stack: BenchStack, n: int, large: int) -> dict:
    """GET /api/v1/orders?limit=10 p50 with 20 orders, then with `large` (10,000): the ratio
    (target <= 1.5). The large set is written straight into DynamoDB, to keep the bench short."""
    api = Api(stack)

    def total() -> int:
        return int(_check(api.http.get(api.base + "/api/v1/orders", params={"limit": 1}), 200)["total"])

    def p50() -> dict:
        for _ in range(10):
            _check(api.http.get(api.base + "/api/v1/orders", params={"limit": 10}), 200)
        samples = []
        for _ in range(n):
            started = time.perf_counter()
            _check(api.http.get(api.base + "/api/v1/orders", params={"limit": 10}), 200)
            samples.append(_ms(started))
        return summary(samples)

    merchant_id = api.create_order()["merchant_id"]
    while total() < LIST_SMALL:
        api.create_order()
    small = {"orders": total(), **p50()}
    _seed_orders(stack, merchant_id, large - small["orders"])
    big = {"orders": total(), **p50()}
    result: dict[str, Any] = {"small": small, "large": big, "ratio_p50": ratio(big["p50"], small["p50"])}
    result["target"] = {"ratio_p50_max": 1.5, "met": result["ratio_p50"] is not None and result["ratio_p50"] <= 1.5}
    return result


# --- API latency beside the bare round trips it needs ------------------------------------------


def _inprocess_gateway():
    """The whole API pipeline in this process (chalice's LocalGateway, as the API server runs it),
    so that botocore's hooks see every AWS call one request makes."""
    import importlib

    from chalice.config import Config
    from chalice.local import LocalGateway

    app = importlib.import_module("app").app
    return LocalGateway(app, Config.create(chalice_stage=os.environ.get("STAGE", "local"), lambda_timeout=60))


def _inprocess(gateway, method: str, path: str, body: dict | None = None) -> dict:
    import json

    headers = {
        "x-api-key": "key_test_abc123",
        "x-api-secret": "secret_test_xyz789",
        "content-type": "application/json",
        "host": "127.0.0.1",
    }
    response = gateway.handle_request(
        method=method, path=path, headers=headers, body=json.dumps(body).encode() if body is not None else None
    )
    if response["statusCode"] >= 300:
        raise RuntimeError(f"in-process {method} {path}: {response['statusCode']} {response['body']}")
    return json.loads(response["body"])


def count_request_calls(repeats: int = 3) -> dict[str, list[str]]:
    """The AWS calls one request of each kind makes, counted with botocore's event hooks."""
    gateway = _inprocess_gateway()
    order = _inprocess(gateway, "POST", "/api/v1/orders", {"amount": 50000})  # warm: queue URLs, auth cache
    payment = _inprocess(gateway, "POST", "/api/v1/payments", {"order_id": order["id"], **UPI})
    _inprocess(gateway, "GET", f"/api/v1/payments/{payment['id']}")
    counted: dict[str, list[list[str]]] = defaultdict(list)
    for _ in range(repeats):
        with awscalls.recording() as calls:
            order = _inprocess(gateway, "POST", "/api/v1/orders", {"amount": 50000})
        counted["create_order"].append(awscalls.operations(calls))
        with awscalls.recording() as calls:
            payment = _inprocess(gateway, "POST", "/api/v1/payments", {"order_id": order["id"], **UPI})
        counted["create_payment"].append(awscalls.operations(calls))
        with awscalls.recording() as calls:
            _inprocess(gateway, "GET", f"/api/v1/payments/{payment['id']}")
        counted["get_payment"].append(awscalls.operations(calls))
    found = {}
    for name, runs in counted.items():
        if any(run != runs[0] for run in runs):
            raise RuntimeError(f"{name} made different AWS calls on different runs: {runs}")
        found[name] = runs[0]
    return found


def sample_items(stack: BenchStack, api: Api) -> dict[str, dict]:
    """Real items, as the gateway wrote them, for the baselines to copy."""
    from chalicelib.domain.events import event_id

    ddb = awscalls.bare_client("dynamodb", stack.emulator.dynamodb_url)
    order = api.create_order()
    payment = api.create_payment(order["id"])
    stage = stack.gateway.stage

    def item(table: str, key: str) -> dict:
        return ddb.get_item(TableName=f"paygw-{stage}-{table}", Key={"id": {"S": key}}, ConsistentRead=True)["Item"]

    return {
        "order": item("orders", order["id"]),
        "payment": item("payments", payment["id"]),
        "delivery": item("webhook-deliveries", event_id(payment["id"], "payment.created")),
    }


def api_latency(stack: BenchStack, bare: BareCalls, n: int, calls: dict[str, list[str]]) -> dict:
    api = Api(stack)
    needed = sorted({op for ops in calls.values() for op in ops})
    bare_samples: dict[str, list[float]] = defaultdict(list)
    samples: dict[str, list[float]] = defaultdict(list)
    warmup = 5 if n >= 20 else 1
    for i in range(n + warmup):
        warm = i < warmup
        for op in needed:
            elapsed = bare.ops[op]()
            if not warm:
                bare_samples[op].append(elapsed)
        started = time.perf_counter()
        order = api.create_order()
        elapsed_order = _ms(started)
        started = time.perf_counter()
        payment = api.create_payment(order["id"])
        elapsed_payment = _ms(started)
        started = time.perf_counter()
        api.get_payment(payment["id"])
        elapsed_get = _ms(started)
        if not warm:
            samples["create_order"].append(elapsed_order)
            samples["create_payment"].append(elapsed_payment)
            samples["get_payment"].append(elapsed_get)
    bare_summary = {op: summary(values) for op, values in bare_samples.items()}
    result: dict = {"bare_round_trips": bare_summary}
    for name in ("create_order", "create_payment", "get_payment"):
        ops = calls[name]
        bare_sum = {q: round(sum(bare_summary[op][q] for op in ops), 3) for q in ("p50", "p95", "p99")}
        api_summary = summary(samples[name])
        result[name] = {
            "api": api_summary,
            "aws_calls": ops,
            "aws_call_count": len(ops),
            "bare_sum": bare_sum,
            "ratio_p50": ratio(api_summary["p50"], bare_sum["p50"]),
            "ratio_p95": ratio(api_summary["p95"], bare_sum["p95"]),
        }
    create = result["create_payment"]
    create["target"] = {
        "aws_calls_max": 3,
        "ratio_p50_max": 1.0,
        "met": create["aws_call_count"] <= 3 and create["ratio_p50"] is not None and create["ratio_p50"] <= 1.0,
    }
    return result


# --- end to end: create a payment until its payment.success reaches the receiver -----------------

# The bare round trips on the critical path of a payment.success webhook, in the current code:
# the API's create, the payment function's receive/transition/dispatch (the job carries the
# payment: no read), the delivery function's receive/reads, and the POST itself.
PROCESS_CRITICAL_PATH = ["ReceiveMessage", "TransactWriteItems", "SendMessageBatch"]


def deliver_critical_path() -> list[str]:
    """The delivery function's calls before its POST: the batch's one read of its merchants (a
    BatchGetItem of one key here, priced as a GetItem). The message carries the payload and the
    attempt is recorded after the POST, in one write (services/webhook_delivery.py)."""
    return ["ReceiveMessage", "GetItem"]


def end_to_end(stack: BenchStack, bare: BareCalls, n: int, create_calls: list[str]) -> dict:
    api = Api(stack)
    post = requests.Session()
    latencies, posts, creates = [], [], []
    bare_samples: dict[str, list[float]] = defaultdict(list)
    deliver_path = deliver_critical_path()
    path_ops = sorted(set(create_calls + PROCESS_CRITICAL_PATH + deliver_path))
    warmup = 3 if n >= 20 else 1
    for i in range(n + warmup):
        warm = i < warmup
        started = time.perf_counter()
        post.post(
            stack.receiver.base + "/plain",
            data=b'{"event":"plain","data":{}}',
            headers={"Content-Type": "application/json"},
        )
        post_ms = _ms(started)
        for op in path_ops:
            elapsed = bare.ops[op]()
            if not warm:
                bare_samples[op].append(elapsed)
        order = api.create_order()
        wait_quiet(stack, 5)
        sent_at = time.time()
        started = time.perf_counter()
        payment = api.create_payment(order["id"])
        create_ms = _ms(started)
        arrived = stack.receiver.wait("payment.success", payment["id"], timeout=30)
        if arrived is None:
            raise RuntimeError(f"payment.success for {payment['id']} never arrived")
        if not warm:
            latencies.append((arrived["at"] - sent_at) * 1000)
            posts.append(post_ms)
            creates.append(create_ms)
    p50 = {op: percentile(values, 50) for op, values in bare_samples.items()}
    critical = [*create_calls, *PROCESS_CRITICAL_PATH, *deliver_path]
    baseline = sum(p50[op] for op in critical) + percentile(posts, 50)
    result: dict[str, Any] = {
        "e2e": summary(latencies),
        "create_payment_api": summary(creates),
        "plain_post": summary(posts),
        "critical_path_calls": critical + ["POST to receiver"],
        "critical_path_bare_p50_sum_ms": round(baseline, 3),
    }
    result["ratio_p50"] = ratio(result["e2e"]["p50"], baseline)
    e2e = result["e2e"]
    result["target"] = {
        "p50_max_ms": 50,
        "p99_max_ms": 200,
        "met": e2e["p50"] is not None and e2e["p50"] <= 50 and e2e["p99"] <= 200,
    }
    return result


# --- webhook deliveries per second ---------------------------------------------------------------


def webhook_rate(stack: BenchStack, n: int, capacity: dict | None = None) -> dict:
    """The delivery function draining n queued deliveries, against a plain requests loop POSTing
    the same signed bodies to the same receiver. `capacity` (emulator_capacity's figures, same
    run): each delivery records its attempt in one TransactWriteItems, so the emulator's
    transaction rate bounds the delivery rate; the bound is shown beside the figure."""
    from chalicelib.domain.signing import signature_headers
    from chalicelib.services import webhooks

    records = _queued_test_records(n)
    wait_quiet(stack)
    stack.receiver.reset()
    session = requests.Session()
    started = time.perf_counter()
    for record in records:
        headers = signature_headers("whsec_test_abc123", record.id, int(time.time()), record.payload)
        session.post(
            stack.receiver.base + "/loop",
            data=record.payload.encode(),
            headers={"Content-Type": "application/json", "User-Agent": "bench", **headers},
            timeout=10,
        )
    loop_rate = n / (time.perf_counter() - started)

    # The functions are stopped while the deliveries are queued, so that the figure is the rate at
    # which they drain a full queue, not the rate at which this process can enqueue.
    stack.gateway.stop_functions()
    stack.receiver.reset()
    webhooks.dispatch(records)
    stack.gateway.start_functions()
    deadline = time.monotonic() + max(60, n / 5)
    while stack.receiver.count() < n and time.monotonic() < deadline:
        time.sleep(0.1)
    arrivals = sorted(r["at"] for r in stack.receiver.events())
    if len(arrivals) < n:
        raise RuntimeError(f"only {len(arrivals)} of {n} webhook deliveries arrived")
    gateway_rate = (n - 1) / (arrivals[-1] - arrivals[0])
    transact_rate = max((capacity or {}).get(f"transact_per_s_{k}", 0) for k in ("1_client", "4_clients"))
    return {
        "deliveries": n,
        "gateway_per_s": round(gateway_rate, 1),
        "plain_loop_per_s": round(loop_rate, 1),
        "ratio": ratio(gateway_rate, loop_rate),
        # One TransactWriteItems per delivery: the emulator's transaction rate is the ceiling.
        "emulator_transact_per_s": transact_rate or None,
        "ceiling_ratio": ratio(transact_rate, loop_rate) if transact_rate else None,
        "target": {"ratio_min": 0.5, "met": gateway_rate / loop_rate >= 0.5},
    }


# --- where a delivery's time goes ------------------------------------------------------------------


class _Phases:
    """Wall time spent in named phases, summed over every thread (thread-time, not elapsed time)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()

    def add(self, name: str, seconds: float) -> None:
        with self._lock:
            self.seconds[name] += seconds
            self.counts[name] += 1

    def timed(self, name: str, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - started)

        return wrapper


class _Profiles:
    """CPU-time profiles (cProfile with time.thread_time) of calls made in any thread, for
    BENCH_PROFILE=path: profiling slows the run, so it is off unless asked for."""

    def __init__(self) -> None:
        self.profiles: list = []
        self._lock = threading.Lock()

    def wrap(self, function):
        import cProfile

        def wrapper(*args, **kwargs):
            profile = cProfile.Profile(time.thread_time)
            profile.enable()
            try:
                return function(*args, **kwargs)
            finally:
                profile.disable()
                with self._lock:
                    self.profiles.append(profile)

        return wrapper

    def dump(self, path: str) -> None:
        import pstats

        pstats.Stats(*self.profiles).dump_stats(path)


def _queued_test_records(n: int) -> list:
    """n test events of the bench merchant, stored as deliveries (not yet queued)."""
    from chalicelib.domain import clock
    from chalicelib.domain.events import WEBHOOK_TEST, test_event_id
    from chalicelib.services import webhooks
    from chalicelib.store.models import DeliveryModel
    from chalicelib.store.rows import row

    now = clock.now()
    records = [
        webhooks.event_record(
            MERCHANT_ID, WEBHOOK_TEST, "test", {"id": MERCHANT_ID, "message": "bench"}, now, delivery_id=test_event_id()
        )
        for _ in range(n)
    ]
    with DeliveryModel.batch_write() as batch:
        for record in records:
            batch.save(row(DeliveryModel, record))
    return records


# The AWS operations of a delivery batch, by the phase they belong to.
PHASE_OF_OPERATION = {
    "ReceiveMessage": "receive (ReceiveMessage)",
    "BatchGetItem": "merchant read (BatchGetItem)",
    "TransactWriteItems": "record write (TransactWriteItems)",
    "UpdateItem": "record write (UpdateItem)",
    "SendMessageBatch": "send (SendMessageBatch)",
    "SendMessage": "send (SendMessage)",
    "DeleteMessageBatch": "delete (DeleteMessageBatch)",
}


def webhook_phases(stack: BenchStack, n: int) -> dict:
    """Where the time of one delivery goes: n queued deliveries drained by the delivery function
    run in this process by the local stack's Poller (the functions process is stopped meanwhile),
    each phase's time summed over all threads and divided by n. Phases that run in parallel
    (4 pollers x 32 record threads) add up to more than the elapsed time per delivery; the process
    CPU time per delivery says how much of it is this process's Python (2 cores, one GIL)."""
    import dataclasses
    import importlib

    from chalicelib.config import settings
    from chalicelib.services import webhook_delivery, webhook_endpoints
    from chalicelib.services import webhooks as webhook_service
    from infra.local.event_sources import LONG_POLL_SECONDS, Poller, sources_of

    records = _queued_test_records(n)
    stack.gateway.stop_functions()
    wait_quiet(stack, 5)
    stack.receiver.reset()
    webhook_service.dispatch(records)
    source = next(s for s in sources_of(importlib.import_module("app")) if s.name == "deliver_webhooks")

    phases = _Phases()
    patches = [
        (webhook_delivery, "post", "POST (webhook_http.post)"),
        (webhook_delivery, "signed_headers", "signing (signed_headers)"),
        (webhook_endpoints, "signing_keys", "signing keys (unseal)"),
    ]
    originals = [(module, name, getattr(module, name)) for module, name, _ in patches]
    for module, name, label in patches:
        setattr(module, name, phases.timed(label, getattr(module, name)))
    handler = phases.timed("function (whole invocation)", source.handler)
    profile_path = os.environ.get("BENCH_PROFILE")
    profiles = _Profiles()
    if profile_path:  # the batch's own thread, and each record's thread
        handler = profiles.wrap(handler)
        originals.append((webhook_service, "deliver", webhook_service.deliver))
        webhook_service.deliver = profiles.wrap(webhook_service.deliver)
    timed_source = dataclasses.replace(source, handler=handler)
    stopping = threading.Event()
    try:
        with awscalls.recording() as calls:
            poller = Poller(timed_source, settings().region, stopping)
            threads = poller.start()
            cpu_started, started = time.process_time(), time.perf_counter()
            deadline = time.monotonic() + max(60, n / 5)
            while stack.receiver.count() < n and time.monotonic() < deadline:
                time.sleep(0.02)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            stopping.set()
            for thread in threads:  # else a poller's last long poll takes the next benchmark's messages
                thread.join(LONG_POLL_SECONDS + 5)
    finally:
        for module, name, function in originals:
            setattr(module, name, function)
        stack.gateway.start_functions()
    if stack.receiver.count() < n:
        raise RuntimeError(f"only {stack.receiver.count()} of {n} webhook deliveries arrived")
    if profile_path:
        profiles.dump(profile_path)
    for call in calls:
        if call.empty_receive:
            continue
        phases.add(PHASE_OF_OPERATION.get(call.operation, f"other ({call.operation})"), call.ms / 1000)
    per_delivery = {
        name: {"ms_per_delivery": round(seconds * 1000 / n, 2), "calls": phases.counts[name]}
        for name, seconds in sorted(phases.seconds.items(), key=lambda item: -item[1])
    }
    return {
        "deliveries": n,
        "elapsed_ms_per_delivery": round(elapsed * 1000 / n, 2),
        "per_s": round(n / elapsed, 1),
        "cpu_ms_per_delivery": round(cpu * 1000 / n, 2),
        "phases": per_delivery,
        "note": "thread-time per delivery; phases overlap across threads; the poller runs in the bench process",
    }


# --- sustained throughput --------------------------------------------------------------------------


def emulator_costs(stack: BenchStack, reset: bool) -> dict:
    """The emulator's CPU time per operation (bench/emulator.py's ledger); {} if absent."""
    try:
        response = requests.get(stack.emulator.url + "/_emulator/costs" + ("?reset=1" if reset else ""), timeout=10)
        return response.json() if response.status_code == 200 else {}
    except (requests.RequestException, ValueError):
        return {}


DYNAMODB_OPERATIONS = ("GetItem", "PutItem", "UpdateItem", "TransactWriteItems", "Query")


def emulator_cost(stack: BenchStack, bare: BareCalls, n: int) -> dict:
    """CPU time the emulators spend per call, by operation, same requests, same run: for DynamoDB,
    DynamoDB Local (what the stack runs) against moto's DynamoDB; for SQS, the tuned moto server
    (infra/local/emulator.py) against the same without its speed patches (EMULATOR_TUNING=0)."""
    from tests.support.stack import Emulator

    stock = Emulator(module="bench.emulator", env={"EMULATOR_TUNING": "0"}, dynamodb=False)
    assert stack.emulator.dynamodb is not None  # the bench's stack runs DynamoDB Local
    try:
        stock_bare = BareCalls(stock.url, "stock", bare.samples)
        ops = (
            "GetItem",
            "PutItem",
            "UpdateItem",
            "TransactWriteItems",
            "SendMessage",
            "SendMessageBatch",
            "ReceiveMessage",
        )
        result: dict = {}
        for op in ops:
            # DynamoDB: DynamoDB Local (what the stack runs) against moto's DynamoDB; SQS: the tuned
            # moto server against the same without its speed patches.
            dynamodb = op in DYNAMODB_OPERATIONS
            ours = stack.emulator.dynamodb.process.pid if dynamodb else stack.emulator.process.pid
            servers = {"stock": (stock.process.pid, stock_bare), "tuned": (ours, bare)}
            result[op] = {"server": "DynamoDB Local" if dynamodb else "moto, tuned",
                          "baseline": "moto" if dynamodb else "moto, EMULATOR_TUNING=0"}  # fmt: skip
            for name, (pid, calls) in servers.items():
                for _ in range(3):
                    calls.ops[op]()
                before = cpu_ms(pid)
                for _ in range(n):
                    calls.ops[op]()
                spent = (cpu_ms(pid) - before) / n
                if op == "ReceiveMessage":
                    spent /= 3  # each sample also sends and deletes one message: three calls
                result[op][name] = round(spent, 3)
            result[op]["ratio"] = ratio(result[op]["tuned"], result[op]["stock"])
    finally:
        stock.close()
    return {
        "cpu_ms_per_call": result,
        "calls_per_operation": n,
        "note": "emulator process CPU (user+system) per call; ReceiveMessage is the mean of a send, a "
        "receive and a delete. The tuned server runs beside the gateway, which adds a little.",
    }


def cpu_ms(pid: int) -> float:
    """User plus system CPU time of a process (its threads included), in milliseconds."""
    if pid == os.getpid():
        return time.process_time() * 1000
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _rss_kb(pid: int) -> dict[str, int]:
    found = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    found[line.split(":")[0]] = int(line.split()[1])
    except OSError:
        pass
    return found


def throughput(stack: BenchStack, seconds: float, clients: int, rate: float) -> dict:
    """`clients` keep-alive clients, together offering `rate` payments per second (each one an
    order and a payment) for `seconds`; then the pipeline drains. A payment is fully processed
    when its three webhooks (created, pending, success) have reached the receiver."""
    wait_quiet(stack)
    stack.receiver.reset()
    sqs = awscalls.bare_client("sqs", stack.emulator.url)
    queues = {
        name: sqs.get_queue_url(QueueName=f"paygw-{stack.gateway.stage}-{name}")["QueueUrl"]
        for name in ("payment-jobs", "webhook-deliveries")
    }
    created: list[tuple[str, float]] = []
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    next_slot = [0]
    stop = threading.Event()
    start = time.time() + 0.2
    end = start + seconds

    def client() -> None:
        api = Api(stack)
        while True:
            with lock:
                slot = next_slot[0]
                next_slot[0] += 1
            due = start + slot / rate
            if due >= end or time.time() >= end:  # behind schedule: the run still ends on time
                return
            if due > time.time():
                time.sleep(due - time.time())
            try:
                order = api.http.post(api.base + "/api/v1/orders", json={"amount": 50000})
                if order.status_code != 201:
                    with lock:
                        errors[f"create order {order.status_code}"] += 1
                    continue
                sent_at = time.time()
                payment = api.http.post(api.base + "/api/v1/payments", json={"order_id": order.json()["id"], **UPI})
                if payment.status_code != 201:
                    with lock:
                        errors[f"create payment {payment.status_code}"] += 1
                    continue
                with lock:
                    created.append((payment.json()["id"], sent_at))
            except requests.RequestException as error:
                with lock:
                    errors[type(error).__name__] += 1

    depth_samples: list[tuple[float, dict[str, int]]] = []
    rss_peak: dict[str, int] = {}

    def sampler() -> None:
        while not stop.is_set():
            at = time.time()
            depth_samples.append((at - start, {name: queue_depth(sqs, url) for name, url in queues.items()}))
            for name, pid in stack.processes().items():
                rss = _rss_kb(pid).get("VmRSS", 0)
                rss_peak[name] = max(rss_peak.get(name, 0), rss)
            stop.wait(1.0)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    watcher = threading.Thread(target=sampler, daemon=True)
    emulator_costs(stack, reset=True)
    pids = stack.processes()
    cpu_before = {name: cpu_ms(pid) for name, pid in pids.items()}
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
    issued_until = time.time()
    # Drain: every created payment's three webhooks, or give up after a while.
    expected = {pid for pid, _ in created}
    deadline = time.time() + max(15.0, seconds / 2)
    done: dict[str, dict[str, float]] = {}
    while time.time() < deadline:
        done = defaultdict(dict)
        for record in stack.receiver.events():
            if record["entity"] in expected:
                done[record["entity"]].setdefault(record["event"], record["at"])
        if sum(1 for pid in expected if len(done.get(pid, {})) >= len(PAYMENT_EVENTS)) == len(expected):
            break
        time.sleep(0.5)
    stop.set()
    watcher.join(5)
    # CPU time each process spent on the run (load, then drain), per payment: unlike wall time,
    # it hardly moves when other work shares the machine, and it shows where the budget goes.
    cpu_used = {name: cpu_ms(pid) - cpu_before[name] for name, pid in pids.items()}
    costs = emulator_costs(stack, reset=False)

    success_ms, full_ms, completed_in_window = [], [], 0
    for pid, sent_at in created:
        events = done.get(pid, {})
        if "payment.success" in events:
            success_ms.append((events["payment.success"] - sent_at) * 1000)
        if all(kind in events for kind in PAYMENT_EVENTS):
            finished = max(events[kind] for kind in PAYMENT_EVENTS)
            full_ms.append((finished - sent_at) * 1000)
            if finished <= end:
                completed_in_window += 1
    never = len(created) - len(full_ms)
    totals = [(t, sum(d.values())) for t, d in depth_samples]
    in_run = [(t, v) for t, v in totals if 0 <= t <= seconds]
    second_half = [(t, v) for t, v in in_run if t >= seconds / 2]
    growth = slope(second_half)
    e2e = summary(success_ms)
    processed_rate = completed_in_window / seconds
    server_errors = sum(count for name, count in errors.items() if name.split()[-1].startswith("5"))
    result: dict[str, Any] = {
        "seconds": seconds,
        "clients": clients,
        "offered_per_s": rate,
        "created": len(created),
        "created_per_s": round(len(created) / (issued_until - start), 1),
        "processed_per_s": round(processed_rate, 1),
        "fully_processed_after_drain": len(full_ms),
        "never_completed": never,
        "e2e_success": e2e,
        "e2e_all_webhooks": summary(full_ms),
        "errors": dict(errors),
        "server_errors_5xx": server_errors,
        "queue_depth": {
            "samples": [[round(t, 1), d] for t, d in depth_samples],
            "max": max((v for _, v in totals), default=0),
            "mean_second_half": round(sum(v for _, v in second_half) / len(second_half), 1) if second_half else 0,
            "slope_per_s_second_half": round(growth, 2),
            "grows": growth > 1.0,
        },
        "rss_peak_kb": rss_peak,
    }
    if created:
        per_payment = {name: round(used / len(created), 2) for name, used in cpu_used.items()}
        total = sum(per_payment.values())
        cores = os.cpu_count() or 1
        result["cpu_ms_per_payment"] = {**per_payment, "total": round(total, 2)}
        # If every core did nothing else, this is as many payments per second as the CPU allows.
        result["cpu_bound_ceiling_per_s"] = round(cores * 1000 / total, 1) if total else None
        result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    if created and costs:
        # The emulator's own account: every call it served during the run (the bench's queue-depth
        # sampling included: GetQueueAttributes), per payment created, and its CPU time.
        n = len(created)
        result["emulator_per_payment"] = {
            op: {
                "calls": round(c["calls"] / n, 2),
                "cpu_ms": round(c["cpu_ms"] / n, 2),
                "cpu_ms_per_call": round(c["cpu_ms"] / c["calls"], 3),
            }
            for op, c in sorted(costs.items(), key=lambda item: -item[1]["cpu_ms"])
        }
    result["target"] = {
        "processed_per_s_min": 50,
        "e2e_p99_max_ms": 1000,
        "no_5xx": True,
        "backlog_flat": True,
        "met": processed_rate >= 50
        and e2e["p99"] is not None
        and e2e["p99"] <= 1000
        and server_errors == 0
        and not result["queue_depth"]["grows"]
        and never == 0,
    }
    return result


# --- RSS ---------------------------------------------------------------------------------------------


def rss(stack: BenchStack, peaks: dict[str, int] | None = None) -> dict:
    """Each process's resident memory now (and its peak under load), beside a bare Python
    process that has imported boto3."""
    code = "import boto3, re; print(re.search(r'VmRSS:\\s+(\\d+)', open('/proc/self/status').read()).group(1))"
    baseline_kb = int(run_python(code, stack.env))
    processes = {}
    for name, pid in stack.processes().items():
        now = _rss_kb(pid)
        processes[name] = {
            "rss_mb": round(now.get("VmRSS", 0) / 1024, 1),
            "peak_mb": round(max(now.get("VmHWM", 0), (peaks or {}).get(name, 0)) / 1024, 1),
            "ratio": ratio(now.get("VmRSS", 0), baseline_kb),
        }
    return {"processes": processes, "baseline_python_boto3_mb": round(baseline_kb / 1024, 1)}


# --- AWS calls per payment lifecycle -----------------------------------------------------------

SETUP_OPERATIONS = frozenset({"GetQueueUrl", "GetQueueAttributes", "Decrypt"})
"""Calls a process makes once (a queue's URL and attributes) or once per sealed secret (KMS
Decrypt, cached by chalicelib/vault.py), not once per payment."""


def lifecycle_calls(stack: BenchStack, payments: int) -> dict:
    """Create `payments` payments, process them and deliver every webhook, in this process, with
    the functions run by the same event-source emulation as the local stack (the functions
    process is stopped meanwhile). Each phase runs alone, so its calls are its own."""
    import importlib

    from chalicelib.config import settings
    from chalicelib.services import orders
    from chalicelib.services import payments as payment_service
    from chalicelib.services.payments import PaymentRequest
    from infra.local.event_sources import Poller, sources_of

    stack.gateway.stop_functions()
    sqs = awscalls.bare_client("sqs", stack.emulator.url)
    stage = stack.gateway.stage
    for name in ("payment-jobs", "refund-jobs", "webhook-deliveries"):
        # A backlog left by the throughput run would be counted as this run's work.
        with contextlib.suppress(sqs.exceptions.PurgeQueueInProgress):
            sqs.purge_queue(QueueUrl=sqs.get_queue_url(QueueName=f"paygw-{stage}-{name}")["QueueUrl"])
    wait_quiet(stack, 5)
    app_module = importlib.import_module("app")
    sources = {source.name: source for source in sources_of(app_module)}
    ddb = awscalls.bare_client("dynamodb", stack.emulator.dynamodb_url)

    phases: dict[str, list[awscalls.Call]] = {}
    with awscalls.recording() as calls:
        created = [orders.create(MERCHANT_ID, 50000, "INR", None, {}) for _ in range(payments)]
    phases["create order"] = calls
    ids = []
    with awscalls.recording() as calls:
        for order in created:
            ids.append(
                payment_service.create(
                    MERCHANT_ID, PaymentRequest(order["id"], "upi", vpa="success@test", instrument="succeed")
                ).id
            )
    phases["create payment"] = calls

    def run_function(name: str, queue: str, done) -> list[awscalls.Call]:
        stopping = threading.Event()
        url = sqs.get_queue_url(QueueName=f"paygw-{stage}-{queue}")["QueueUrl"]
        with awscalls.recording() as calls:
            poller = Poller(sources[name], settings().region, stopping)
            poller.start()
            deadline = time.monotonic() + 60
            while not (done() and queue_depth(sqs, url) == 0) and time.monotonic() < deadline:
                time.sleep(0.05)
            stopping.set()
        return list(calls)

    def all_final() -> bool:
        return all(
            ddb.get_item(TableName=f"paygw-{stage}-payments", Key={"id": {"S": pid}}, ConsistentRead=True)["Item"][
                "status"
            ]["S"]
            != "pending"
            for pid in ids
        )

    stack.receiver.reset()
    phases["process (payment function)"] = run_function("process_payments", "payment-jobs", all_final)

    def all_delivered() -> bool:
        arrived = {(r["entity"], r["event"]) for r in stack.receiver.events()}
        return all((pid, kind) in arrived for pid in ids for kind in PAYMENT_EVENTS)

    phases["deliver (webhook function)"] = run_function("deliver_webhooks", "webhook-deliveries", all_delivered)

    result: dict = {"payments": payments, "phases": {}}
    total = setup_total = 0
    for name, calls in phases.items():
        ops = awscalls.tally(calls)
        count = sum(ops.values())
        setup = sum(n for op, n in ops.items() if op in SETUP_OPERATIONS)
        if name != "create order":
            total += count
            setup_total += setup
        result["phases"][name] = {
            "calls": count,
            "per_payment": round(count / payments, 2),
            "steady_per_payment": round((count - setup) / payments, 2),
            "setup_calls": setup,
            "by_operation": ops,
            "idle_empty_receives": sum(1 for c in calls if c.empty_receive),
        }
    result["per_payment_lifecycle"] = round(total / payments, 2)
    # The per-payment figure spreads a cold process's setup over this run's payments: shown apart
    # too, so that neither the steady state nor the setup is hidden by the choice of N.
    result["steady_per_payment_lifecycle"] = round((total - setup_total) / payments, 2)
    result["setup_calls"] = setup_total
    result["per_payment_including_order"] = round((total + len(phases["create order"])) / payments, 2)
    result["note"] = (
        "batched calls (ReceiveMessage, DeleteMessageBatch, the per-batch job counter) are shared by "
        "the payments of a batch; empty long-poll receives are idle cost, counted apart; the functions' "
        "5 s heartbeat is not included; setup_calls are made once per process (GetQueueUrl and "
        "GetQueueAttributes, by the event-source emulation and the functions) or once per process and "
        "sealed secret (KMS Decrypt), and are left out of steady_per_payment"
    )
    return result
