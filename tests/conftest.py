"""Shared fixtures: the emulators over HTTP per test session, gateway stacks on them, receivers."""

from __future__ import annotations

import os

import pytest

from tests.support.localstack import LocalStackEmulator
from tests.support.localstack import wanted as wanted_emulator
from tests.support.receiver import Receiver
from tests.support.stack import SHARED_DYNAMODB, DynamoDBLocal, Emulator, Gateway, close_all


def pytest_configure(config: pytest.Config) -> None:
    """The controller (or a run without xdist) starts one DynamoDB Local for the whole session;
    xdist workers, started after this, inherit its address. It warms up while tests collect."""
    if hasattr(config, "workerinput") or os.environ.get(SHARED_DYNAMODB) or config.option.collectonly:
        return
    server = DynamoDBLocal()
    config.stash[_SHARED] = server
    os.environ[SHARED_DYNAMODB] = server.url


def pytest_unconfigure(config: pytest.Config) -> None:
    server = config.stash.get(_SHARED, None)
    if server is not None:
        server.close()
        os.environ.pop(SHARED_DYNAMODB, None)


_SHARED = pytest.StashKey[DynamoDBLocal]()

# The default stack: deterministic test mode, 1 s of simulated bank, short webhook retries.
DEFAULT_SETTINGS = {
    "TEST_MODE": "true",
    "TEST_PROCESSING_DELAY": "1000",
    "TEST_PAYMENT_SUCCESS": "true",
    "WEBHOOK_RETRY_INTERVALS_TEST": "true",
    "WEBHOOK_TIMEOUT_SECONDS": "2",
    "QUEUE_VISIBILITY_TIMEOUT": "3",
}


@pytest.fixture(scope="session")
def emulator():
    # GATEWAY_TEST_EMULATOR=localstack (`make test-localstack`): the same tests on LocalStack.
    server = LocalStackEmulator() if wanted_emulator() == "localstack" else Emulator()
    yield server
    server.close()


@pytest.fixture(scope="session")
def aws(emulator):
    """This test process's own AWS clients, pointed at the session's emulators."""
    import os

    from chalicelib.aws import client
    from chalicelib.config import settings

    os.environ.update(
        {
            **emulator.endpoints,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    settings.cache_clear()
    client.cache_clear()
    return emulator


@pytest.fixture(scope="session")
def gateway(emulator):
    stack = Gateway(emulator, dict(DEFAULT_SETTINGS))
    yield stack
    stack.close()


@pytest.fixture(scope="session")
def held_gateway(emulator):
    """A stage whose functions are stopped: what is pending stays pending, however long a loaded
    machine takes between two calls (on the shared stage a payment is pending for about a second).
    A test that needs something processed first starts the functions and stops them again."""
    stack = Gateway(emulator, dict(DEFAULT_SETTINGS))
    stack.stop_functions()
    yield stack
    stack.close()


def _stages(emulator):
    stacks: list[Gateway] = []

    def make(**settings: str) -> Gateway:
        stack = Gateway(emulator, {**DEFAULT_SETTINGS, **settings})
        stacks.append(stack)
        return stack

    yield make
    close_all(stacks)


# A stage outlives nothing that made it: an idle stage still runs its heartbeat and schedules, which
# cost 1.6 s of CPU a minute (20 s for a stage whose reconciler runs every second), and the suite
# makes about forty of them on CI's two cores.
@pytest.fixture
def make_gateway(emulator):
    """Another stage with its own settings, for one test: its own tables, queues, API and functions."""
    yield from _stages(emulator)


@pytest.fixture(scope="module")
def make_module_gateway(emulator):
    """The same, for a module's fixture: the stage lives until the module's last test."""
    yield from _stages(emulator)


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()
