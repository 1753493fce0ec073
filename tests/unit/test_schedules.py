"""The local schedule emulation (infra/local/schedules.py): it finds app.py's scheduled
functions with the rate their decorator declares, lets LOCAL_SCHEDULE_SECONDS shorten it, and
invokes them with an EventBridge-shaped event, again each period."""

from __future__ import annotations

import importlib
import threading
import types

import pytest
from chalice import Chalice, Rate

from infra.local import schedules


def test_the_reconciler_is_found_with_its_declared_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(schedules.OVERRIDE, raising=False)
    app_module = importlib.import_module("app")
    [found] = schedules.schedules_of(app_module)
    assert found.name == "reconcile" and found.handler is app_module.reconcile
    assert found.period_seconds == 60 * int(found.expression.split("(")[1].split()[0])
    monkeypatch.setenv(schedules.OVERRIDE, "0.5")
    assert [s.period_seconds for s in schedules.schedules_of(app_module)] == [0.5]


def test_rate_expressions_give_their_period_and_cron_is_refused() -> None:
    assert schedules.period_of(Rate(1, unit=Rate.MINUTES)) == 60
    assert schedules.period_of("rate(2 hours)") == 7200
    with pytest.raises(ValueError, match="only rate"):
        schedules.period_of("cron(0 12 * * ? *)")


def test_a_scheduled_function_runs_every_period_with_an_eventbridge_event() -> None:
    app = Chalice(app_name="t")
    seen: list[dict] = []
    ran = threading.Semaphore(0)

    @app.schedule(Rate(5, unit=Rate.MINUTES))
    def tick(event):  # type: ignore[no-untyped-def]
        seen.append({"event": event.to_dict(), "remaining": event.context.get_remaining_time_in_millis()})
        ran.release()
        if len(seen) == 2:
            raise RuntimeError("a failed run: the next period runs again")

    module = types.SimpleNamespace(app=app, tick=tick)
    [schedule] = schedules.schedules_of(module, override_seconds=0.05)
    stopping = threading.Event()
    scheduler = schedules.Scheduler(schedule, "us-east-1", stopping)
    scheduler.start()
    try:
        for _ in range(3):
            assert ran.acquire(timeout=10)
    finally:
        stopping.set()
    event = seen[0]["event"]
    assert (event["detail-type"], event["source"], event["detail"]) == ("Scheduled Event", "aws.events", {})
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/tick"]
    assert seen[0]["remaining"] > 0 and scheduler.invocations >= 3
