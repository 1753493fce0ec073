"""The same cases against the in-memory Store and the DynamoDB one on the session's emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.store.interface import Store
from tests.fakes.store import FakeStore


@pytest.fixture(scope="session")
def dynamo_store(aws: object) -> Store:
    """The stage's tables on the emulator, provisioned the way infra/provision.py does it."""
    from chalicelib.store import transactions
    from chalicelib.store.dynamo import DYNAMO
    from chalicelib.store.models import ALL_MODELS
    from infra.provision import ensure_tables

    # Clients built before the endpoint was set would talk to AWS itself.
    for model in ALL_MODELS:
        model._connection = None
    transactions._connection.cache_clear()
    ensure_tables()
    return DYNAMO


@pytest.fixture(params=["fake", "dynamo"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "fake":
        yield FakeStore()
    else:
        yield request.getfixturevalue("dynamo_store")
