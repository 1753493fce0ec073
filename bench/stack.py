"""The embedded stack the benchmarks run against, started by the benchmark itself on free ports:
a moto server, one gateway stage (API server and functions, as the integration tests start
them), and the benchmarks' own receiver process as the test merchant's webhook URL."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import requests

from infra.local.processes import spawn, stop, wait_for_http
from tests.support.ports import free_port
from tests.support.stack import LOGS, ROOT, Emulator, Gateway

SETTINGS = {
    "TEST_MODE": "true",
    "TEST_PROCESSING_DELAY": "0",
    "TEST_PAYMENT_SUCCESS": "true",
    "WEBHOOK_RETRY_INTERVALS_TEST": "true",
    "WEBHOOK_TIMEOUT_SECONDS": "5",
}


class ReceiverProcess:
    def __init__(self, env: dict[str, str]):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = self.base + "/webhook"
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log = open(LOGS / f"bench-receiver-{self.port}.log", "wb")  # noqa: SIM115 - open while the process runs
        self.process = spawn("bench.receiver", env, args=(str(self.port),), log=self.log)
        if not wait_for_http(self.base + "/count", 20, self.process):
            raise RuntimeError("the bench receiver did not start")
        self.http = requests.Session()

    def events(self, offset: int = 0) -> list[dict]:
        return self.http.get(f"{self.base}/events", params={"offset": offset}, timeout=30).json()

    def count(self) -> int:
        return self.http.get(f"{self.base}/count", timeout=10).json()["count"]

    def wait(self, event: str, entity: str, timeout: float = 10) -> dict | None:
        response = self.http.get(
            f"{self.base}/wait", params={"event": event, "entity": entity, "timeout": str(timeout)}, timeout=timeout + 5
        )
        return response.json() if response.status_code == 200 else None

    def reset(self) -> None:
        self.http.get(f"{self.base}/reset", timeout=10)

    def close(self) -> None:
        stop(self.process)
        self.log.close()


class StockApi:
    """The same app under chalice's stock local server, on the same stage."""

    def __init__(self, env: dict[str, str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(LOGS / f"bench-stock-api-{self.port}.log", "wb")  # noqa: SIM115 - open while the process runs
        self.process = spawn("bench.stock_api", {**env, "API_PORT": str(self.port)}, log=self.log)
        if not wait_for_http(self.url + "/health", 30, self.process, accept=lambda status: status == 200):
            raise RuntimeError("the stock chalice local server did not start")

    def close(self) -> None:
        stop(self.process)
        self.log.close()


class BenchStack:
    def __init__(self) -> None:
        started = time.monotonic()
        # With the cost ledger, and a DynamoDB Local of its own, whose CPU the bench measures.
        self.emulator = Emulator(module="bench.emulator", shared_dynamodb=False)
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TEST_", "WEBHOOK_"))}
        self.receiver = ReceiverProcess({**base, "PYTHONPATH": str(ROOT)})
        self.gateway = Gateway(self.emulator, {**SETTINGS, "TEST_MERCHANT_WEBHOOK_URL": self.receiver.url})
        self.startup_seconds = round(time.monotonic() - started, 2)

    @property
    def env(self) -> dict[str, str]:
        return self.gateway.env

    def configure_this_process(self) -> None:
        """The benchmark process calls the gateway's code in-process too: same stage, same emulator.
        Must run before anything imports chalicelib (its settings are read once)."""
        if "chalicelib.config" in sys.modules:
            raise RuntimeError("chalicelib was imported before the bench configured its environment")
        os.environ.update({k: v for k, v in self.gateway.env.items() if k != "PYTHONPATH"})

    def processes(self) -> dict[str, int]:
        found = {
            "emulator (moto server: SQS, KMS)": self.emulator.process.pid,
            "api server": self.gateway.api.pid,
            "receiver (bench)": self.receiver.process.pid,
            "bench (clients)": os.getpid(),
        }
        if self.emulator.dynamodb is not None:
            found["DynamoDB Local"] = self.emulator.dynamodb.process.pid
        if self.gateway.functions is not None and self.gateway.functions.poll() is None:
            found["functions"] = self.gateway.functions.pid
        return found

    def close(self) -> None:
        for closer in (self.gateway.close, self.receiver.close, self.emulator.close):
            try:
                closer()
            except Exception as error:  # noqa: BLE001 - close everything we can
                print(f"bench: while stopping: {error}", file=sys.stderr)


def run_python(code: str, env: dict[str, str]) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=str(ROOT), check=True, capture_output=True, text=True
    ).stdout
