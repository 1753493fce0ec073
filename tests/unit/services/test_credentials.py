"""API-secret rotation with its overlap, the dashboard's password step-up, and logging out
everywhere, on the in-memory Store with the clock under the test's control (no sleeps)."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from chalicelib import vault
from chalicelib.config import settings
from chalicelib.domain import clock
from chalicelib.domain.errors import AuthenticationFailed, BadRequest, Conflict
from chalicelib.services import audit, auth, merchants, sessions
from chalicelib.store import store
from chalicelib.store.records import Merchant, PageRequest

from .conftest import ACTOR, START, Clock, Fakes

pytestmark = pytest.mark.usefixtures("sealing")

PASSWORD = "correct horse battery staple"


@pytest.fixture
def merchant(fakes: Fakes) -> Iterator[tuple[Merchant, str]]:
    created, _, given = merchants.create("Shop", "shop@example.test", PASSWORD)
    assert given is not None
    yield created, given["api_secret"]


def basic(api_key: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{api_key}:{secret}".encode()).decode()}


def works(api_key: str, secret: str) -> bool:
    try:
        merchants.authenticate(api_key, secret)
    except AuthenticationFailed:
        return False
    return True


def test_old_secret_works_inside_the_overlap_and_stops_after_it(merchant, time) -> None:
    shop, old = merchant
    rotated = merchants.rotate_api_secret(shop.id, None, old, actor=ACTOR)
    new = rotated["api_secret"]
    assert new != old and new.startswith("secret_")
    assert works(shop.api_key, new)  # at once
    assert rotated["previous_secret_expires_at"] == clock.iso(START + timedelta(hours=24))
    time.advance(24 * 3600 - 1)
    assert works(shop.api_key, old)
    time.advance(1)
    assert not works(shop.api_key, old)
    assert works(shop.api_key, new)


def test_the_overlap_comes_from_API_SECRET_OVERLAP_SECONDS(merchant, time, monkeypatch) -> None:
    monkeypatch.setenv("API_SECRET_OVERLAP_SECONDS", "60")
    settings.cache_clear()
    shop, old = merchant
    merchants.rotate_api_secret(shop.id, None, old, actor=ACTOR)
    time.advance(59)
    assert works(shop.api_key, old)
    time.advance(1)
    assert not works(shop.api_key, old)


def test_a_new_secret_works_at_once_on_an_instance_whose_cache_predates_the_rotation(merchant, time) -> None:
    shop, old = merchant
    assert works(shop.api_key, old)  # this instance caches the record with the old secret
    stale = merchants._by_key[shop.api_key]
    new = merchants.rotate_api_secret(shop.id, None, old, actor=ACTOR)["api_secret"]
    merchants._by_key[shop.api_key] = stale  # as another instance's cache would still hold it
    assert works(shop.api_key, new)


def test_a_second_rotation_during_the_overlap_ends_the_oldest_secret_at_once(merchant, time) -> None:
    shop, first = merchant
    second = merchants.rotate_api_secret(shop.id, None, first, actor=ACTOR)["api_secret"]
    time.advance(3600)
    third = merchants.rotate_api_secret(shop.id, None, second, actor=ACTOR)
    assert not works(shop.api_key, first)
    assert works(shop.api_key, second) and works(shop.api_key, third["api_secret"])
    assert third["previous_secret_expires_at"] == clock.iso(START + timedelta(hours=25))


def test_the_old_secret_never_appears_again(merchant, time) -> None:
    shop, old = merchant
    rotated = merchants.rotate_api_secret(shop.id, None, old, actor=ACTOR)
    stored = merchants.require(shop.id)
    assert old not in repr(rotated) and old not in repr(merchants.credentials(shop.id))
    assert old not in repr(stored) and vault.seal(old) not in repr(stored)
    assert stored.previous_api_secret_digest == vault.digest(old)


def test_a_rotated_out_secret_can_call_the_api_but_not_read_or_rotate_credentials(merchant, time) -> None:
    shop, old = merchant
    new = merchants.rotate_api_secret(shop.id, None, old, actor=ACTOR)["api_secret"]
    assert auth.authenticate(basic(shop.api_key, old)).id == shop.id
    with pytest.raises(AuthenticationFailed):
        auth.require_current_secret_or_session(basic(shop.api_key, old))
    assert auth.require_current_secret_or_session(basic(shop.api_key, new)) == merchants.CURRENT
    assert auth.require_current_secret_or_session({"X-Api-Key": shop.api_key, "X-Api-Secret": new}) == merchants.CURRENT


def test_concurrent_rotations_with_one_secret_have_exactly_one_winner(merchant, time) -> None:
    shop, old = merchant
    barrier = threading.Barrier(8)
    outcomes: list[object] = []

    def rotate() -> None:
        barrier.wait()
        try:
            outcomes.append(merchants.rotate_api_secret(shop.id, None, old, actor=ACTOR)["api_secret"])
        except Conflict as error:
            outcomes.append(error)

    threads = [threading.Thread(target=rotate) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [o for o in outcomes if isinstance(o, str)]
    assert len(winners) == 1 and sum(isinstance(o, Conflict) for o in outcomes) == 7
    stored = merchants.require(shop.id)
    assert vault.unseal(stored.api_secret_sealed) == winners[0]
    assert stored.api_secret_digest == vault.digest(winners[0])
    assert stored.previous_api_secret_digest == vault.digest(old)
    assert works(shop.api_key, winners[0]) and works(shop.api_key, old)


def test_a_rotated_out_secret_cannot_rotate_even_past_the_authentication_check(merchant, time) -> None:
    """The check and the write are apart: the write itself holds only while the presented secret is current."""
    shop, old = merchant
    new = merchants.rotate_api_secret(shop.id, None, old, actor=ACTOR)["api_secret"]
    with pytest.raises(Conflict):
        merchants.rotate_api_secret(shop.id, None, old, actor=ACTOR)
    assert merchants.require(shop.id).api_secret_digest == vault.digest(new)


def test_rotations_that_read_the_same_secret_have_one_winner(merchant, time, fakes, monkeypatch) -> None:
    """Two dashboard rotations both read the merchant before either writes: the second is refused."""
    shop, old = merchant
    read = merchants.require(shop.id)
    monkeypatch.setattr(merchants, "require", lambda merchant_id: read)
    winner = merchants.rotate_api_secret(shop.id, PASSWORD, actor=ACTOR)["api_secret"]
    with pytest.raises(Conflict):
        merchants.rotate_api_secret(shop.id, PASSWORD, actor=ACTOR)
    stored = fakes.store.merchants.get(shop.id)
    assert stored is not None and stored.api_secret_digest == vault.digest(winner)
    assert stored.previous_api_secret_digest == vault.digest(old)


def test_a_session_reads_credentials_without_the_api_secret_and_reveals_it_with_the_password(merchant) -> None:
    shop, secret = merchant
    assert merchants.credentials(shop.id, with_api_secret=False)["api_secret"] is None
    with pytest.raises(BadRequest) as wrong:
        merchants.reveal(shop.id, "not the password")
    assert (wrong.value.description, wrong.value.field) == ("Incorrect password", "password")
    assert merchants.reveal(shop.id, PASSWORD)["api_secret"] == secret


def test_a_session_rotates_only_with_the_password(merchant, time) -> None:
    shop, old = merchant
    for password in ("", "wrong"):
        with pytest.raises(BadRequest):
            merchants.rotate_api_secret(shop.id, password, actor=ACTOR)
    assert works(shop.api_key, old) and merchants.require(shop.id).previous_api_secret_digest is None
    new = merchants.rotate_api_secret(shop.id, PASSWORD, actor=ACTOR)["api_secret"]
    assert works(shop.api_key, new)


def test_logging_out_everywhere_revokes_every_session_and_a_new_login_works(merchant) -> None:
    shop, _ = merchant
    first = sessions.login(shop.email, PASSWORD)["token"]
    second = sessions.login(shop.email, PASSWORD)["token"]
    assert sessions.authenticate(first).id == sessions.authenticate(second).id == shop.id
    sessions.logout_everywhere(sessions.authenticate(first), ACTOR)
    for token in (first, second):
        with pytest.raises(AuthenticationFailed):
            sessions.authenticate(token)
    again = sessions.login(shop.email, PASSWORD)["token"]
    assert sessions.authenticate(again).id == shop.id


def test_logging_out_everywhere_leaves_other_merchants_sessions(merchant) -> None:
    shop, _ = merchant
    merchants.create("Other", "other@example.test", PASSWORD)
    other = sessions.login("other@example.test", PASSWORD)["token"]
    mine = sessions.login(shop.email, PASSWORD)["token"]
    sessions.logout_everywhere(sessions.authenticate(mine), ACTOR)
    assert sessions.authenticate(other).email == "other@example.test"


def test_a_rotation_and_a_revocation_are_in_the_audit_log_and_a_lost_rotation_is_not(merchant, time: Clock) -> None:
    shop, old = merchant
    rotated = merchants.rotate_api_secret(shop.id, None, old, actor=ACTOR)
    with pytest.raises(Conflict):  # a rotation from the replaced secret writes nothing, no entry either
        merchants.rotate_api_secret(shop.id, None, old, actor=ACTOR)
    # A second later: entries of one millisecond have no order but their random ids' (flaky here).
    time.advance(1)
    sessions.logout_everywhere(shop, ACTOR)
    logged = [audit.render(e) for e in store().audit.list_for_merchant(shop.id, PageRequest(10)).items]
    assert [e["action"] for e in logged] == ["sessions.revoke", "credentials.rotate"]
    rotation = logged[1]
    assert rotation["actor"] == {"type": ACTOR.type, "id": ACTOR.id} and rotation["source_ip"] == ACTOR.source_ip
    assert rotated["previous_secret_expires_at"] in rotation["summary"]
    assert old not in str(logged) and rotated["api_secret"] not in str(logged)  # never a secret
