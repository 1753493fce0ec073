"""Local emulation of EventBridge's scheduled rules: the functions app.py declares with
`@app.schedule` (the reconciler) run in the same process as the SQS-fed ones (infra/local/functions.py).

What EventBridge does, done here for the local stack:
- invoke the function once per rate period, the first time one period after the start;
- pass the event as EventBridge shapes a scheduled event (detail-type "Scheduled Event",
  source aws.events, the rule's ARN in resources), with a Lambda context;
- a run that raises is logged and the next period runs again (an asynchronous invocation's
  retries are what the next period gives here).
LOCAL_SCHEDULE_SECONDS replaces every rule's period (tests make it short); only rate()
expressions are supported, as app.py declares no cron one.
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from chalice.app import Rate
from chalice.local import LambdaContext

from chalicelib.logs import logger

from .event_sources import FUNCTION_TIMEOUT_MS

OVERRIDE = "LOCAL_SCHEDULE_SECONDS"
UNIT_SECONDS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}
ACCOUNT = "123456789012"


@dataclass(frozen=True)
class Schedule:
    name: str
    expression: str
    period_seconds: float
    handler: Callable[[dict, object], object]


def period_of(expression: object) -> float:
    """Seconds between two runs of a rate expression (a chalice Rate or its text)."""
    text = expression.to_string() if isinstance(expression, Rate) else str(expression)
    match = re.fullmatch(r"rate\((\d+) (minutes?|hours?|days?)\)", text)
    if match is None:
        raise ValueError(f"only rate() schedules are emulated locally, not {text!r}")
    return int(match.group(1)) * UNIT_SECONDS[match.group(2)]


def schedules_of(app_module, override_seconds: float | None = None) -> list[Schedule]:
    """Every scheduled function the Chalice app declares, with its period (or the override)."""
    if override_seconds is None and os.environ.get(OVERRIDE):
        override_seconds = float(os.environ[OVERRIDE])
    found = []
    for config in app_module.app.event_sources:
        if type(config).__name__ != "ScheduledEventConfig":
            continue
        expression = config.schedule_expression
        text = expression.to_string() if isinstance(expression, Rate) else str(expression)
        period = override_seconds if override_seconds is not None else period_of(expression)
        handler = getattr(app_module, config.handler_string.split(".")[-1])
        found.append(Schedule(config.name, text, period, handler))
    return found


def scheduled_event(rule: str, region: str) -> dict:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT}:rule/{rule}"],
        "detail": {},
    }


class Scheduler:
    """Runs one scheduled function every period until `stopping` is set."""

    def __init__(self, schedule: Schedule, region: str, stopping: threading.Event):
        self.schedule = schedule
        self.region = region
        self.stopping = stopping
        self.invocations = 0

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._loop, name=f"{self.schedule.name}-schedule", daemon=True)
        thread.start()
        return thread

    def _loop(self) -> None:
        next_run = time.monotonic() + self.schedule.period_seconds
        while not self.stopping.wait(max(next_run - time.monotonic(), 0)):
            self.invoke()
            next_run = max(next_run + self.schedule.period_seconds, time.monotonic())

    def invoke(self) -> object:
        context = LambdaContext(self.schedule.name, 512, FUNCTION_TIMEOUT_MS)
        context.aws_request_id = str(uuid.uuid4())
        self.invocations += 1
        try:
            return self.schedule.handler(scheduled_event(self.schedule.name, self.region), context)
        except BaseException:  # noqa: BLE001 - a failed run: the next period runs again
            logger.exception("scheduled invocation failed", extra={"function": self.schedule.name})
            return None
