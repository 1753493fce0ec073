"""Orders over HTTP: creation, validation, reads, lists, idempotency."""

from __future__ import annotations

import re

import pytest
import requests

ORDERS = "/api/v1/orders"


@pytest.fixture
def client(gateway):
    merchant = gateway.new_merchant()
    session = gateway.session(merchant)
    session.base = gateway.api_url
    session.merchant = merchant
    return session


def post(client, body=None, data=None, headers=None):
    return client.post(client.base + ORDERS, json=body, data=data, headers=headers or {})


def test_create_returns_the_order(client):
    response = post(client, {"amount": 50000, "currency": "INR", "receipt": "r-1", "notes": {"sku": "A1"}})
    assert response.status_code == 201
    order = response.json()
    assert re.fullmatch(r"order_[A-Za-z0-9]{16}", order["id"])
    assert order == {
        "id": order["id"],
        "merchant_id": client.merchant.id,
        "amount": 50000,
        "currency": "INR",
        "receipt": "r-1",
        "notes": {"sku": "A1"},
        "status": "created",
        "created_at": order["created_at"],
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", order["created_at"])
    assert client.get(client.base + f"{ORDERS}/{order['id']}").json() == order


def test_defaults(client):
    order = post(client, {"amount": 100}).json()
    assert order["currency"] == "INR" and order["receipt"] is None and order["notes"] == {}


@pytest.mark.parametrize(
    "body,field,message",
    [
        ({}, "amount", "amount is required"),
        ({"amount": 99}, "amount", "amount must be at least 100"),
        ({"amount": "500"}, "amount", "amount must be an integer"),
        ({"amount": 500.5}, "amount", "amount must be an integer"),
        ({"amount": True}, "amount", "amount must be an integer"),
        ({"amount": None}, "amount", "amount must be an integer"),
        ({"amount": 10**13}, "amount", "amount must be at most"),
        ({"amount": 500, "currency": "XYZ"}, "currency", "Unsupported currency"),
        ({"amount": 500, "currency": "RUPEES"}, "currency", "at most 3 characters"),
        ({"amount": 500, "currency": 5}, "currency", "must be a string"),
        ({"amount": 500, "receipt": "r" * 41}, "receipt", "at most 40 characters"),
        ({"amount": 500, "notes": []}, "notes", "must be an object"),
        ({"amount": 500, "notes": {"k": 1}}, "notes.k", "must be a string"),
        ({"amount": 500, "notes": {"k": "v" * 257}}, "notes.k", "at most 256 characters"),
        ({"amount": 500, "notes": {f"k{n}": "v" for n in range(16)}}, "notes", "at most 15 items"),
        ({"amount": 500, "surprise": 1}, "surprise", "not a recognised field"),
        ({"amount": 500, "notes": {"k": "a\x00b"}}, "notes.k", "control characters (found U+0000 at position 1"),
        ({"amount": 500, "receipt": "r\x1b[31m"}, "receipt", "control characters (found U+001B"),
        ({"amount": 500, "receipt": "r\x7f"}, "receipt", "control characters (found U+007F"),
        ({"amount": 500, "receipt": "r\x85"}, "receipt", "control characters (found U+0085"),
        # The bad key is the bad input: the error names the object, never echoes the key.
        ({"amount": 500, "notes": {"k\x07": "v"}}, "notes", "a key of notes must not contain control characters"),
        ({"amount": 500, "notes": {"k" * 41: "v"}}, "notes", "a key of notes must be at most 40 characters"),
    ],
)
def test_invalid_fields_are_400_naming_the_field(client, body, field, message):
    response = post(client, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "BAD_REQUEST_ERROR" and error["field"] == field
    assert message in error["description"]


def test_line_breaks_and_tabs_in_notes_are_text_a_merchant_may_mean(client):
    response = post(client, {"amount": 500, "notes": {"address": "1 Main St\r\nFloor 2\tEast"}})
    assert response.status_code == 201, response.text
    assert response.json()["notes"] == {"address": "1 Main St\r\nFloor 2\tEast"}


@pytest.mark.parametrize(
    "data,message",
    [
        (b"{not json", "valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'"text"', "JSON object"),
        (b"null", "JSON object"),
        (b"", "JSON object"),
        (b'{"amount": 500, "receipt": "\\ud800"}', "valid JSON"),
        (b"\xff\xfe", "valid JSON"),
        (b'{"amount": 500, "receipt": "' + b"x" * 70000 + b'"}', "at most 65536 bytes"),
    ],
)
def test_malformed_bodies_are_400(client, data, message):
    response = post(client, data=data, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert message in response.json()["error"]["description"]


def test_currency_is_normalised_and_lowercase_accepted(client):
    assert post(client, {"amount": 500, "currency": "usd"}).json()["currency"] == "USD"


def test_missing_order_is_404(client):
    response = client.get(client.base + f"{ORDERS}/order_doesnotexist0000")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "NOT_FOUND_ERROR", "description": "Order not found", "field": "id"}}


def test_list_is_newest_first_with_the_envelope_and_pagination(client):
    created = [post(client, {"amount": 100 + n}).json()["id"] for n in range(5)]
    page = client.get(client.base + ORDERS, params={"limit": 2, "offset": 1}).json()
    assert page["total"] == 5 and page["limit"] == 2 and page["offset"] == 1
    assert [o["id"] for o in page["data"]] == list(reversed(created))[1:3]
    everything = client.get(client.base + ORDERS).json()
    assert [o["id"] for o in everything["data"]] == list(reversed(created))
    razorpay_names = client.get(client.base + ORDERS, params={"count": 1, "skip": 4}).json()
    assert [o["id"] for o in razorpay_names["data"]] == [created[0]]


@pytest.mark.parametrize(
    "params,field",
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 1001}, "offset"),
        ({"skip": 1001}, "offset"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "e30"}, "cursor"),  # "{}", well-formed base64 and JSON
        ({"cursor": "x" * 5000}, "cursor"),
    ],
)
def test_bad_pagination_is_400(client, params, field):
    response = client.get(client.base + ORDERS, params=params)
    assert response.status_code == 400 and response.json()["error"]["field"] == field


def test_a_cursor_walks_the_list_once_and_says_when_it_ends(client):
    created = [post(client, {"amount": 100 + n}).json()["id"] for n in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        page = client.get(client.base + ORDERS, params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        pages += 1
        assert page["total"] == 5 and page["offset"] == 0
        seen += [o["id"] for o in page["data"]]
        assert page["has_more"] == (page["next_cursor"] is not None)
        if not page["has_more"]:
            break
        cursor = page["next_cursor"]
    assert seen == list(reversed(created)) and pages == 3
    offset_page = client.get(client.base + ORDERS, params={"limit": 2, "offset": 2}).json()
    rest = client.get(client.base + ORDERS, params={"cursor": offset_page["next_cursor"]}).json()
    assert [o["id"] for o in rest["data"]] == list(reversed(created))[4:]


def test_a_cursor_with_an_offset_is_400(client):
    post(client, {"amount": 100})
    post(client, {"amount": 101})
    cursor = client.get(client.base + ORDERS, params={"limit": 1}).json()["next_cursor"]
    response = client.get(client.base + ORDERS, params={"cursor": cursor, "offset": 1})
    assert response.status_code == 400 and response.json()["error"]["field"] == "cursor"
    assert client.get(client.base + ORDERS, params={"cursor": cursor, "offset": 0}).status_code == 200


def test_another_merchants_cursor_is_400(client, gateway):
    post(client, {"amount": 100})
    post(client, {"amount": 101})
    cursor = client.get(client.base + ORDERS, params={"limit": 1}).json()["next_cursor"]
    other = gateway.session(gateway.new_merchant())
    response = other.get(gateway.api_url + ORDERS, params={"cursor": cursor})
    assert response.status_code == 400 and response.json()["error"]["field"] == "cursor"


def test_idempotency_key_replays_the_first_response(client):
    headers = {"Idempotency-Key": "order-key-1"}
    first = post(client, {"amount": 700}, headers=headers)
    second = post(client, {"amount": 700}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers.get("Idempotent-Replayed") == "true" and "Idempotent-Replayed" not in first.headers
    assert client.get(client.base + ORDERS).json()["total"] == 1
    reused = post(client, {"amount": 701}, headers=headers)
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_idempotency_keys_are_scoped_to_the_merchant(gateway, client):
    other = gateway.session(gateway.new_merchant())
    headers = {"Idempotency-Key": "shared-key"}
    mine = post(client, {"amount": 700}, headers=headers).json()
    theirs = other.post(gateway.api_url + ORDERS, json={"amount": 700}, headers=headers)
    assert theirs.status_code == 201 and theirs.json()["id"] != mine["id"]


def test_failed_requests_are_not_stored_under_their_key(client):
    headers = {"Idempotency-Key": "fix-and-retry"}
    assert post(client, {"amount": 1}, headers=headers).status_code == 400
    assert post(client, {"amount": 100}, headers=headers).status_code == 201


def test_idempotency_key_limits(client):
    assert post(client, {"amount": 100}, headers={"Idempotency-Key": "k" * 255}).status_code == 201
    too_long = post(client, {"amount": 100}, headers={"Idempotency-Key": "k" * 256})
    assert too_long.status_code == 400 and too_long.json()["error"]["field"] == "Idempotency-Key"


def test_cors_allows_the_dashboard_and_checkout_origins_only(gateway):
    for origin in (f"http://127.0.0.1:{gateway.dashboard_port}", f"http://localhost:{gateway.checkout_port}"):
        preflight = requests.options(
            gateway.api_url + ORDERS,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert preflight.status_code == 204
        assert preflight.headers["Access-Control-Allow-Origin"] == origin
        assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
        actual = requests.get(gateway.api_url + "/health", headers={"Origin": origin})
        assert actual.headers["Access-Control-Allow-Origin"] == origin
    evil = requests.options(
        gateway.api_url + ORDERS, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "Access-Control-Allow-Origin" not in evil.headers
