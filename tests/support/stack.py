"""The real components for integration tests: a moto server over HTTP, and the gateway's own
processes (API server, functions under the event-source emulation) started against it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import requests

from infra.local.processes import spawn, stop, wait_for_http

from .ports import free_port, held_port

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / "test-artifacts" / "logs"


UNTHROTTLED = {
    name: "1000000"
    for name in (
        "THROTTLE_LOGIN_FAILURES_PER_ACCOUNT_IP",
        "THROTTLE_LOGIN_FAILURES_PER_IP",
        "THROTTLE_PUBLIC_WRITES_PER_KEY",
        "THROTTLE_PUBLIC_WRITES_PER_IP",
        "THROTTLE_PUBLIC_READS_PER_KEY",
        "THROTTLE_PUBLIC_READS_PER_IP",
    )
}


def base_env() -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "TEST_", "WEBHOOK_"))}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "PYTHONPATH": str(ROOT),
            "API_ACCESS_LOG": "0",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    return env


# What only local stacks may turn on, as `make run` does (chalicelib/config.py's UNSAFE_OPT_INS,
# spelt out: the bench configures chalicelib's settings after starting a stack, so this module
# must not import chalicelib; tests/unit/test_safe_by_default.py holds the two equal).
UNSAFE_OPT_INS = {
    "TEST_ENDPOINTS": "true",
    "WEBHOOK_BLOCK_PRIVATE_URLS": "false",
    "ALLOW_DEV_SESSION_SECRET": "true",
    "WEBHOOK_ALLOW_HTTP": "true",
    "CHAOS_ENABLED": "true",
}


# Where the test session's shared DynamoDB Local listens: started once by the pytest controller
# (tests/conftest.py) and used by every xdist worker, so one JVM warms up instead of four.
SHARED_DYNAMODB = "PAYGW_TEST_DYNAMODB_URL"


class DynamoDBLocal:
    """AWS's DynamoDB Local, in memory, on a free port. Started without waiting: `wait()` does."""

    def __init__(self) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log_path = LOGS / f"dynamodb-local-{port}.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - open as long as the process
        self.process = spawn(
            "infra.local.dynamodb_local", {**base_env(), "DYNAMODB_LOCAL_PORT": str(port)}, log=self.log
        )

    def wait(self) -> None:
        if not wait_for_http(self.url, 60, self.process):
            self.log.flush()
            raise RuntimeError("DynamoDB Local did not start: " + self.log_path.read_text())

    def close(self) -> None:
        stop(self.process)
        self.log.close()


class Emulator:
    """moto in server mode, on a free port, for one test session.

    `module` is the entry point (bench.emulator adds the benchmark's cost ledger); `disabled`
    names patches to leave out (tests/support/emulator_main.py); `env` adds variables
    (EMULATOR_TUNING=0)."""

    def __init__(
        self,
        module: str = "infra.local.emulator",
        disabled: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
        dynamodb: bool = True,
        shared_dynamodb: bool = True,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log = open(LOGS / f"emulator-{self.port}.log", "wb")  # noqa: SIM115 - open as long as the process
        variables = {**base_env(), **(env or {}), "EMULATOR_PORT": str(self.port)}
        if disabled:
            module = "tests.support.emulator_main"
            variables["EMULATOR_DISABLE_PATCHES"] = ",".join(disabled)
        self.process = spawn(module, variables, log=self.log)
        # DynamoDB goes to AWS's DynamoDB Local, in memory, as it does for `make run`: the session's
        # shared one when there is one (stages keep the data of stacks apart), else its own (the
        # bench measures its CPU). `dynamodb=False`: the moto server's own tests need no database.
        self.dynamodb_url = self.url
        self.dynamodb: DynamoDBLocal | None = None
        if dynamodb and shared_dynamodb and os.environ.get(SHARED_DYNAMODB):
            self.dynamodb_url = os.environ[SHARED_DYNAMODB]
        elif dynamodb:
            self.dynamodb = DynamoDBLocal()
            self.dynamodb_url = self.dynamodb.url
        if not wait_for_http(self.url + "/moto-api/", 30, self.process):
            self.log.flush()
            raise RuntimeError("the moto server did not start: " + (LOGS / f"emulator-{self.port}.log").read_text())
        if self.dynamodb is not None:
            self.dynamodb.wait()
        elif dynamodb and not wait_for_http(self.dynamodb_url, 60):
            raise RuntimeError(f"the session's DynamoDB Local at {self.dynamodb_url} did not answer (see {LOGS})")

    @property
    def endpoints(self) -> dict[str, str]:
        """The variables that point a process at these emulators."""
        return {"AWS_ENDPOINT_URL": self.url, "AWS_ENDPOINT_URL_DYNAMODB": self.dynamodb_url}

    def close(self) -> None:
        stop(self.process)
        if self.dynamodb is not None:
            self.dynamodb.close()
        self.log.close()


@dataclass
class Merchant:
    id: str
    api_key: str
    api_secret: str
    email: str
    password: str
    webhook_secret: str | None = None
    name: str = "Test Merchant"

    @property
    def auth(self) -> tuple[str, str]:
        return self.api_key, self.api_secret


TEST_MERCHANT = Merchant(
    "550e8400-e29b-41d4-a716-446655440000",
    "key_test_abc123",
    "secret_test_xyz789",
    "test@example.com",
    "test-password-123",
    "whsec_test_abc123",
)


@dataclass
class Gateway:
    """One stage of the gateway: its API server and its functions, on the shared emulator."""

    emulator: Emulator
    settings: dict[str, str] = field(default_factory=dict)
    stage: str = field(default_factory=lambda: "t" + uuid.uuid4().hex[:8])
    test_merchant: Merchant = field(default_factory=lambda: TEST_MERCHANT)

    def __post_init__(self) -> None:
        self.api_port = free_port()
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        # Ports reserved for front ends a test may start against this stage: the API allows them.
        # They stay held until a test lets go of one to start its server there (free_front_end_port).
        self._held_ports = {sock.getsockname()[1]: sock for sock in (held_port(), held_port())}
        self.checkout_port, self.dashboard_port = self._held_ports
        origins = [
            f"http://{host}:{port}"
            for port in (self.checkout_port, self.dashboard_port)
            for host in ("127.0.0.1", "localhost")
        ]
        self.env = {
            **base_env(),
            **self.emulator.endpoints,
            "STAGE": self.stage,
            "API_PORT": str(self.api_port),
            "API_URL": self.api_url,
            "CHECKOUT_PORT": str(self.checkout_port),
            "DASHBOARD_PORT": str(self.dashboard_port),
            "CHECKOUT_URL": f"http://127.0.0.1:{self.checkout_port}",
            "CORS_ORIGINS": ",".join(origins),
            # A test stack opts in to what only local stacks may do, as `make run` does; a test
            # may turn any of it off again through `settings`.
            **UNSAFE_OPT_INS,
            # Every test's calls come from 127.0.0.1, on stages shared by many tests (schemathesis
            # sends hundreds of bad logins and public calls): the throttling tests set their own.
            **UNTHROTTLED,
            **self.settings,
        }
        provision = subprocess.run(
            [sys.executable, "-m", "infra.provision", "--seed"], env=self.env, cwd=ROOT, capture_output=True, text=True
        )
        if provision.returncode != 0:
            raise RuntimeError("provisioning failed:\n" + provision.stderr)
        self._logs: list[IO[bytes]] = []
        self.api = self._spawn("infra.local.api_server", "api")
        if not wait_for_http(self.api_url + "/health", 30, self.api, accept=lambda status: status == 200):
            raise RuntimeError("the API server did not start; see " + str(LOGS))
        self.functions: subprocess.Popen | None = None
        self.start_functions()

    def _spawn(self, module: str, name: str) -> subprocess.Popen:
        log = open(LOGS / f"{self.stage}-{name}.log", "ab")  # noqa: SIM115 - closed in close()
        self._logs.append(log)
        return spawn(module, self.env, log=log)

    def start_functions(self) -> None:
        self.functions = self._spawn("infra.local.functions", "functions")

    def stop_functions(self) -> None:
        if self.functions is not None:
            stop(self.functions)

    def kill_functions(self) -> None:
        """kill -9: no chance to finish anything."""
        assert self.functions is not None, "the functions were never started"
        os.killpg(self.functions.pid, signal.SIGKILL)
        self.functions.wait()

    def new_merchant(self, webhook_url: str | None = None, name: str = "Test Merchant") -> Merchant:
        response = requests.post(
            self.api_url + "/api/v1/test/merchants", json={"name": name, "webhook_url": webhook_url}, timeout=60
        )
        response.raise_for_status()
        body = response.json()
        return Merchant(
            body["id"],
            body["api_key"],
            body["api_secret"],
            body["email"],
            body["password"],
            body["webhook_secret"],
            body["name"],
        )

    def session(self, merchant: Merchant | None = None) -> requests.Session:
        """A keep-alive client authenticated as `merchant` (the seeded test merchant by default)."""
        merchant = merchant or self.test_merchant
        client = requests.Session()
        client.headers.update({"X-Api-Key": merchant.api_key, "X-Api-Secret": merchant.api_secret})
        return client

    @property
    def processes(self) -> list[subprocess.Popen]:
        return [process for process in (self.functions, self.api) if process is not None]

    def free_front_end_port(self, port: int | str) -> int:
        """Lets go of one of this stage's front-end ports, for the server about to bind it."""
        held = self._held_ports.pop(int(port), None)
        if held is not None:
            held.close()
        return int(port)

    def close(self) -> None:
        close_all([self])


def close_all(stacks: list[Gateway]) -> None:
    """Stop every process of these stages in one grace period, then close their logs and ports."""
    stop(*(process for stack in stacks for process in stack.processes))
    for stack in stacks:
        for log in stack._logs:
            log.close()
        for port in list(stack._held_ports):
            stack.free_front_end_port(port)
