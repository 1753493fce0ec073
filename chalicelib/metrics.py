"""The functions' figures, published as CloudWatch embedded metric format (EMF) log lines with
aws-lambda-powertools' Metrics: Lambda ships stdout to CloudWatch Logs, which turns each line
into metrics with no API call on the request path. The template's alarms (infra/alarms.py) read
these names; docs/operations.md says what each means.

Records run in threads (jobs/batch.py) and Powertools' metric set is shared and unlocked, so
every add goes through one lock and a batch flushes once, from the thread that ran it. Local
stages set POWERTOOLS_METRICS_DISABLED (no CloudWatch to read the lines).
"""

from __future__ import annotations

import threading

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from .config import settings

SERVICE = "payment-gateway"
FUNCTION_DIMENSION = "function"

JOBS_PROCESSED = "JobsProcessed"
"""Records a function finished (success, or a final state such as a declined payment)."""
JOBS_FAILED = "JobsFailed"
"""Records whose job raised, or that finished as failed (a webhook out of attempts)."""
RETRIES_SCHEDULED = "RetriesScheduled"
"""Records hidden to come back later: a webhook retry, a payment waiting for the bank."""
DEAD_LETTER_BOUND = "DeadLetterBound"
"""Records that failed on their queue's last allowed receive: SQS moves them to the DLQ."""
WEBHOOK_ATTEMPTS = "WebhookAttempts"
WEBHOOK_SUCCESSES = "WebhookSuccesses"
WEBHOOK_FAILURES = "WebhookFailures"
"""Attempts answered with anything but 2xx (or not answered); the retry schedule goes on."""
REPAIRS = "Repairs"
"""Stranded work re-queued: pending payments, refunds and deliveries found without a live job."""
ENQUEUES_DEFERRED = "EnqueuesDeferred"
"""Jobs the API could not queue after its transaction committed: the reconciler queues them
once the grace has passed (services/after_commit.py)."""

_metrics = Metrics(service=SERVICE)
_lock = threading.Lock()


def namespace() -> str:
    """One namespace per stage, so a test stage's figures never trip production's alarms."""
    return f"PaymentGateway/{settings().stage}"


def add(name: str, value: int = 1) -> None:
    if value:
        with _lock:
            _metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def flush(function: str) -> None:
    """Print the figures gathered since the last flush as one EMF line, under `function`."""
    with _lock:
        if not _metrics.metric_set:
            return
        _metrics.namespace = namespace()
        _metrics.add_dimension(name=FUNCTION_DIMENSION, value=function)
        _metrics.flush_metrics(raise_on_empty_metrics=False)


def _service_count(name: str, count: int) -> None:
    with single_metric(
        name=name, unit=MetricUnit.Count, value=count, namespace=namespace(), default_dimensions={"service": SERVICE}
    ):
        pass


def enqueue_deferred() -> None:
    """One job the API left to the reconciler; printed at once (the API flushes no metric set)."""
    _service_count(ENQUEUES_DEFERRED, 1)


def repairs(count: int) -> None:
    """Whatever re-queued stranded work says how much, once per pass (dimension: service only,
    as the alarm on it watches every source: the local start-time resume, the AWS reconciler)."""
    if count:
        with single_metric(
            name=REPAIRS,
            unit=MetricUnit.Count,
            value=count,
            namespace=namespace(),
            default_dimensions={"service": SERVICE},
        ):
            pass
