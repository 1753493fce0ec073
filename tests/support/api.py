"""Small helpers over the gateway's HTTP API, for tests."""

from __future__ import annotations

import requests

from .waiting import DEFAULT_DEADLINE_SECONDS, eventually

UPI_SUCCESS = {"method": "upi", "vpa": "success@test"}
UPI_FAILURE = {"method": "upi", "vpa": "failure@test"}
CARD_SUCCESS = {
    "method": "card",
    "card": {
        "number": "4111 1111 1111 1111",
        "expiry_month": 12,
        "expiry_year": 2031,
        "cvv": "123",
        "holder_name": "A Buyer",
    },
}
CARD_DECLINED = {
    "method": "card",
    "card": {"number": "4000000000000002", "expiry_month": "01", "expiry_year": "39", "cvv": "4321"},
}


class Api:
    """An authenticated keep-alive client for one merchant of one gateway stage."""

    def __init__(self, gateway, merchant=None):
        self.gateway = gateway
        self.merchant = merchant or gateway.new_merchant()
        self.http: requests.Session = gateway.session(self.merchant)
        self.base = gateway.api_url

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base + path, **kwargs)

    def post(self, path: str, body=None, **kwargs) -> requests.Response:
        return self.http.post(self.base + path, json=body, **kwargs)

    def put(self, path: str, body=None, **kwargs) -> requests.Response:
        return self.http.put(self.base + path, json=body, **kwargs)

    def order(self, amount: int = 50000, **fields) -> dict:
        response = self.post("/api/v1/orders", {"amount": amount, **fields})
        assert response.status_code == 201, response.text
        return response.json()

    def pay(self, instrument: dict = UPI_SUCCESS, order: dict | None = None, **kwargs) -> dict:
        order = order or self.order()
        response = self.post("/api/v1/payments", {"order_id": order["id"], **instrument}, **kwargs)
        assert response.status_code == 201, response.text
        return response.json()

    def payment(self, payment_id: str) -> dict:
        return self.get(f"/api/v1/payments/{payment_id}").json()

    def wait_final(self, payment_id: str, timeout: float = DEFAULT_DEADLINE_SECONDS) -> dict:
        return eventually(
            lambda: (p := self.payment(payment_id))["status"] != "pending" and p,
            timeout=timeout,
            message=f"{payment_id} to be final",
        )

    def paid(self, instrument: dict = UPI_SUCCESS, amount: int = 50000) -> dict:
        """A payment that has succeeded."""
        payment = self.wait_final(self.pay(instrument, self.order(amount))["id"])
        assert payment["status"] == "success", payment
        return payment

    def deliveries(self, **params) -> list[dict]:
        return self.get("/api/v1/webhooks", params={"limit": 100, **params}).json()["data"]

    def set_webhook(self, url: str | None, events: list[str] | None = None) -> dict:
        body = {"url": url} if events is None else {"url": url, "events": events}
        response = self.put("/api/v1/merchant/webhook", body)
        assert response.status_code == 200, response.text
        return response.json()


def preflight_allows(api_url: str, origin: str, path: str, method: str, header: str) -> bool:
    """Whether the API's CORS preflight lets a page on `origin` send `method` to `path` with `header`."""
    answer = requests.options(
        f"{api_url}{path}",
        timeout=10,
        headers={"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": header},
    )
    allowed_headers = answer.headers.get("Access-Control-Allow-Headers", "").lower()
    return answer.headers.get("Access-Control-Allow-Origin") in (origin, "*") and header in allowed_headers
