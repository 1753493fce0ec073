"""`make run`'s supervisor (python -m infra.local.stack) as a test starts it: on free ports, on a
state folder the test chooses, stopped the way Ctrl-C stops it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from infra.local.processes import wait_for_http

from .ports import free_port
from .stack import LOGS, ROOT, base_env
from .waiting import eventually

PORTS = ("EMULATOR_PORT", "DYNAMODB_LOCAL_PORT", "API_PORT", "RECEIVER_PORT", "CHECKOUT_PORT", "DASHBOARD_PORT")


class LocalStack:
    """One run of the local stack. Ports are picked once, so a restart serves the same addresses
    (as a developer's second `make run` does)."""

    def __init__(self, state_dir: Path, name: str, **settings: str) -> None:
        self.state_dir = state_dir
        self.name = name
        self.ports = {port: str(free_port()) for port in PORTS}
        self.settings = settings
        self.process: subprocess.Popen | None = None
        self.runs = 0
        self.log_path = LOGS / f"local-stack-{name}.log"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['API_PORT']}"

    @property
    def dynamodb_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['DYNAMODB_LOCAL_PORT']}"

    def env(self, **extra: str) -> dict[str, str]:
        return {**base_env(), **self.ports, "LOCAL_STATE_DIR": str(self.state_dir), **self.settings, **extra}

    def start(self, **extra: str) -> None:
        """Start it and return once the banner is printed (AssertionError with the log otherwise)."""
        LOGS.mkdir(parents=True, exist_ok=True)
        self.runs += 1
        self._mark = f"==== run {self.runs}\n"
        with open(self.log_path, "a") as log:
            log.write(self._mark)
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child writes it; closed when it exits
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "infra.local.stack"],
            cwd=ROOT,
            env=self.env(**extra),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def wait_ready(self, timeout: float = 240) -> None:
        assert self.process is not None
        ready = wait_for_http(self.api_url + "/health", timeout, self.process, accept=lambda status: status == 200)
        assert ready, self.output()
        eventually(lambda: "Ctrl-C stops everything" in self.output(), timeout=30, message="the banner")

    def output(self) -> str:
        """This run's output."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return text[text.rfind(self._mark) :] if self.runs else text

    def wait_exit(self, timeout: float = 240) -> int:
        assert self.process is not None
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("the stack did not exit:\n" + self.output()) from None

    def interrupt(self) -> int:
        """Ctrl-C: SIGINT to the stack's process group, as the terminal sends it; its exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
        return self.wait_exit(60)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
