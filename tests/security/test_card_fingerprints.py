"""Card data never reaches a stored or derived value: the CVV is in no fingerprint, hash, key or
item; the card number only as its last four digits and network, or inside an HMAC-SHA256 keyed by
the stage's sealed secret. Everything here is read back from DynamoDB Local, as an attacker with
a copy of the tables would."""

from __future__ import annotations

import hashlib
import itertools
import json
import re

import pytest
import requests

from tests.support.api import Api
from tests.support.stack import Gateway

# Not a test card: its outcome follows TEST_PAYMENT_SUCCESS, and nothing about it is special-cased.
NUMBER = "4242424242424242"
HOLDER = "Card Holder"


def luhn_ok(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def with_middle(number: str, middle: str) -> str:
    """The card with its digits 7 and 8 replaced (the issuer prefix and last four unchanged)."""
    return number[:6] + middle + number[8:]


# The same card but for two middle digits, still a valid card number.
OTHER_NUMBER = next(n for m in (f"{i:02d}" for i in range(100)) if luhn_ok(n := with_middle(NUMBER, m)) and n != NUMBER)


def card(number: str = NUMBER, cvv: str = "123", month: int = 11, year: int = 2035) -> dict:
    return {"number": number, "expiry_month": month, "expiry_year": year, "cvv": cvv, "holder_name": HOLDER}


def _table_names(stage: str) -> list[str]:
    from chalicelib.aws import client

    paginator = client("dynamodb").get_paginator("list_tables")
    return [name for page in paginator.paginate() for name in page["TableNames"] if name.startswith(f"paygw-{stage}-")]


def _scan(table: str) -> list[dict]:
    from chalicelib.aws import client

    return [
        item for page in client("dynamodb").get_paginator("scan").paginate(TableName=table) for item in page["Items"]
    ]


def idempotency_records(stage: str) -> list[dict]:
    return _scan(f"paygw-{stage}-idempotency")


def record_answering(stage: str, entity_id: str) -> dict:
    """The idempotency record whose stored answer holds `entity_id`."""
    [found] = [item for item in idempotency_records(stage) if entity_id in item.get("data", {}).get("S", "")]
    return found


@pytest.fixture(scope="module")
def declining(make_module_gateway) -> Gateway:
    """Non-test cards fail at once: an order stays payable, so one order takes many payments."""
    return make_module_gateway(TEST_PAYMENT_SUCCESS="false")


def test_two_requests_differing_only_in_the_cvv_store_the_same_fingerprint(declining, aws):
    api = Api(declining)
    order = api.order()
    ids = []
    for key, cvv in (("cvv-a", "123"), ("cvv-b", "987")):
        body = {"order_id": order["id"], "method": "card", "card": card(cvv=cvv)}
        response = api.post("/api/v1/payments", body, headers={"Idempotency-Key": key})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    first, second = (record_answering(declining.stage, payment_id) for payment_id in ids)
    assert first["validation"] == second["validation"]
    # The same request with the other CVV and the first key is the same request: a replay.
    replay = api.post(
        "/api/v1/payments",
        {"order_id": order["id"], "method": "card", "card": card(cvv="555")},
        headers={"Idempotency-Key": "cvv-a"},
    )
    assert replay.status_code == 201 and replay.json()["id"] == ids[0], replay.text
    assert replay.headers.get("Idempotent-Replayed") == "true"


def test_fingerprints_and_record_keys_are_sha256(declining, aws):
    api = Api(declining)
    api.post("/api/v1/orders", {"amount": 500}, headers={"Idempotency-Key": "sha-check"})
    for item in idempotency_records(declining.stage):
        assert re.fullmatch(r"[0-9a-f]{64}", item["validation"]["S"]), item["validation"]
        assert re.fullmatch(r"api#[0-9a-f]{64}", item["id"]["S"]), item["id"]


def _fingerprint_candidates(order_id: str, middle: str, cvv: str, month: int, year: int, public_key: str | None):
    """What the attacker can recompute without the stage's secret: the request as the API sees
    it (card number, expiry, CVV), in the shapes an idempotency layer hashes."""
    number = with_middle(NUMBER, middle)
    full = {"number": number, "expiry_month": month, "expiry_year": year, "cvv": cvv, "holder_name": HOLDER}
    body = {"order_id": order_id, "method": "card", "vpa": None, "card": full}
    if public_key is not None:
        body["key"] = public_key
    no_cvv = {**body, "card": {k: v for k, v in full.items() if k != "cvv"}}
    for shape in (body, no_cvv):
        yield {"method": "POST", "path": "/api/v1/payments", "params": {}, "body": shape}
        yield shape


def test_the_stored_fingerprint_cannot_be_matched_by_hashing_candidate_bodies(declining, aws):
    """The attack of issue 14: everything but the CVV and two middle digits is known (path, order,
    holder, last four, network, expiry); try every candidate against the stored hash."""
    api = Api(declining)
    order = api.order()
    secret_cvv, secret_middle = "731", NUMBER[6:8]
    body = {"order_id": order["id"], "method": "card", "card": card(cvv=secret_cvv)}
    payment = api.post("/api/v1/payments", body, headers={"Idempotency-Key": "brute-force"}).json()
    stored = record_answering(declining.stage, payment["id"])["validation"]["S"]
    middles = [m for m in (f"{i:02d}" for i in range(100)) if luhn_ok(with_middle(NUMBER, m))]
    assert secret_middle in middles
    hashes = [hashlib.md5, hashlib.sha1, hashlib.sha256]
    tried = 0
    for middle, cvv in itertools.product(middles, (f"{i:03d}" for i in range(1000))):
        for candidate in _fingerprint_candidates(order["id"], middle, cvv, 11, 2035, None):
            encoded = json.dumps(candidate, sort_keys=True).encode()
            for hash_function in hashes:
                tried += 1
                assert hash_function(encoded).hexdigest() != stored, f"recovered: middle {middle}, cvv {cvv}"
    assert tried >= len(middles) * 1000 * 4 * len(hashes)


# --- Only keyed MACs change when only the card's middle digits change --------------------------

_TIMES = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"), "<time>"),
    (re.compile(r"(?<![\w.])\d{10,13}(\.\d+)?(?![\w.])"), "<epoch>"),
]


def _normalized(value: object) -> str:
    text = json.dumps(value, sort_keys=True)
    for pattern, placeholder in _TIMES:
        text = pattern.sub(placeholder, text)
    return text


def _snapshot(stage: str) -> dict[tuple[str, str], dict[str, str]]:
    """Every item of every table of the stage: (table, key) -> {attribute: normalized value}."""
    prefix = f"paygw-{stage}-"
    items: dict[tuple[str, str], dict[str, str]] = {}
    for table in _table_names(stage):
        for item in _scan(table):
            key = _normalized({name: item[name] for name in ("id", "key", "day") if name in item})
            items[(table[len(prefix) :], key)] = {name: _normalized(value) for name, value in item.items()}
    return items


def _changes(before: dict, after: dict) -> dict:
    return {key: attributes for key, attributes in after.items() if before.get(key) != attributes}


def _differences(one: dict, other: dict) -> set[tuple[str, str]]:
    """(table, attribute) pairs whose values differ between two stages' changes."""
    found = set()
    for key in one.keys() | other.keys():
        a, b = one.get(key, {}), other.get(key, {})
        if key not in one or key not in other:
            found.add((key[0], "<the whole item>"))
            continue
        found |= {(key[0], name) for name in a.keys() | b.keys() if a.get(name) != b.get(name)}
    return found


def _share_card_key(source: Gateway, target: Gateway) -> None:
    """Give `target` the sealed card MAC key of `source` (sealed with source's KMS key, which the
    shared KMS emulator opens for any stage), before target's API first needs it."""
    from chalicelib.aws import client

    dynamodb = client("dynamodb")
    names = _table_names(source.stage)
    if f"paygw-{source.stage}-keys" not in names:
        return  # no such secret on this code: nothing to share
    for item in _scan(f"paygw-{source.stage}-keys"):
        dynamodb.put_item(TableName=f"paygw-{target.stage}-keys", Item=item)


def test_changing_only_the_middle_digits_changes_nothing_stored_but_keyed_macs(make_gateway, aws):
    """Three stages run the same requests, their functions stopped so only the API writes: A with
    the card, B with the card's middle digits changed and A's MAC key, C with the card and its own
    key. Every attribute the middle digits change (A vs B) must change with the key alone (A vs C),
    so it is a keyed MAC: no stored value lets anyone test a candidate card without the key."""
    stages = {name: make_gateway(TEST_PROCESSING_DELAY="600000") for name in "ABC"}
    _share_card_key(stages["A"], stages["B"])
    numbers = {"A": NUMBER, "B": OTHER_NUMBER, "C": NUMBER}
    for stack in stages.values():
        stack.stop_functions()
    merchant = stages["A"].test_merchant
    steps = [
        ("POST", "/api/v1/orders", {"amount": 7000}, "order-1", None),
        ("POST", "/api/v1/payments", {"order_id": "{order}", "method": "card", "card": "{card}"}, "pay-1", None),
        ("POST", "/api/v1/payments", {"order_id": "{order}", "method": "card", "card": "{card}"}, "pay-1", None),
        ("POST", "/api/v1/payments", {"order_id": "{order}", "method": "card", "card": "{card/cvv}"}, "pay-2", None),
        ("POST", "/api/v1/payments/public", {"order_id": "{order}", "method": "card", "card": "{card}"}, "pub-1", "pk"),
    ]
    snapshots = {name: _snapshot(stack.stage) for name, stack in stages.items()}
    order_id: dict[str, str] = {}
    for method, path, template, key, public in steps:
        changes = {}
        for name, stack in stages.items():
            body = dict(template)
            if body.get("order_id") == "{order}":
                body["order_id"] = order_id[name]
            if body.get("card") == "{card}":
                body["card"] = card(numbers[name])
            elif body.get("card") == "{card/cvv}":
                body["card"] = card(numbers[name], cvv="4444")
            if public:
                body["key"] = merchant.api_key
                response = requests.request(
                    method, stack.api_url + path, json=body, headers={"Idempotency-Key": key}, timeout=60
                )
            else:
                response = requests.request(
                    method,
                    stack.api_url + path,
                    json=body,
                    auth=merchant.auth,
                    headers={"Idempotency-Key": key},
                    timeout=60,
                )
            assert response.status_code in (200, 201), response.text
            if path == "/api/v1/orders":
                order_id[name] = response.json()["id"]
            after = _snapshot(stack.stage)
            changes[name] = _changes(snapshots[name], after)
            snapshots[name] = after
        assert changes["A"] or key == "pay-1", f"{path} ({key}): the request changed nothing stored"
        by_card = _differences(changes["A"], changes["B"])
        by_key = _differences(changes["A"], changes["C"])
        assert by_card <= by_key, f"{path} ({key}): changed by the card's middle digits, not keyed: {by_card - by_key}"
    assert order_id["A"] == order_id["B"] == order_id["C"]  # the same ids on every stage: comparable
