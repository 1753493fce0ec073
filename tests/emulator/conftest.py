"""The emulator's own tests: each guards one patch of docs/emulator.md and fails without it.

To see a test fail with its patch off, leave the patch out of the emulator these tests start:

    EMULATOR_TEST_DISABLE=sqs-delete-lock .venv/bin/python -m pytest tests/emulator -n 1 -p no:cacheprovider

(names: infra/local/moto_correctness.py's and moto_speed.py's PATCHES). Only
this harness reads it: `make run` always runs every correctness patch."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.support.stack import Emulator

DISABLED = tuple(name.strip() for name in os.environ.get("EMULATOR_TEST_DISABLE", "").split(",") if name.strip())


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    server = Emulator(disabled=DISABLED, dynamodb=False)
    yield server
    server.close()


def client(emulator: Emulator, service: str, **config: Any) -> Any:
    return boto3.client(
        service,
        endpoint_url=emulator.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, read_timeout=60, max_pool_connections=20, **config),
    )


@pytest.fixture
def sqs(emulator: Emulator) -> Any:
    return client(emulator, "sqs")


@pytest.fixture
def queue(sqs: Any) -> str:
    return sqs.create_queue(QueueName="emu-" + uuid.uuid4().hex[:12])["QueueUrl"]


def cpu_ms(pid: int) -> float:
    """User plus system CPU time of a process, in milliseconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")
