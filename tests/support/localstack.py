"""LocalStack on the host in place of the moto server, for `make test-localstack`
(GATEWAY_TEST_EMULATOR=localstack): the same integration tests, on LocalStack's SQS and KMS."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from infra.local.processes import spawn, stop, wait_for_http

from .ports import free_port
from .stack import LOGS, ROOT, SHARED_DYNAMODB, DynamoDBLocal, base_env

# Which emulator tests/conftest.py's `emulator` fixture starts: "moto" (the default) or "localstack".
EMULATOR_SWITCH = "GATEWAY_TEST_EMULATOR"
LOCALSTACK_PYTHON = ROOT / ".venv-localstack" / "bin" / "python"


def wanted() -> str:
    value = os.environ.get(EMULATOR_SWITCH, "moto")
    if value not in ("moto", "localstack"):
        raise RuntimeError(f"{EMULATOR_SWITCH} is {value!r}: moto or localstack")
    return value


class LocalStackEmulator:
    """LocalStack (localstack-core from .venv-localstack) on a free port, with SQS and KMS; DynamoDB
    is the session's DynamoDB Local, as with the moto server. Same face as stack.Emulator."""

    def __init__(self) -> None:
        python = Path(os.environ.get("LOCALSTACK_PYTHON", LOCALSTACK_PYTHON))
        if not python.exists():
            raise RuntimeError(f"no LocalStack virtualenv at {python}: `make test-localstack` creates it")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log_path = LOGS / f"localstack-{self.port}.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - open as long as the process
        self._data = tempfile.TemporaryDirectory(prefix="paygw-localstack-")
        env = {**base_env(), "LOCALSTACK_PYTHON": str(python)}
        self.process = spawn(
            "infra.localstack_host", env, args=("--port", str(self.port), "--data-dir", self._data.name), log=self.log
        )
        self.dynamodb: DynamoDBLocal | None = None
        if os.environ.get(SHARED_DYNAMODB):
            self.dynamodb_url = os.environ[SHARED_DYNAMODB]
        else:
            self.dynamodb = DynamoDBLocal()
            self.dynamodb_url = self.dynamodb.url
        ready = wait_for_http(
            self.url + "/_localstack/health", 90, self.process, accept=lambda status: status == 200
        ) and wait_for_http(self.url + "/_localstack/init/ready", 30, self.process, accept=lambda status: status == 200)
        if not ready:
            self.close()
            raise RuntimeError("LocalStack did not start: " + self.log_path.read_text(errors="replace"))
        if self.dynamodb is not None:
            self.dynamodb.wait()
        elif not wait_for_http(self.dynamodb_url, 60):
            raise RuntimeError(f"the session's DynamoDB Local at {self.dynamodb_url} did not answer (see {LOGS})")

    @property
    def endpoints(self) -> dict[str, str]:
        return {"AWS_ENDPOINT_URL": self.url, "AWS_ENDPOINT_URL_DYNAMODB": self.dynamodb_url}

    def close(self) -> None:
        stop(self.process, grace_seconds=10)
        if self.dynamodb is not None:
            self.dynamodb.close()
        self.log.close()
        self._data.cleanup()
