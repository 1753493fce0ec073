"""Inputs that used to get a 500 or an answer outside the document now get a clear 4xx in the
API's error shape (found while writing the OpenAPI description and running schemathesis)."""

from __future__ import annotations

import json

import pytest
import requests


@pytest.fixture(scope="module")
def client(gateway):
    session = gateway.session(gateway.new_merchant())
    yield session
    session.close()


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "999999999999"])
@pytest.mark.parametrize("name", ["from", "to"])
def test_a_time_beyond_the_calendar_is_a_400(gateway, client, name, moment):
    response = client.get(gateway.api_url + "/api/v1/payments", params={name: moment}, timeout=10)
    assert response.status_code == 400, response.text
    assert response.json() == {
        "error": {"code": "BAD_REQUEST_ERROR", "field": name, "description": "must be unix seconds or an ISO-8601 time"}
    }


def test_times_within_the_calendar_still_filter(gateway, client):
    response = client.get(
        gateway.api_url + "/api/v1/payments", timeout=10, params={"from": "2000-01-01T00:00:00Z", "to": "4102444800"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["offset"] == 0


@pytest.mark.parametrize("method", ["TRACE", "QUERY", "PATCH"])
def test_an_undeclared_method_is_a_405_with_allow(gateway, method):
    response = requests.request(method, gateway.api_url + "/api/v1/payments/pay_x/refunds", timeout=10)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "POST", "OPTIONS"}
    assert response.json() == {"error": {"code": "METHOD_NOT_ALLOWED", "description": f"Unsupported method: {method}"}}


def _must_not_be_called(*_args, **_kwargs):
    raise AssertionError("an overlong value reached DynamoDB, which refuses keys over 2048 bytes (a 500)")


def test_an_overlong_id_is_a_404_before_any_lookup(monkeypatch):
    """moto accepts any key size, real DynamoDB does not: so this checks the guard, in process."""
    from chalice.test import Client

    import app
    from chalicelib.config import settings
    from chalicelib.services import auth

    monkeypatch.setattr(auth, "authenticate", _must_not_be_called)
    monkeypatch.setenv("SESSION_SECRET", "s" * 40)  # without one, the API serves nothing
    settings.cache_clear()
    with Client(app.app, stage_name="no-such-stage") as client:  # a stage without .chalice's env vars
        response = client.http.get("/api/v1/payments/pay_x/refunds/" + "r" * 300)
    settings.cache_clear()
    assert response.status_code == 404
    assert json.loads(response.body) == {
        "error": {"code": "NOT_FOUND_ERROR", "description": "No such resource", "field": "refund_id"}
    }


def test_an_overlong_api_key_is_refused_before_any_lookup(monkeypatch):
    from chalicelib.domain.errors import AuthenticationFailed
    from chalicelib.services import merchants
    from chalicelib.store import merchants as store

    monkeypatch.setattr(store, "by_api_key", _must_not_be_called)
    with pytest.raises(AuthenticationFailed):
        merchants.authenticate("key_" + "k" * 3000, "secret")
    with pytest.raises(AuthenticationFailed):
        merchants.by_public_key("key_" + "k" * 3000)
