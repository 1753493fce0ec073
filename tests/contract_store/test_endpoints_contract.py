"""Webhook endpoints in both Stores: the limit, each change's condition, the audit entry and the
disable event in the same write, and the races those conditions exist for."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from chalicelib.domain.chaos import Chaos
from chalicelib.domain.endpoints import MAX_ENDPOINTS, Endpoint, default_endpoint_id
from chalicelib.store.interface import Store
from chalicelib.store.records import EndpointRotation, Merchant, PageRequest

from .test_store_contract import at, audit_entry, event, merchant_id, uid


def shop(store: Store, url: str | None = "https://example.test/default", sealed: str = "sealed-0") -> Merchant:
    mid = merchant_id()
    merchant = Merchant(mid, "Shop", f"{mid}@example.test", "key_" + mid, "digest", "sealed", at(0))
    assert store.merchants.create_if_absent(replace(merchant, webhook_url=url, webhook_secret_sealed=sealed))
    found = store.merchants.get(mid)
    assert found is not None
    return found


def endpoint(n: int = 1, **changes: object) -> Endpoint:
    base = Endpoint(uid("we"), f"https://example.test/{n}", f"sealed-{n}", at(n), events=("payment.success",))
    return replace(base, **changes)  # type: ignore[arg-type]


def change(merchant: str) -> object:
    return audit_entry(merchant, merchant, action="webhook.update", entity_type="merchant")


def only(store: Store, merchant: str, endpoint_id: str) -> Endpoint:
    found = store.merchants.get(merchant)
    assert found is not None
    return next(e for e in found.webhook_endpoints if e.id == endpoint_id)


def test_the_default_endpoint_is_in_every_read_with_the_legacy_views(store: Store) -> None:
    merchant = shop(store)
    default = Endpoint(default_endpoint_id(merchant.id), "https://example.test/default", "sealed-0", at(0))
    assert merchant.webhook_endpoints == (default,)
    assert (merchant.webhook_url, merchant.webhook_events, merchant.webhook_secret_sealed) == (
        "https://example.test/default",
        None,
        "sealed-0",
    )
    assert store.merchants.by_api_key(merchant.api_key) == merchant
    assert store.merchants.get_many({merchant.id}) == {merchant.id: merchant}
    assert store.merchants.set_webhook(merchant.id, "https://example.test/b", ["refund.created"], change(merchant.id))
    moved = store.merchants.get(merchant.id)
    assert moved is not None and moved.webhook_url == "https://example.test/b"
    assert moved.webhook_events == ("refund.created",) and moved.webhook_endpoints[0].secret_sealed == "sealed-0"


def test_up_to_ten_endpoints_each_added_once_with_its_audit_entry(store: Store) -> None:
    merchant = shop(store)
    added = [endpoint(n) for n in range(1, MAX_ENDPOINTS)]
    for item in added:
        assert store.endpoints.add(merchant.id, item, change(merchant.id)) is True
    assert store.endpoints.add(merchant.id, endpoint(11), change(merchant.id)) is False  # the 11th
    again = change(merchant.id)
    assert store.endpoints.delete(merchant.id, added[0].id, again) is True
    assert store.endpoints.add(merchant.id, added[1], change(merchant.id)) is False  # the id is taken
    assert store.endpoints.add(merchant.id, endpoint(12), again) is False  # a retried entry: nothing written
    found = store.merchants.get(merchant.id)
    assert found is not None and len(found.webhook_endpoints) == MAX_ENDPOINTS - 1
    assert found.webhook_endpoints[1:] == tuple(added[1:])  # oldest first, read back equal
    assert store.audit.list_for_merchant(merchant.id, PageRequest(20)).total == MAX_ENDPOINTS
    assert store.endpoints.add(merchant_id(), endpoint(), change(merchant.id)) is False  # no such merchant


def test_of_two_adds_racing_for_the_last_place_one_wins(store: Store) -> None:
    merchant = shop(store)
    for n in range(1, MAX_ENDPOINTS - 1):
        assert store.endpoints.add(merchant.id, endpoint(n), change(merchant.id))
    results: list[bool] = []
    start = threading.Barrier(2)

    def add(n: int) -> None:
        start.wait()
        results.append(store.endpoints.add(merchant.id, endpoint(n), change(merchant.id)))

    threads = [threading.Thread(target=add, args=(n,)) for n in (20, 21)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    found = store.merchants.get(merchant.id)
    assert found is not None and len(found.webhook_endpoints) == MAX_ENDPOINTS


def test_a_rotation_holds_only_on_the_secret_it_read(store: Store) -> None:
    merchant = shop(store)
    default = merchant.webhook_endpoints[0].id
    first = EndpointRotation("sealed-0", "sealed-new", at(50), at(10))
    assert store.endpoints.rotate_secret(merchant.id, default, first, change(merchant.id)) is True
    rival = EndpointRotation("sealed-0", "sealed-rival", at(50), at(10))
    assert store.endpoints.rotate_secret(merchant.id, default, rival, change(merchant.id)) is False
    rotated = only(store, merchant.id, default)
    assert (rotated.secret_sealed, rotated.previous_secret_sealed) == ("sealed-new", "sealed-0")
    assert rotated.previous_secret_expires_at == at(50) and rotated.secret_rotated_at == at(10)
    assert rotated.secret_promoted is False
    assert store.endpoints.promote_secret(merchant.id, default, at(11), change(merchant.id)) is True
    assert only(store, merchant.id, default).secret_promoted is True
    assert store.endpoints.promote_secret(merchant.id, uid("we"), at(11), change(merchant.id)) is False


def test_updates_change_named_fields_and_re_enabling_clears_the_failure(store: Store) -> None:
    merchant = shop(store)
    item = endpoint()
    store.endpoints.add(merchant.id, item, change(merchant.id))
    written = store.endpoints.update(
        merchant.id, item.id, {"url": "https://example.test/x", "events": None, "description": "d"}, at(5), None
    )
    assert written == replace(item, url="https://example.test/x", events=None, description="d", updated_at=at(5))
    assert only(store, merchant.id, item.id) == written
    off = store.endpoints.update(merchant.id, item.id, {"enabled": False}, at(6), change(merchant.id))
    assert off is not None and (off.enabled, off.disabled_reason, off.disabled_at) == (
        False,
        "disabled_by_merchant",
        at(6),
    )
    on = store.endpoints.update(merchant.id, item.id, {"enabled": True}, at(7), change(merchant.id))
    assert on is not None and on.enabled and on.disabled_reason is None and on.disabled_at == at(6)
    assert store.endpoints.update(merchant.id, uid("we"), {"description": "x"}, at(8), None) is None
    with pytest.raises(ValueError):
        store.endpoints.update(merchant.id, item.id, {"secret_sealed": "stolen"}, at(8), None)


def test_failing_since_is_set_once_and_cleared_once(store: Store) -> None:
    merchant = shop(store)
    default = merchant.webhook_endpoints[0].id
    assert store.endpoints.clear_failing_since(merchant.id, default) is False
    assert store.endpoints.set_failing_since(merchant.id, default, at(1)) is True
    assert store.endpoints.set_failing_since(merchant.id, default, at(2)) is False
    assert only(store, merchant.id, default).failing_since == at(1)  # the first failure stays
    assert store.endpoints.clear_failing_since(merchant.id, default) is True
    assert store.endpoints.clear_failing_since(merchant.id, default) is False
    assert only(store, merchant.id, default).failing_since is None


def test_a_disable_happens_once_with_its_event_or_not_at_all(store: Store) -> None:
    merchant = shop(store)
    default = merchant.webhook_endpoints[0].id
    announced = event(merchant.id, default, event="endpoint.disabled")
    assert store.deliveries.create(taken := event(merchant.id, default))
    # The event exists already (a retried disable whose first try wrote): nothing is written.
    assert store.endpoints.disable(merchant.id, default, "gone", at(3), taken) is False
    assert only(store, merchant.id, default).enabled is True
    assert store.endpoints.disable(merchant.id, default, "gone", at(3), announced) is True
    assert store.deliveries.get(announced.id) == announced
    second = event(merchant.id, default, event="endpoint.disabled")
    assert store.endpoints.disable(merchant.id, default, "failing", at(4), second) is False  # disabled already
    assert store.deliveries.get(second.id) is None
    off = only(store, merchant.id, default)
    assert (off.enabled, off.disabled_reason, off.disabled_at) == (False, "gone", at(3))
    assert store.endpoints.disable(merchant.id, uid("we"), "gone", at(3), None) is False


def test_concurrent_changes_of_one_endpoint_keep_each_other(store: Store) -> None:
    """The engine's failing_since and a merchant's rotations and edits, at once: none is lost."""
    merchant = shop(store)
    default = merchant.webhook_endpoints[0].id
    start = threading.Barrier(3)

    def engine() -> None:
        start.wait()
        store.endpoints.set_failing_since(merchant.id, default, at(1))

    def rotation() -> None:
        start.wait()
        store.endpoints.rotate_secret(
            merchant.id, default, EndpointRotation("sealed-0", "sealed-9", at(50), at(2)), change(merchant.id)
        )

    def edit() -> None:
        start.wait()
        store.endpoints.update(merchant.id, default, {"description": "kept"}, at(3), change(merchant.id))

    threads = [threading.Thread(target=work) for work in (engine, rotation, edit)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = only(store, merchant.id, default)
    assert (final.failing_since, final.secret_sealed, final.description) == (at(1), "sealed-9", "kept")


def test_an_endpoint_created_with_the_merchant_changes_like_any_other(store: Store) -> None:
    """The item's creation stores the map as its changes compare it (a filter, a flag, a text)."""
    mid = merchant_id()
    default = Endpoint(
        default_endpoint_id(mid), "https://example.test/d", "sealed-0", at(0), events=("payment.success",)
    )
    merchant = Merchant(mid, "Shop", f"{mid}@example.test", "key_" + mid, "digest", "sealed", at(0))
    assert store.merchants.create_if_absent(replace(merchant, webhook_endpoints=(default,)))
    assert store.endpoints.set_failing_since(mid, default.id, at(1)) is True
    assert only(store, mid, default.id) == replace(default, failing_since=at(1))


def test_chaos_settings_are_kept_changed_and_cleared_with_the_endpoint(store: Store) -> None:
    """Added with chaos, set, changed by a later write of another field, and cleared: what is read
    back is what was written, in both stores (DynamoDB keeps it as one string in the map)."""
    merchant = shop(store)
    rates = Chaos(duplicate=0.25, reorder=1.0, delay=0.0, crash=0.5, delay_seconds=7)
    item = endpoint(chaos=rates)
    assert store.endpoints.add(merchant.id, item, change(merchant.id))
    assert only(store, merchant.id, item.id).chaos == rates
    assert store.endpoints.set_failing_since(merchant.id, item.id, at(3)) is True  # a whole-map condition
    other = Chaos(duplicate=1.0)
    written = store.endpoints.update(merchant.id, item.id, {"chaos": other}, at(4), None)
    assert written is not None and only(store, merchant.id, item.id) == written and written.chaos == other
    cleared = store.endpoints.update(merchant.id, item.id, {"chaos": None}, at(5), None)
    assert cleared is not None and only(store, merchant.id, item.id).chaos is None
    assert only(store, merchant.id, item.id).failing_since == at(3)
