"""The emulator's own tests: each guards one patch of docs/emulator.md and fails without it.

To see a test fail with its patch off, leave the patch out of the emulator these tests start:

    EMULATOR_TEST_DISABLE=sqs-delete-lock .venv/bin/python -m pytest tests/emulator -n 1 -p no:cacheprovider

(names: infra/local/moto_correctness.py, moto_dynamodb.py and moto_speed.py's PATCHES). Only
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
    server = Emulator(disabled=DISABLED)
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


@pytest.fixture
def dynamodb(emulator: Emulator) -> Any:
    return client(emulator, "dynamodb")


@pytest.fixture
def table(dynamodb: Any) -> str:
    name = "emu-" + uuid.uuid4().hex[:12]
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    )
    return name
