"""The receiver self-check on the in-memory Store: the example receiver's own verification passes
it, a receiver that takes every POST is caught case by case, and the check is bounded (throttled,
short-circuited when the valid event is refused, audited)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import vault
from chalicelib.domain import clock
from chalicelib.domain.endpoints import Endpoint
from chalicelib.domain.errors import BadRequest, NotFound, TooManyRequests
from chalicelib.services import audit, merchants, webhook_check
from chalicelib.services import webhook_endpoints as endpoints
from chalicelib.services.webhook_http import Observation
from chalicelib.store.records import PageRequest
from infra.local import receiver as example

from .conftest import ACTOR, Fakes

pytestmark = pytest.mark.usefixtures("sealing")

ALL_CASES = ["valid", "duplicate", "tampered_body", "wrong_signature", "no_signature", "stale_timestamp"]


class Verifying:
    """The example receiver's rules (infra/local/receiver.py): verify, then process each key once."""

    def __init__(self, secret: str) -> None:
        self.secrets = [secret]
        self.processed: list[str] = []
        self.posts = 0

    def __call__(self, url: str, body: bytes, headers: dict[str, str], timeout: float, block: bool) -> Observation:
        self.posts += 1
        assert timeout <= webhook_check.CASE_TIMEOUT_SECONDS
        try:
            key, _, _ = example.verify(body, headers, self.secrets)
        except ValueError as refused:
            return Observation(400, str(refused), None, 1)
        if key not in self.processed:
            self.processed.append(key)
        return Observation(200, "ok", None, 1)


class Naive:
    """Processes every POST it gets, signed or not."""

    def __init__(self, status: int | None = 200) -> None:
        self.status = status
        self.posts: list[dict[str, Any]] = []

    def __call__(self, url: str, body: bytes, headers: dict[str, str], timeout: float, block: bool) -> Observation:
        self.posts.append(headers)
        return Observation(self.status, None, None if self.status else "Connection refused", 1)


@pytest.fixture
def shop(fakes: Fakes) -> str:
    merchant, _, _ = merchants.create("Shop", "shop@example.test", None, webhook_url="https://example.test/default")
    return merchant.id


def by_case(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {line["case"]: line for line in report["results"]}


def test_a_verifying_receiver_passes_every_case(shop: str, monkeypatch: pytest.MonkeyPatch) -> None:
    created = endpoints.create(shop, "https://example.test/hooks", None, None, actor=ACTOR)
    receiver = Verifying(created["secret"])
    monkeypatch.setattr(webhook_check, "post", receiver)
    report = webhook_check.check(shop, created["id"], actor=ACTOR)
    assert report["endpoint_id"] == created["id"] and report["passed"] is True, report
    assert [line["case"] for line in report["results"]] == ALL_CASES
    lines = by_case(report)
    assert lines["valid"] == {
        "case": "valid",
        "expected": "accept",
        "status": 200,
        "accepted": True,
        "passed": True,
        "error": None,
    }
    assert lines["duplicate"]["accepted"] and all(lines[c]["status"] == 400 for c in ALL_CASES[2:])
    assert len(receiver.processed) == 1, "the duplicate carries the valid event's webhook-id"


def test_a_receiver_that_takes_every_post_is_caught(shop: str, monkeypatch: pytest.MonkeyPatch) -> None:
    created = endpoints.create(shop, "https://example.test/hooks", None, None, actor=ACTOR)
    monkeypatch.setattr(webhook_check, "post", Naive())
    report = webhook_check.check(shop, created["id"], actor=ACTOR)
    assert report["passed"] is False
    lines = by_case(report)
    assert lines["valid"]["passed"] and lines["duplicate"]["passed"]
    for case in ALL_CASES[2:]:
        assert lines[case] == {
            "case": case,
            "expected": "reject",
            "status": 200,
            "accepted": True,
            "passed": False,
            "error": None,
        }


def test_each_forgery_differs_from_the_valid_request_only_where_it_says(shop: str) -> None:
    created = endpoints.create(shop, "https://example.test/hooks", None, None, actor=ACTOR)
    endpoint = endpoints.find(merchants.require(shop), created["id"])
    keys = endpoints.signing_keys(endpoint)
    assert keys is not None
    requests = {r.case: r for r in webhook_check.requests_for(keys, shop, int(clock.now().timestamp()))}
    valid = requests["valid"]
    duplicate = requests["duplicate"]
    assert (duplicate.body, duplicate.headers) == (valid.body, valid.headers)
    assert requests["tampered_body"].body != valid.body
    assert set(requests["wrong_signature"].headers) == set(valid.headers)
    assert requests["wrong_signature"].headers["webhook-signature"] != valid.headers["webhook-signature"]
    assert set(requests["no_signature"].headers) == {"webhook-id", "webhook-timestamp"}
    stale = requests["stale_timestamp"]
    assert int(valid.headers["webhook-timestamp"]) - int(stale.headers["webhook-timestamp"]) == 600
    assert "X-Webhook-Signature" not in stale.headers, "the hex signature does not cover the time"
    ids = [r.headers["webhook-id"] for case, r in requests.items() if case != "duplicate"]
    assert len(set(ids)) == len(ids), "only the duplicate reuses a webhook-id"


def test_a_hex_only_secret_is_checked_without_the_stale_timestamp_case(
    shop: str, fakes: Fakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    hex_secret = "whsec_test_abc123"
    endpoint = Endpoint("we_hexonly00000001", "https://example.test/hex", vault.seal(hex_secret), clock.now_iso())
    assert fakes.store.endpoints.add(shop, endpoint, audit.entry(shop, ACTOR, "webhook_endpoint.create", "x", "x"))
    receiver = Verifying(hex_secret)
    monkeypatch.setattr(webhook_check, "post", receiver)
    report = webhook_check.check(shop, endpoint.id, actor=ACTOR)
    assert [line["case"] for line in report["results"]] == ALL_CASES[:-1]
    assert report["passed"] is True, report
    monkeypatch.setattr(webhook_check, "post", Naive())
    assert webhook_check.check(shop, endpoint.id, actor=ACTOR)["passed"] is False


@pytest.mark.parametrize("status", [500, None])
def test_the_forgeries_are_not_sent_when_the_valid_event_is_refused(
    shop: str, monkeypatch: pytest.MonkeyPatch, status: int | None
) -> None:
    created = endpoints.create(shop, "https://example.test/hooks", None, None, actor=ACTOR)
    receiver = Naive(status)
    monkeypatch.setattr(webhook_check, "post", receiver)
    report = webhook_check.check(shop, created["id"], actor=ACTOR)
    assert len(receiver.posts) == 1 and report["passed"] is False
    valid, *rest = report["results"]
    assert valid["status"] == status and not valid["accepted"] and not valid["passed"]
    assert all(line["status"] is None and not line["passed"] and "Not sent" in line["error"] for line in rest)


def test_checks_are_throttled_per_merchant_and_audited(
    shop: str, fakes: Fakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THROTTLE_ENDPOINT_CHECKS_PER_MINUTE", "2")
    from chalicelib.config import settings

    settings.cache_clear()
    created = endpoints.create(shop, "https://example.test/hooks?token=secret", None, None, actor=ACTOR)
    receiver = Naive()
    monkeypatch.setattr(webhook_check, "post", receiver)
    for _ in range(2):
        webhook_check.check(shop, created["id"], actor=ACTOR)
    sent = len(receiver.posts)
    with pytest.raises(TooManyRequests):
        webhook_check.check(shop, created["id"], actor=ACTOR)
    assert len(receiver.posts) == sent, "a throttled check sends nothing"
    entries = [e for e in audit_entries(fakes, shop) if e.action == "webhook_endpoint.check"]
    assert len(entries) == 2 and entries[0].entity_id == created["id"]
    assert "failed (tampered_body" in entries[0].summary and "token" not in entries[0].summary


def audit_entries(fakes: Fakes, merchant_id: str) -> list[Any]:
    return list(fakes.store.audit.list_for_merchant(merchant_id, PageRequest(100)).items)


def test_an_unknown_endpoint_or_one_without_secret_is_refused(
    shop: str, fakes: Fakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = Naive()
    monkeypatch.setattr(webhook_check, "post", receiver)
    with pytest.raises(NotFound):
        webhook_check.check(shop, "we_unknown00000001", actor=ACTOR)
    unsigned = Endpoint("we_unsigned0000001", "https://example.test/u", "", clock.now_iso())
    assert fakes.store.endpoints.add(shop, unsigned, audit.entry(shop, ACTOR, "webhook_endpoint.create", "y", "y"))
    with pytest.raises(BadRequest) as refused:
        webhook_check.check(shop, unsigned.id, actor=ACTOR)
    assert refused.value.field == "id" and not receiver.posts


def test_a_razorpay_format_endpoint_is_refused_rather_than_misreported(
    shop: str, fakes: Fakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = Naive()
    monkeypatch.setattr(webhook_check, "post", receiver)
    razorpay_side = endpoints.create(shop, "https://example.test/rzp", None, None, actor=ACTOR, format="razorpay")
    with pytest.raises(BadRequest) as refused:
        webhook_check.check(shop, razorpay_side["id"], actor=ACTOR)
    assert refused.value.field == "id" and "razorpay" in refused.value.description and not receiver.posts
