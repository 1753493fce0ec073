"""Every table shares one botocore client (chalicelib/store/shared_client.py), and only where
sharing cannot change a request: same settings and endpoint, no per-connection headers."""

from __future__ import annotations

import threading

import pytest
from pynamodb.attributes import UnicodeAttribute

from chalicelib.store import shared_client
from chalicelib.store.models import ALL_MODELS
from chalicelib.store.shared_client import SharedClientModel


@pytest.fixture
def fresh(monkeypatch):
    """No client built yet, in this process, for any table; a test emulator's endpoint."""
    monkeypatch.setattr(shared_client, "_clients", {})
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    # Without credentials PynamoDB builds a new client at every use (it suspects a poisoned one).
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    for model in ALL_MODELS:
        monkeypatch.setattr(model, "_connection", None)
    yield


def client_of(model) -> object:
    return model._get_connection().connection.client


def test_every_table_shares_one_client_even_when_threads_race(fresh):
    clients: list[object] = []
    threads = [threading.Thread(target=lambda m=m: clients.append(client_of(m))) for m in ALL_MODELS * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(clients) == 3 * len(ALL_MODELS) and len({id(client) for client in clients}) == 1
    assert clients[0].meta.endpoint_url == "http://127.0.0.1:9"


def test_another_endpoint_gets_another_client(fresh, monkeypatch):
    first = client_of(ALL_MODELS[0])
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:10")
    monkeypatch.setattr(ALL_MODELS[1], "_connection", None)
    second = client_of(ALL_MODELS[1])
    assert second is not first and second.meta.endpoint_url == "http://127.0.0.1:10"


def test_other_timeouts_or_extra_headers_keep_a_client_of_their_own(fresh):
    def model(name: str, **meta: object) -> type:
        attributes = {"table_name": name, "region": "us-east-1", **meta}
        return type(
            name, (SharedClientModel,), {"Meta": type("Meta", (), attributes), "id": UnicodeAttribute(hash_key=True)}
        )

    plain, same, slower = model("plain"), model("same"), model("slower", read_timeout_seconds=99)
    headed = model("headed", extra_headers={"x-tenant": "a"})
    assert client_of(plain) is client_of(same)
    assert client_of(slower) is not client_of(plain)
    assert client_of(headed) is not client_of(plain)
