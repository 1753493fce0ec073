"""Runs every SQS-triggered function declared in app.py, fed by the local event-source emulation,
and every scheduled one, run by the local schedule emulation (infra/local/schedules.py).

    python -m infra.local.functions

A process of its own: killing or restarting it loses nothing, because every message is still in
the emulator and comes back after its visibility timeout.
"""

from __future__ import annotations

import importlib
import signal
import sys
import threading

from chalicelib.config import settings
from chalicelib.logs import logger
from chalicelib.services import jobs_status

from . import fast_http
from .event_sources import Poller, sources_of
from .processes import exit_now
from .schedules import Scheduler, schedules_of

HEARTBEAT_SECONDS = 5


def main() -> int:
    fast_http.install()  # the functions' AWS calls and webhook POSTs parse response headers faster
    app_module = importlib.import_module("app")
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    pollers = [Poller(source, settings().region, stopping) for source in sources_of(app_module)]
    for poller in pollers:
        poller.start()
        source = poller.source
        print(
            f"functions: {source.name} <- {source.queue} (batch {source.batch_size}, "
            f"window {source.batching_window_seconds}s, concurrency {source.maximum_concurrency})",
            flush=True,
        )
    for schedule in schedules_of(app_module):
        Scheduler(schedule, settings().region, stopping).start()
        print(f"functions: {schedule.name} <- {schedule.expression} (every {schedule.period_seconds:g} s)", flush=True)
    while not stopping.is_set():
        try:
            jobs_status.heartbeat()
        except Exception:  # noqa: BLE001 - a missed heartbeat must not stop the functions
            logger.exception("heartbeat failed")
        stopping.wait(HEARTBEAT_SECONDS)
    exit_now(0)  # an invocation still running is cut off as a crash would be: its messages come back


if __name__ == "__main__":
    sys.exit(main())
