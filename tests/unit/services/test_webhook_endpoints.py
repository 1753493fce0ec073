"""Webhook endpoints on the in-memory Store: the API's rules, secrets shown once, rotation with
overlap verified by real receivers' checks (standardwebhooks and the hex HMAC), on a controlled clock."""

from __future__ import annotations

import hashlib
import hmac
import time as wall
from datetime import timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from chalicelib import vault
from chalicelib.domain import clock
from chalicelib.domain.endpoints import MAX_ENDPOINTS, default_endpoint_id
from chalicelib.domain.errors import BadRequest, Conflict, NotFound
from chalicelib.domain.signing import signed_headers
from chalicelib.services import merchants
from chalicelib.services import webhook_endpoints as service
from chalicelib.store.records import PageRequest

from .conftest import ACTOR, START, Clock, Fakes, add_merchant

pytestmark = pytest.mark.usefixtures("sealing")

BODY = '{"event":"payment.success","timestamp":1772366400,"data":{}}'


@pytest.fixture
def shop(fakes: Fakes) -> str:
    merchant, _, _ = merchants.create("Shop", "shop@example.test", None, webhook_url="https://example.test/default")
    return merchant.id


def delivered(shop: str, endpoint_id: str, event: str = "payment.success") -> dict[str, str]:
    """The headers a delivery to that endpoint carries now (what the engine signs with)."""
    merchant = merchants.require(shop)
    found = {endpoint.id: keys for endpoint, keys in service.targets(merchant, event)}
    keys = found[endpoint_id]
    assert keys is not None
    return signed_headers(keys, "evt_1", int(wall.time()), BODY)


def standard_ok(secret: str, headers: dict[str, str]) -> bool:
    try:
        Webhook(secret).verify(BODY, headers)
    except WebhookVerificationError:
        return False
    return True


def hex_of(secret: str) -> str:
    return hmac.new(secret.encode(), BODY.encode(), hashlib.sha256).hexdigest()


def test_an_endpoint_is_created_with_its_secret_shown_once(time: Clock, shop: str, fakes: Fakes) -> None:
    time.advance(1)  # listed by creation time: not in the default endpoint's millisecond
    created = service.create(shop, "https://example.test/a", ["refund.created", "payment.success"], "Ops", actor=ACTOR)
    assert created["secret"].startswith("whsec_") and created["id"].startswith("we_")
    assert created["events"] == ["payment.success", "refund.created"]  # in the gateway's order
    listed = service.list_endpoints(shop)
    assert [item["id"] for item in listed["items"]] == [default_endpoint_id(shop), created["id"]]
    assert all("secret" not in item for item in listed["items"])
    assert "secret" not in service.get(shop, created["id"])
    stored = merchants.require(shop).webhook_endpoints[1]
    assert created["secret"] not in repr(stored) and vault.unseal(stored.secret_sealed) == created["secret"]
    entries = fakes.store.audit.list_for_merchant(shop, PageRequest(10)).items
    assert [(e.action, e.entity_id) for e in entries] == [("webhook_endpoint.create", created["id"])]
    assert created["secret"] not in repr(entries)


@pytest.mark.parametrize(
    ("url", "events", "field"),
    [
        (None, None, "url"),
        ("ftp://example.test/a", None, "url"),
        ("https://example.test/a", [], "events"),
        ("https://example.test/a", ["payment.nope"], "events"),
    ],
)
def test_bad_endpoints_are_400s(shop: str, url: str | None, events: list[str] | None, field: str) -> None:
    with pytest.raises(BadRequest) as refused:
        service.create(shop, url, events, None, actor=ACTOR)
    assert refused.value.field == field


def test_endpoint_disabled_is_subscribable_and_the_eleventh_endpoint_a_400(shop: str) -> None:
    only = service.create(shop, "https://example.test/ops", ["endpoint.disabled"], None, actor=ACTOR)
    assert only["events"] == ["endpoint.disabled"]
    for n in range(MAX_ENDPOINTS - 2):
        service.create(shop, f"https://example.test/{n}", None, None, actor=ACTOR)
    with pytest.raises(BadRequest, match="at most 10"):
        service.create(shop, "https://example.test/eleventh", None, None, actor=ACTOR)
    assert service.list_endpoints(shop)["count"] == MAX_ENDPOINTS


def test_another_merchants_endpoint_is_not_found(shop: str, fakes: Fakes) -> None:
    other = add_merchant(fakes, "m2")
    theirs = service.create(other.id, "https://example.test/theirs", None, None, actor=ACTOR)["id"]
    for attempt in (
        lambda: service.get(shop, theirs),
        lambda: service.update(shop, theirs, {"description": "x"}, actor=ACTOR),
        lambda: service.delete(shop, theirs, actor=ACTOR),
        lambda: service.rotate(shop, theirs, actor=ACTOR),
        lambda: service.promote(shop, theirs, actor=ACTOR),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert service.get(other.id, theirs)["description"] == ""


def test_re_enabling_clears_the_failure_and_answers_missed_since(shop: str, fakes: Fakes, time: Clock) -> None:
    made = service.create(shop, "https://example.test/a", None, None, actor=ACTOR)["id"]
    fakes.store.endpoints.set_failing_since(shop, made, clock.now_iso())
    time.advance(60)
    stopped_at = clock.now_iso()
    assert fakes.store.endpoints.disable(shop, made, "failing", stopped_at, None)
    shown = service.get(shop, made)
    assert (shown["enabled"], shown["disabled_reason"], shown["disabled_at"]) == (False, "failing", stopped_at)
    assert service.targets(merchants.require(shop), "payment.success")[-1][0].id != made  # not delivered to
    time.advance(60)
    back = service.update(shop, made, {"enabled": True}, actor=ACTOR)
    assert back["missed_since"] == stopped_at and back["enabled"] is True
    assert back["disabled_reason"] is None and back["failing_since"] is None
    again = service.update(shop, made, {"enabled": True}, actor=ACTOR)
    assert "missed_since" not in again  # it was enabled already: nothing was missed
    off = service.update(shop, made, {"enabled": False}, actor=ACTOR)
    assert off["disabled_reason"] == "disabled_by_merchant"


def test_patch_changes_only_what_is_sent(shop: str) -> None:
    made = service.create(shop, "https://example.test/a", ["payment.success"], "keep", actor=ACTOR)["id"]
    changed = service.update(shop, made, {"events": None}, actor=ACTOR)
    assert changed["events"] is None and changed["description"] == "keep" and changed["url"] == "https://example.test/a"
    with pytest.raises(BadRequest):
        service.update(shop, made, {"url": None}, actor=ACTOR)
    with pytest.raises(BadRequest):
        service.update(shop, made, {"enabled": "yes"}, actor=ACTOR)


def test_the_default_endpoint_cannot_be_deleted_others_can(shop: str) -> None:
    with pytest.raises(Conflict):
        service.delete(shop, default_endpoint_id(shop), actor=ACTOR)
    made = service.create(shop, "https://example.test/a", None, None, actor=ACTOR)["id"]
    assert service.delete(shop, made, actor=ACTOR)["deleted"] is True
    with pytest.raises(NotFound):
        service.get(shop, made)


def test_filters_decide_the_targets(time: Clock, shop: str) -> None:
    time.advance(1)  # listed by creation time, then random id: not in the default endpoint's millisecond
    payments_only = service.create(shop, "https://example.test/p", ["payment.success"], None, actor=ACTOR)["id"]
    refunds_only = service.create(shop, "https://example.test/r", ["refund.created"], None, actor=ACTOR)["id"]
    merchant = merchants.require(shop)
    assert [e.id for e, _ in service.targets(merchant, "payment.success")] == [default_endpoint_id(shop), payments_only]
    assert [e.id for e, _ in service.targets(merchant, "refund.created")] == [default_endpoint_id(shop), refunds_only]
    merchants.update_webhook(shop, None, None, actor=ACTOR)  # the default endpoint's URL cleared
    assert [e.id for e, _ in service.targets(merchants.require(shop), "refund.created")] == [refunds_only]


def test_rotation_signs_with_both_secrets_during_the_overlap_then_only_the_new(shop: str, time: Clock) -> None:
    created = service.create(shop, "https://example.test/a", None, None, actor=ACTOR)
    endpoint_id, old = created["id"], created["secret"]
    rotated = service.rotate(shop, endpoint_id, 3600, actor=ACTOR)
    new = rotated["secret"]
    assert new != old and rotated["previous_secret_expires_at"] == clock.iso(START + timedelta(hours=1))
    assert rotated["secret_promoted"] is False

    during = delivered(shop, endpoint_id)
    assert standard_ok(old, during) and standard_ok(new, during)  # either receiver verifies
    assert during["webhook-signature"].count("v1,") == 2
    # The hex header stays on the old secret until promoted; the new one's rides beside it.
    assert during["X-Webhook-Signature"] == hex_of(old) and during["X-Webhook-Signature-New"] == hex_of(new)

    promoted = service.promote(shop, endpoint_id, actor=ACTOR)
    assert promoted["secret_promoted"] is True
    after_promotion = delivered(shop, endpoint_id)
    assert after_promotion["X-Webhook-Signature"] == hex_of(new) and "X-Webhook-Signature-New" not in after_promotion
    assert standard_ok(old, after_promotion)  # the overlap still runs for Standard Webhooks receivers

    time.advance(3601)
    after = delivered(shop, endpoint_id)
    assert standard_ok(new, after) and not standard_ok(old, after)
    assert after["X-Webhook-Signature"] == hex_of(new) and "X-Webhook-Signature-New" not in after
    assert service.get(shop, endpoint_id)["previous_secret_expires_at"] is None


def test_an_unpromoted_overlap_ends_on_its_own(shop: str, time: Clock) -> None:
    created = service.create(shop, "https://example.test/a", None, None, actor=ACTOR)
    new = service.rotate(shop, created["id"], 60, actor=ACTOR)["secret"]
    assert delivered(shop, created["id"])["X-Webhook-Signature"] == hex_of(created["secret"])
    time.advance(61)
    ended = delivered(shop, created["id"])
    assert ended["X-Webhook-Signature"] == hex_of(new) and "X-Webhook-Signature-New" not in ended


def test_overlap_defaults_to_the_setting_and_is_bounded(shop: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.config import settings

    monkeypatch.setenv("WEBHOOK_SECRET_OVERLAP_SECONDS", "120")
    settings.cache_clear()
    made = service.create(shop, "https://example.test/a", None, None, actor=ACTOR)["id"]
    before = clock.now()
    ends = clock.parse_iso(service.rotate(shop, made, actor=ACTOR)["previous_secret_expires_at"])
    assert timedelta(seconds=119) <= ends - before <= timedelta(seconds=121)
    for bad in (-1, 7 * 24 * 3600 + 1):
        with pytest.raises(BadRequest):
            service.rotate(shop, made, bad, actor=ACTOR)


def test_a_rotation_that_lost_to_another_is_a_409(shop: str, monkeypatch: pytest.MonkeyPatch) -> None:
    made = service.create(shop, "https://example.test/a", None, None, actor=ACTOR)["id"]
    stale = merchants.require(shop)
    service.rotate(shop, made, actor=ACTOR)
    monkeypatch.setattr(service, "_merchant", lambda merchant_id: stale)  # it read before the other wrote
    with pytest.raises(Conflict):
        service.rotate(shop, made, actor=ACTOR)


def test_the_legacy_regenerate_rotates_the_default_endpoint(shop: str, time: Clock) -> None:
    old = merchants.credentials(shop, with_api_secret=False)["webhook_secret"]
    answer = merchants.regenerate_webhook_secret(shop, actor=ACTOR)
    assert answer["webhook_secret"] != old
    assert answer["previous_secret_expires_at"] == clock.iso(START + timedelta(hours=24))
    assert merchants.credentials(shop, with_api_secret=False)["webhook_secret"] == answer["webhook_secret"]
    during = delivered(shop, default_endpoint_id(shop))
    assert standard_ok(old, during) and standard_ok(answer["webhook_secret"], during)
    assert merchants.profile(shop)["webhook_secret_set"] is True
