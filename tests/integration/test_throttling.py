"""Throttling over HTTP, on one stage with small budgets: the local API server gives each request
its connection's address as API Gateway's sourceIp, so clients bound to other loopback addresses
(127.0.0.x) are other callers. Each test uses addresses of its own: the stage's per-address
counters last the whole (15-minute) window."""

from __future__ import annotations

import subprocess

import pytest
import requests
from requests.adapters import HTTPAdapter

from infra.local.processes import spawn, stop, wait_for_http
from tests.support.api import UPI_SUCCESS, Api
from tests.support.ports import free_port
from tests.support.waiting import time_left_in_window

ACCOUNT_IP, IP = 5, 8
LOGIN_WINDOW, PUBLIC_WINDOW = 15 * 60, 60  # seconds; the defaults, set on the stage all the same
# A test's counting must end in the window it began in; this is far more than any test takes.
NEEDED_SECONDS = 20
WRITES_PER_IP, WRITES_PER_KEY, READS_PER_IP = 3, 5, 4
LOGIN = "/api/v1/dashboard/login"


class FromAddress(HTTPAdapter):
    """Connects from one local address, as a caller at that address would."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def caller(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session


@pytest.fixture(scope="module")
def stack(make_module_gateway):
    return make_module_gateway(
        THROTTLE_LOGIN_FAILURES_PER_ACCOUNT_IP=str(ACCOUNT_IP),
        THROTTLE_LOGIN_FAILURES_PER_IP=str(IP),
        THROTTLE_PUBLIC_WRITES_PER_IP=str(WRITES_PER_IP),
        THROTTLE_PUBLIC_WRITES_PER_KEY=str(WRITES_PER_KEY),
        THROTTLE_PUBLIC_READS_PER_IP=str(READS_PER_IP),
        THROTTLE_LOGIN_WINDOW_SECONDS=str(LOGIN_WINDOW),
        THROTTLE_PUBLIC_WINDOW_SECONDS=str(PUBLIC_WINDOW),
    )


def attempts(session: requests.Session, base: str, email: str, password: str, times: int, **kwargs) -> list:
    return [session.post(base + LOGIN, json={"email": email, "password": password}, **kwargs) for _ in range(times)]


def assert_throttled(response: requests.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"]["code"] == "TOO_MANY_REQUESTS" and response.json()["error"]["description"]
    assert set(response.json()) == {"error"}
    assert 1 <= int(response.headers["Retry-After"]) <= LOGIN_WINDOW


def test_forty_wrong_passwords_get_429_with_retry_after_after_the_budget(stack):
    time_left_in_window(LOGIN_WINDOW, NEEDED_SECONDS)
    merchant = stack.new_merchant()
    answers = attempts(caller("127.0.0.11"), stack.api_url, merchant.email, "wrong", 40)
    assert [a.status_code for a in answers] == [401] * ACCOUNT_IP + [429] * (40 - ACCOUNT_IP)
    for answer in answers[ACCOUNT_IP:]:
        assert_throttled(answer)
    # The right password from that address is not even checked.
    assert_throttled(attempts(caller("127.0.0.11"), stack.api_url, merchant.email, merchant.password, 1)[0])


def test_the_owner_logs_in_from_another_address(stack):
    time_left_in_window(LOGIN_WINDOW, NEEDED_SECONDS)
    merchant = stack.new_merchant()
    attempts(caller("127.0.0.12"), stack.api_url, merchant.email, "wrong", ACCOUNT_IP + 3)
    [locked] = attempts(caller("127.0.0.12"), stack.api_url, merchant.email, merchant.password, 1)
    assert_throttled(locked)
    [owner] = attempts(caller("127.0.0.13"), stack.api_url, merchant.email, merchant.password, 1)
    assert owner.status_code == 200 and owner.json()["merchant"]["id"] == merchant.id


FORGED = ("X-Forwarded-For", "X-Real-IP", "Forwarded", "True-Client-IP", "CF-Connecting-IP")


def test_a_forged_forwarded_for_gains_nothing(stack):
    time_left_in_window(LOGIN_WINDOW, NEEDED_SECONDS)
    merchant = stack.new_merchant()
    session = caller("127.0.0.14")
    statuses = []
    for n in range(ACCOUNT_IP + 4):  # a new claimed address for every attempt
        claimed = f"198.51.100.{n + 1}"
        headers = {name: claimed if name != "Forwarded" else f"for={claimed}" for name in FORGED}
        statuses += [a.status_code for a in attempts(session, stack.api_url, merchant.email, "x", 1, headers=headers)]
    assert statuses == [401] * ACCOUNT_IP + [429] * 4
    # And claiming to be the owner's address does not borrow the owner's budget.
    owner_address = "127.0.0.15"
    [claimed] = attempts(
        session, stack.api_url, merchant.email, merchant.password, 1, headers={"X-Forwarded-For": owner_address}
    )
    assert_throttled(claimed)
    assert attempts(caller(owner_address), stack.api_url, merchant.email, merchant.password, 1)[0].status_code == 200


def test_one_address_is_throttled_across_accounts(stack):
    time_left_in_window(LOGIN_WINDOW, NEEDED_SECONDS)
    merchants = [stack.new_merchant() for _ in range(3)]
    session = caller("127.0.0.16")
    statuses = [a.status_code for m in merchants for a in attempts(session, stack.api_url, m.email, "x", 3)]
    assert statuses == [401] * IP + [429]
    assert attempts(caller("127.0.0.17"), stack.api_url, merchants[2].email, "x", 1)[0].status_code == 401


def test_a_second_api_process_shares_the_counters(stack):
    """Two function instances: another API server process on the same stage and tables."""
    port = free_port()
    other = spawn("infra.local.api_server", {**stack.env, "API_PORT": str(port)}, log=subprocess.DEVNULL)
    try:
        assert wait_for_http(f"http://127.0.0.1:{port}/health", 30, other, accept=lambda status: status == 200)
        time_left_in_window(LOGIN_WINDOW, NEEDED_SECONDS)
        merchant = stack.new_merchant()
        session = caller("127.0.0.18")
        first = attempts(session, stack.api_url, merchant.email, "x", 3)
        second = attempts(session, f"http://127.0.0.1:{port}", merchant.email, "x", ACCOUNT_IP - 3)
        assert [a.status_code for a in first + second] == [401] * ACCOUNT_IP
        assert_throttled(attempts(session, stack.api_url, merchant.email, "x", 1)[0])
        assert_throttled(attempts(session, f"http://127.0.0.1:{port}", merchant.email, "x", 1)[0])
    finally:
        stop(other)


def pay_publicly(session: requests.Session, stack, api: Api) -> requests.Response:
    order = api.order(1000)
    body = {"order_id": order["id"], "key": api.merchant.api_key, **UPI_SUCCESS}
    return session.post(stack.api_url + "/api/v1/payments/public", json=body)


def test_public_payments_are_budgeted_per_address_and_per_key(stack):
    time_left_in_window(PUBLIC_WINDOW, NEEDED_SECONDS)
    api = Api(stack)
    first = caller("127.0.0.21")
    answers = [pay_publicly(first, stack, api) for _ in range(WRITES_PER_IP + 1)]
    assert [a.status_code for a in answers] == [201] * WRITES_PER_IP + [429]
    assert_throttled(answers[-1])
    assert int(answers[-1].headers["Retry-After"]) <= PUBLIC_WINDOW
    # Another address has its own budget, until the key's is spent (5 payments in all).
    second = caller("127.0.0.22")
    answers = [pay_publicly(second, stack, api) for _ in range(WRITES_PER_KEY - WRITES_PER_IP + 1)]
    assert [a.status_code for a in answers] == [201] * (WRITES_PER_KEY - WRITES_PER_IP) + [429]
    assert "key" in answers[-1].json()["error"]["description"]
    assert pay_publicly(caller("127.0.0.23"), stack, api).status_code == 429  # a fresh address: still the key's
    # Another merchant's key is untouched; the merchant's own authenticated API is never throttled here.
    assert pay_publicly(caller("127.0.0.23"), stack, Api(stack)).status_code == 201
    assert api.pay()["status"] == "pending"


def test_public_reads_have_their_own_budget_and_unknown_keys_spend_the_addresses(stack):
    time_left_in_window(PUBLIC_WINDOW, NEEDED_SECONDS)
    api = Api(stack)
    order = api.order(1000)
    session = caller("127.0.0.24")
    path = f"{stack.api_url}/api/v1/orders/{order['id']}/public"
    guesses = [session.get(path, params={"key": f"key_guess{n}"}).status_code for n in range(READS_PER_IP - 1)]
    assert guesses == [401] * (READS_PER_IP - 1)
    assert session.get(path, params={"key": api.merchant.api_key}).status_code == 200
    assert_throttled(session.get(path, params={"key": api.merchant.api_key}))
    assert caller("127.0.0.25").get(path, params={"key": api.merchant.api_key}).status_code == 200
