"""The batch runner around every function: its figures (EMF), its log lines' correlation ids,
long waits beyond SQS's visibility maximum, the error backoff and the dead-letter-bound count."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib import metrics, queues, warmup
from chalicelib.domain import clock
from chalicelib.jobs import batch, redrive
from chalicelib.jobs import payments as payment_jobs
from chalicelib.jobs import webhooks as webhook_jobs
from chalicelib.jobs.outcomes import Finished, Outcome, RetryAfter
from chalicelib.logs import logger
from chalicelib.services import jobs_status, payments, webhook_delivery, webhooks
from chalicelib.services.payments import PaymentRequest
from chalicelib.services.webhook_http import Observation
from tests.support.off_loop import off_loop

from .conftest import Fakes, add_merchant, new_order


@pytest.fixture(autouse=True)
def no_aws(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, int]]:
    """The records' visibility changes, recorded instead of sent to SQS."""
    hidden: list[tuple[str, str, int]] = []
    monkeypatch.setattr(warmup, "clients", lambda: None)
    monkeypatch.setattr(queues, "hide_for", lambda queue, handle, seconds: hidden.append((queue, handle, seconds)))
    monkeypatch.setattr(jobs_status, "count", lambda completed, failed: None)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    # The figures are gathered per process, and flushed by batch.run: a test of this worker that
    # delivered a webhook outside a batch left its figures for the next flush, which is here.
    metrics._metrics.clear_metrics()
    return hidden


def record(body: dict[str, Any] | str, receive_count: int = 1) -> dict[str, Any]:
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "handle-" + uuid.uuid4().hex,
        "body": body if isinstance(body, str) else json.dumps(body),
        "attributes": {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": "1700000000000"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:q",
        "awsRegion": "us-east-1",
    }


def emf_lines(output: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]
    return [line for line in lines if "CloudWatchMetrics" in line["_aws"]]


def run(records: list[dict[str, Any]], work: Callable[[dict[str, Any], float], Outcome]) -> dict[str, Any]:
    return off_loop(batch.run, {"Records": records}, None, queues.PAYMENT_JOBS, work)


def test_a_payment_batch_publishes_its_figures_as_emf(fakes: Fakes, capfd: pytest.CaptureFixture[str]) -> None:
    add_merchant(fakes)
    paid = [payments.create("m1", PaymentRequest(new_order(), "upi", vpa="success@test"), None).id for _ in range(2)]
    declined = payments.create("m1", PaymentRequest(new_order(), "upi", vpa="failure@test"), None).id
    capfd.readouterr()
    answer = off_loop(
        payment_jobs.handle, {"Records": [record({"payment_id": pid}) for pid in [*paid, declined]]}, None
    )
    assert answer == {"batchItemFailures": []}
    (line,) = emf_lines(capfd.readouterr().out)
    directive = line["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "PaymentGateway/local"
    assert directive["Dimensions"] == [["function", "service"]]
    assert line["function"] == "process_payments" and line["service"] == "payment-gateway"
    # A declined payment is a job done: its payment failed, the function did not.
    assert line["JobsProcessed"] == [3.0]
    assert "JobsFailed" not in line and "RetriesScheduled" not in line


def test_retries_failures_and_the_dead_letter_bound_are_counted(
    fakes: Fakes, capfd: pytest.CaptureFixture[str], no_aws: list[tuple[str, str, int]]
) -> None:
    last = redrive.max_receive_count(queues.PAYMENT_JOBS)

    def work(job: dict[str, Any], _age: float) -> Outcome:
        if job["kind"] == "wait":
            return RetryAfter(30)
        if job["kind"] == "boom":
            raise RuntimeError("the store is down")
        return Finished("success")

    records = [
        record({"kind": "wait"}),
        record({"kind": "boom"}, 3),
        record({"kind": "boom"}, last),
        record({"kind": "ok"}),
    ]
    capfd.readouterr()
    answer = run(records, work)
    assert len(answer["batchItemFailures"]) == 3
    (line,) = emf_lines(capfd.readouterr().out)
    assert (line["JobsProcessed"], line["JobsFailed"], line["RetriesScheduled"], line["DeadLetterBound"]) == (
        [1.0],
        [2.0],
        [1.0],
        [1.0],
    )
    # The wait as asked; the raised job backs off by its receive count (4 s at the third); the
    # last receive is left to the redrive policy.
    assert sorted(seconds for _q, _h, seconds in no_aws) == [4, 30]


def test_a_wait_beyond_the_visibility_maximum_hides_for_the_maximum_and_waits_again(
    fakes: Fakes, no_aws: list[tuple[str, str, int]]
) -> None:
    """SQS refuses a visibility over 12 h: the record comes back at 12 h and its job, which
    computes the wait from a stored due time, asks for the rest."""
    due = 30 * 3600
    now = {"t": 0}

    def work(_job: dict[str, Any], _age: float) -> Outcome:
        remaining = due - now["t"]
        return RetryAfter(remaining) if remaining > 0 else Finished("success")

    receives = 0
    while True:
        receives += 1
        before = len(no_aws)
        run([record({"kind": "long"}, receives)], work)
        if len(no_aws) == before:
            break
        now["t"] += no_aws[-1][2]
    assert [seconds for _q, _h, seconds in no_aws] == [43200, 43200, 21600]
    assert receives == 4 == 2 + redrive.extra_receives(due)  # the wait, its extra chunks, the decision


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The gateway logger's JSON lines, read from its own handler (it writes to the stdout it
    found at import, which pytest's capture fixtures do not see)."""
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    handler.setStream(previous)


def test_a_payment_job_log_line_carries_the_payment_id(
    fakes: Fakes, log_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    def work(_job: dict[str, Any], _age: float) -> Outcome:
        raise RuntimeError("boom")

    run([record({"payment_id": "pay_123abc"})], work)
    logged = log_lines()
    failure = next(line for line in logged if line["message"] == "job failed")
    assert failure["payment_id"] == "pay_123abc"


def test_correlation_ids_do_not_leak_to_the_next_record_of_a_thread(
    fakes: Fakes, log_lines: Callable[[], list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def work(_job: dict[str, Any], _age: float) -> Outcome:
        raise RuntimeError("boom")

    monkeypatch.setattr(batch, "_threads", ThreadPoolExecutor(max_workers=1))  # one thread runs both
    for body in ({"payment_id": "pay_first"}, {"delivery_id": "evt_second", "merchant_id": "m1"}):
        run([record(body)], work)
    logged = [line for line in log_lines() if line["message"] == "job failed"]
    assert [line.get("payment_id") for line in logged] == ["pay_first", None]
    assert logged[1]["event_id"] == "evt_second" and logged[1]["merchant_id"] == "m1"


def test_a_failed_webhook_attempt_is_counted_and_logged_with_its_ids(
    fakes: Fakes,
    capfd: pytest.CaptureFixture[str],
    log_lines: Callable[[], list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_merchant(fakes, webhook_url="http://127.0.0.1:9/hooks")
    monkeypatch.setattr(
        webhook_delivery, "post", lambda *_args: Observation(None, None, "timeout: read timed out (url ?token=x)", 5)
    )
    event = webhooks.event_record("m1", "payment.created", "payment", {"id": "pay_1"}, clock.now())
    assert fakes.store.deliveries.create(event)
    webhooks.dispatch([event])
    (job,) = fakes.queues.take(queues.WEBHOOK_DELIVERIES)
    capfd.readouterr()
    off_loop(webhook_jobs.handle, {"Records": [record(job)]}, None)
    (line,) = emf_lines(capfd.readouterr().out)
    assert line["function"] == "deliver_webhooks"
    assert (line["WebhookAttempts"], line["WebhookFailures"], line["RetriesScheduled"]) == ([1.0], [1.0], [1.0])
    assert "WebhookSuccesses" not in line
    (failed,) = [entry for entry in log_lines() if entry["message"] == "webhook attempt failed"]
    assert (failed["event_id"], failed["merchant_id"], failed["attempt"]) == (event.id, "m1", 1)
    assert failed["error"] == "timeout" and "token" not in json.dumps(failed)
