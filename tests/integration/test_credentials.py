"""Credentials over HTTP: rotating the API secret (with its overlap), revealing it from a dashboard
session only with the password, and logging out everywhere."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from tests.support.stack import Merchant


def url(gateway, path):
    return gateway.api_url + path


def calls_api(gateway, api_key, secret):
    return requests.get(url(gateway, "/api/v1/orders"), auth=(api_key, secret)).status_code


def login(gateway, merchant: Merchant) -> dict[str, str]:
    answer = requests.post(
        url(gateway, "/api/v1/dashboard/login"), json={"email": merchant.email, "password": merchant.password}
    )
    assert answer.status_code == 200
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def rotate(gateway, auth=None, headers=None, body=None):
    return requests.post(
        url(gateway, "/api/v1/merchant/credentials/rotate"), auth=auth, headers=headers, json=body or {}
    )


def test_rotation_gives_a_new_secret_once_that_works_at_once_while_the_old_one_overlaps(gateway):
    merchant = gateway.new_merchant()
    assert calls_api(gateway, merchant.api_key, merchant.api_secret) == 200  # the server caches the record
    answer = rotate(gateway, auth=merchant.auth)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    new = body["api_secret"]
    assert set(body) == {"api_key", "api_secret", "rotated_at", "previous_secret_expires_at"}
    assert body["api_key"] == merchant.api_key and new != merchant.api_secret
    assert merchant.api_secret not in answer.text
    assert calls_api(gateway, merchant.api_key, new) == 200
    assert calls_api(gateway, merchant.api_key, merchant.api_secret) == 200  # inside the 24 h overlap
    # The credentials show the new secret, to the new secret only; the old one never appears again.
    creds = requests.get(url(gateway, "/api/v1/merchant/credentials"), auth=(merchant.api_key, new))
    assert creds.status_code == 200 and creds.json()["api_secret"] == new
    assert merchant.api_secret not in creds.text
    old_reads = requests.get(url(gateway, "/api/v1/merchant/credentials"), auth=merchant.auth)
    assert old_reads.status_code == 401 and new not in old_reads.text
    assert rotate(gateway, auth=merchant.auth).status_code == 401  # the rotated-out secret cannot rotate


def test_the_old_secret_stops_when_the_overlap_ends(make_gateway):
    gateway = make_gateway(API_SECRET_OVERLAP_SECONDS="0")
    merchant = gateway.new_merchant()
    assert calls_api(gateway, merchant.api_key, merchant.api_secret) == 200
    new = rotate(gateway, auth=merchant.auth).json()["api_secret"]
    assert calls_api(gateway, merchant.api_key, merchant.api_secret) == 401
    assert calls_api(gateway, merchant.api_key, new) == 200


def test_one_merchant_cannot_rotate_anothers_secret(gateway):
    victim, other = gateway.new_merchant(), gateway.new_merchant()
    # The merchant is the caller: there is no id to name another by, and a path or body naming one is refused.
    assert rotate(gateway, auth=other.auth, body={"merchant_id": victim.id}).status_code == 400
    assert rotate(gateway, auth=other.auth).status_code == 200
    assert rotate(gateway, auth=(victim.api_key, other.api_secret)).status_code == 401
    victim_creds = requests.get(url(gateway, "/api/v1/merchant/credentials"), auth=victim.auth).json()
    assert victim_creds["api_secret"] == victim.api_secret
    assert calls_api(gateway, victim.api_key, victim.api_secret) == 200


def test_concurrent_rotations_leave_exactly_one_consistent_state(gateway):
    merchant = gateway.new_merchant()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: rotate(gateway, auth=merchant.auth), range(8)))
    statuses = sorted(answer.status_code for answer in answers)
    issued = [answer.json()["api_secret"] for answer in answers if answer.status_code == 200]
    # All eight carry the same secret: one write wins; the others' conditions fail (409) or, when
    # checked after the winner wrote, the rotated-out secret they carry is refused (401).
    assert len(issued) == 1, statuses
    assert set(statuses) <= {200, 401, 409}
    losers = [answer.json()["error"]["code"] for answer in answers if answer.status_code != 200]
    assert set(losers) <= {"CONFLICT_ERROR", "AUTHENTICATION_ERROR"}
    creds = requests.get(url(gateway, "/api/v1/merchant/credentials"), auth=(merchant.api_key, issued[0]))
    assert creds.status_code == 200 and creds.json()["api_secret"] == issued[0]
    assert calls_api(gateway, merchant.api_key, merchant.api_secret) == 200  # the one previous secret


def test_a_dashboard_session_reveals_the_secret_only_with_its_password(gateway):
    merchant = gateway.new_merchant()
    bearer = login(gateway, merchant)
    plain = requests.get(url(gateway, "/api/v1/merchant/credentials"), headers=bearer)
    assert plain.status_code == 200
    assert plain.json()["api_key"] == merchant.api_key and plain.json()["api_secret"] is None
    assert merchant.api_secret not in plain.text
    reveal = url(gateway, "/api/v1/merchant/credentials/reveal")
    wrong = requests.post(reveal, headers=bearer, json={"password": "not-it"})
    assert wrong.status_code == 400
    assert wrong.json()["error"] == {
        "code": "BAD_REQUEST_ERROR",
        "description": "Incorrect password",
        "field": "password",
    }
    assert merchant.api_secret not in wrong.text
    right = requests.post(reveal, headers=bearer, json={"password": merchant.password})
    assert right.status_code == 200 and right.json()["api_secret"] == merchant.api_secret
    # The session is still good after a wrong password: a typo does not log the merchant out.
    assert requests.get(url(gateway, "/api/v1/merchant"), headers=bearer).status_code == 200


def test_api_key_callers_still_read_the_secret_as_before(gateway):
    merchant = gateway.new_merchant()
    for auth in (
        {"auth": merchant.auth},
        {"headers": {"X-Api-Key": merchant.api_key, "X-Api-Secret": merchant.api_secret}},
    ):
        creds = requests.get(url(gateway, "/api/v1/merchant/credentials"), **auth)
        assert creds.status_code == 200 and creds.json()["api_secret"] == merchant.api_secret


def test_a_dashboard_session_rotates_only_with_its_password(gateway):
    merchant = gateway.new_merchant()
    bearer = login(gateway, merchant)
    assert rotate(gateway, headers=bearer).status_code == 400
    assert rotate(gateway, headers=bearer, body={"password": "wrong"}).json()["error"]["field"] == "password"
    assert calls_api(gateway, merchant.api_key, merchant.api_secret) == 200
    answer = rotate(gateway, headers=bearer, body={"password": merchant.password})
    assert answer.status_code == 200
    assert calls_api(gateway, merchant.api_key, answer.json()["api_secret"]) == 200


def test_logging_out_everywhere_revokes_every_session_and_a_new_login_works(gateway):
    merchant = gateway.new_merchant()
    first, second = login(gateway, merchant), login(gateway, merchant)
    profile = url(gateway, "/api/v1/merchant")
    assert requests.get(profile, headers=first).status_code == requests.get(profile, headers=second).status_code == 200
    answer = requests.post(url(gateway, "/api/v1/dashboard/logout-everywhere"), headers=first)
    assert answer.status_code == 200 and answer.json() == {"logged_out": True, "sessions_revoked": True}
    for bearer in (first, second):
        refused = requests.get(profile, headers=bearer)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "AUTHENTICATION_ERROR"
    third = login(gateway, merchant)
    assert requests.get(profile, headers=third).status_code == 200
    # The API key and secret are not sessions: they keep working.
    assert calls_api(gateway, merchant.api_key, merchant.api_secret) == 200


def test_logging_out_everywhere_leaves_other_merchants_signed_in(gateway):
    mine, theirs = gateway.new_merchant(), gateway.new_merchant()
    my_session, their_session = login(gateway, mine), login(gateway, theirs)
    assert requests.post(url(gateway, "/api/v1/dashboard/logout-everywhere"), headers=my_session).status_code == 200
    assert requests.get(url(gateway, "/api/v1/merchant"), headers=their_session).status_code == 200
