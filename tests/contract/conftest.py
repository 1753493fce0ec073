"""The live gateway as schemathesis sees it: its own /openapi.json, a fresh merchant's credentials,
and a few real records whose ids the generated requests may use, so that they reach past 404."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import pytest
import requests

from tests.support.waiting import eventually

CARD = {"number": "4111111111111111", "expiry_month": 12, "expiry_year": 2099, "cvv": "123"}
TEST_VPAS = ["success@test", "failure@test"]


@dataclass
class Known:
    """The contract merchant's key and login, and real records of it."""

    api_key: str
    email: str = ""
    password: str = ""
    orders: list[str] = field(default_factory=list)
    payments: list[str] = field(default_factory=list)
    refunds: list[str] = field(default_factory=list)
    deliveries: list[str] = field(default_factory=list)

    def for_path_parameter(self, path: str, name: str) -> list[str]:
        if name == "refund_id" or path.startswith("/api/v1/refunds/"):
            return self.refunds
        if path.startswith("/api/v1/orders/"):
            return self.orders
        if path.startswith("/api/v1/payments/"):
            return self.payments
        if path.startswith("/api/v1/webhooks/"):
            return self.deliveries
        return []


@pytest.fixture(scope="module")
def contract_gateway(make_module_gateway):
    """A stage of its own: fuzzing sets the merchant's webhook URL to arbitrary addresses, so once
    the records below exist its functions are stopped, and no webhook is ever sent anywhere."""
    stack = make_module_gateway(TEST_PROCESSING_DELAY="0")
    yield stack
    stack.close()


@pytest.fixture(scope="module")
def contract_merchant(contract_gateway):
    return contract_gateway.new_merchant(name="Contract Merchant")


@pytest.fixture(scope="module")
def known(contract_gateway, contract_merchant) -> Known:
    client = contract_gateway.session(contract_merchant)
    try:
        records = make_records(contract_gateway.api_url, client, contract_merchant.api_key)
        records.email, records.password = contract_merchant.email, contract_merchant.password
    finally:
        client.close()
    contract_gateway.stop_functions()
    return records


def make_records(base: str, client: requests.Session, api_key: str) -> Known:
    """Two orders (one paid by a successful payment that has a partial refund, one never paid), a
    pending payment, and the webhook deliveries those made."""

    def post(path: str, body: dict | None = None) -> dict:
        response = client.post(base + path, json=body)
        assert response.status_code in (201, 202), response.text
        return response.json()

    paid = post("/api/v1/orders", {"amount": 10**9, "receipt": "contract-paid"})
    unpaid = post("/api/v1/orders", {"amount": 5000, "currency": "USD", "notes": {"k": "v"}})
    succeeded = post("/api/v1/payments", {"order_id": paid["id"], "method": "upi", "vpa": "success@test"})
    pending = post("/api/v1/payments", {"order_id": unpaid["id"], "method": "card", "card": CARD})
    eventually(
        lambda: client.get(f"{base}/api/v1/payments/{succeeded['id']}").json()["status"] == "success",
        timeout=30,
        message="the contract payment to succeed",
    )
    refund = post(f"/api/v1/payments/{succeeded['id']}/refunds", {"amount": 1000, "reason": "contract"})
    test_event = post("/api/v1/merchant/webhook/test")
    deliveries = [item["id"] for item in client.get(base + "/api/v1/webhooks", params={"limit": 5}).json()["data"]]
    return Known(
        api_key=api_key,
        orders=[paid["id"], unpaid["id"]],
        payments=[succeeded["id"], pending["id"]],
        refunds=[refund["id"]],
        deliveries=list(dict.fromkeys([test_event["id"], *deliveries])),
    )


def _or(values: list, schema: dict) -> dict:
    return {"anyOf": [{"enum": values}, schema]}


def with_known_values(document: dict, known: Known) -> dict:
    """The served document, except that where a request names a record (a path's id, a payment's
    order_id), an instrument or a login, it may also name a real one: then a good share of the
    generated requests reach the code behind the lookup instead of stopping at 404, 401 or 400."""
    document = copy.deepcopy(document)
    for path, item in document["paths"].items():
        for operation in item.values():
            for parameter in operation.get("parameters", ()):
                ids = known.for_path_parameter(path, parameter["name"]) if parameter["in"] == "path" else []
                if ids:
                    parameter["schema"] = _or(ids, parameter["schema"])
                if parameter["in"] == "query" and parameter["name"] == "key":
                    parameter["schema"] = _or([known.api_key], parameter["schema"])
    schemas = document["components"]["schemas"]
    for name in ("CreatePayment", "CreatePublicPayment"):
        properties = schemas[name]["properties"]
        properties["order_id"] = _or(known.orders, properties["order_id"])
        properties["vpa"] = _or(TEST_VPAS, properties["vpa"])
        if "key" in properties:
            properties["key"] = _or([known.api_key], properties["key"])
    login = schemas["Login"]["properties"]
    login["email"] = _or([known.email], login["email"])
    login["password"] = _or([known.password], login["password"])
    return document
