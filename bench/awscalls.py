"""Counting and timing AWS calls with botocore's event hooks.

install() makes every botocore client created afterwards in this process (boto3's, PynamoDB's,
aws-lambda-powertools') report each call through its `before-call` and `after-call` events.
`recording()` collects the calls made while it is open. bare_client() makes a client that is
not counted, for the baselines and for the benchmark's own bookkeeping.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass

import botocore.session
from botocore.config import Config

_original_create_client = botocore.session.Session.create_client
_recorders: list[list] = []
_lock = threading.Lock()


@dataclass(frozen=True)
class Call:
    operation: str
    ms: float
    empty_receive: bool  # a ReceiveMessage that found nothing: idle polling, not work
    thread: str


def _before_call(model, context, **_):
    context["bench_started"] = time.perf_counter()


def _after_call(model, context, parsed=None, **_):
    started = context.get("bench_started")
    if started is None:
        return
    empty = model.name == "ReceiveMessage" and not (parsed or {}).get("Messages")
    call = Call(model.name, (time.perf_counter() - started) * 1000, empty, threading.current_thread().name)
    with _lock:
        for recorder in _recorders:
            recorder.append(call)


def _hooked_create_client(self, *args, **kwargs):
    client = _original_create_client(self, *args, **kwargs)
    client.meta.events.register("before-call.*.*", _before_call)
    client.meta.events.register("after-call.*.*", _after_call)
    return client


def install() -> None:
    """Before any gateway client exists: clients made earlier are not counted."""
    botocore.session.Session.create_client = _hooked_create_client


@contextmanager
def recording():
    calls: list[Call] = []
    with _lock:
        _recorders.append(calls)
    try:
        yield calls
    finally:
        with _lock:
            _recorders.remove(calls)


def operations(calls: list[Call], include_empty_receives: bool = False) -> list[str]:
    return [c.operation for c in calls if include_empty_receives or not c.empty_receive]


def tally(calls: list[Call]) -> dict[str, int]:
    return dict(sorted(Counter(operations(calls)).items()))


# The same client settings the gateway uses (chalicelib/aws.py), without the counting hooks.
BARE_CONFIG = Config(
    max_pool_connections=64, connect_timeout=2, read_timeout=25, retries={"mode": "standard", "max_attempts": 3}
)


def bare_client(service: str, endpoint_url: str, region: str = "us-east-1"):
    session = botocore.session.get_session()
    return _original_create_client(
        session,
        service,
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=BARE_CONFIG,
    )
