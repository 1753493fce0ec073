"""The receiver self-check: what a merchant's endpoint does with the webhooks an attacker, or the
network, would send it.

It POSTs the endpoint, through the engine's own HTTP client (services/webhook_http.py: SSRF-safe,
deadline-bound), a `webhook.test` event signed as a delivery is, then:

- `duplicate`: the very same request again (same `webhook-id`): a receiver answers 2xx and
  processes it once;
- `tampered_body`: a signed request whose body was changed after signing;
- `wrong_signature`: signed with a secret that is not the endpoint's;
- `no_signature`: without any signature header;
- `stale_timestamp` (Standard Webhooks secrets only; the hex signature does not cover the time):
  validly signed, ten minutes old, without the hex header.

and reports which bad ones it accepted (a 2xx). Nothing is recorded as a delivery. Bounded: each
POST has at most CASE_TIMEOUT_SECONDS (six stay under API Gateway's 29 s), the bad cases are not
sent when the valid one was not accepted (they would prove nothing), a merchant runs at most
THROTTLE_ENDPOINT_CHECKS_PER_MINUTE checks, and each check is in the audit log.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from ..config import settings
from ..domain import audit as audit_rules
from ..domain import clock
from ..domain import deliveries as delivery_rules
from ..domain.endpoints import is_razorpay
from ..domain.errors import BadRequest
from ..domain.events import WEBHOOK_TEST, encode_payload, test_event_id
from ..domain.signing import HEX_HEADER, HEX_HEADER_NEW, SigningKeys, is_standard_secret, signed_headers
from . import audit, throttling, webhook_endpoints
from .webhook_http import Observation, post

VALID, DUPLICATE, TAMPERED_BODY = "valid", "duplicate", "tampered_body"
WRONG_SIGNATURE, NO_SIGNATURE, STALE_TIMESTAMP = "wrong_signature", "no_signature", "stale_timestamp"
ACCEPT, REJECT = "accept", "reject"
EXPECTED = {
    VALID: ACCEPT,
    DUPLICATE: ACCEPT,
    TAMPERED_BODY: REJECT,
    WRONG_SIGNATURE: REJECT,
    NO_SIGNATURE: REJECT,
    STALE_TIMESTAMP: REJECT,
}
CASE_TIMEOUT_SECONDS = 4.0
STALE_SECONDS = 10 * 60  # twice Standard Webhooks' tolerance (5 minutes)
HEX_HEADERS = (HEX_HEADER, HEX_HEADER_NEW)
NOT_SENT = "Not sent: the valid event was not accepted, so a refusal would prove nothing"
MESSAGE = "A receiver self-check from the gateway: this event is a test, not a payment"


@dataclass(frozen=True)
class Request:
    case: str
    body: bytes
    headers: dict[str, str]


def _wrong_secret(current: str) -> str:
    """A secret of the same kind as the endpoint's that is not the endpoint's."""
    if is_standard_secret(current):
        return webhook_endpoints.new_secret()
    return "whsec_wrong_" + secrets.token_hex(16)  # `_` is no base64: hex signing only, as the real one


def requests_for(keys: SigningKeys, merchant_id: str, now: int) -> list[Request]:
    """Every case's request, in the order they are sent."""

    def body(message: str, timestamp: int) -> bytes:
        return encode_payload(WEBHOOK_TEST, timestamp, {"test": {"id": merchant_id, "message": message}}).encode()

    valid_id, valid = test_event_id(), body(MESSAGE, now)
    valid_headers = signed_headers(keys, valid_id, now, valid.decode())
    tampered_id = test_event_id()
    tampered_headers = signed_headers(keys, tampered_id, now, body(MESSAGE, now).decode())
    wrong_id = test_event_id()
    wrong = SigningKeys(_wrong_secret(keys.current))
    unsigned_id = test_event_id()
    cases = [
        Request(VALID, valid, valid_headers),
        Request(DUPLICATE, valid, valid_headers),
        Request(TAMPERED_BODY, body(MESSAGE + " (changed after signing)", now), tampered_headers),
        Request(WRONG_SIGNATURE, valid, signed_headers(wrong, wrong_id, now, valid.decode())),
        Request(NO_SIGNATURE, valid, {"webhook-id": unsigned_id, "webhook-timestamp": str(now)}),
    ]
    if is_standard_secret(keys.current) or (keys.previous and is_standard_secret(keys.previous)):
        stale_at = now - STALE_SECONDS
        stale = body(MESSAGE, stale_at)
        headers = signed_headers(keys, test_event_id(), stale_at, stale.decode())
        cases.append(Request(STALE_TIMESTAMP, stale, {k: v for k, v in headers.items() if k not in HEX_HEADERS}))
    return cases


def result(case: str, seen: Observation | None) -> dict[str, Any]:
    """One case's line of the report; `seen` None: not sent."""
    accepted = seen is not None and delivery_rules.is_delivered(seen.response_code)
    expected = EXPECTED[case]
    return {
        "case": case,
        "expected": expected,
        "status": seen.response_code if seen else None,
        "accepted": accepted,
        "passed": seen is not None and accepted == (expected == ACCEPT),
        "error": (seen.error if seen else NOT_SENT),
    }


def check(merchant_id: str, endpoint_id: str, *, actor: audit.Actor) -> dict[str, Any]:
    merchant = webhook_endpoints.merchant_of(merchant_id)
    endpoint = webhook_endpoints.find(merchant, endpoint_id)
    if not endpoint.url:
        raise BadRequest("The endpoint has no URL to check", "id")
    if is_razorpay(endpoint):
        # Its receivers verify X-Razorpay-Signature, which these cases do not forge: a correct
        # Razorpay receiver would refuse the valid case and be reported as failing.
        raise BadRequest("The self-check tests the gateway format's signatures; this endpoint is razorpay's", "id")
    started = clock.now()
    keys = webhook_endpoints.signing_keys(endpoint, started)
    if keys is None:
        raise BadRequest("The endpoint has no secret, so it cannot tell a forgery: rotate its secret first", "id")
    throttling.endpoint_check(merchant.id)
    timeout = min(settings().webhook_timeout_seconds, CASE_TIMEOUT_SECONDS)
    results: list[dict[str, Any]] = []
    valid_accepted = True
    for request in requests_for(keys, merchant.id, int(started.timestamp())):
        if not valid_accepted:
            results.append(result(request.case, None))
            continue
        seen = post(endpoint.url, request.body, request.headers, timeout, settings().webhook_block_private_urls)
        results.append(result(request.case, seen))
        if request.case == VALID:
            valid_accepted = delivery_rules.is_delivered(seen.response_code)
    passed = all(line["passed"] for line in results)
    failed = [line["case"] for line in results if not line["passed"]]
    summary = f"Receiver check of {audit_rules.shown_url(endpoint.url)}: " + (
        "passed" if passed else "failed (" + ", ".join(failed) + ")"
    )
    audit.record(merchant.id, actor, audit_rules.WEBHOOK_ENDPOINT_CHECK, endpoint.id, summary)
    return {"endpoint_id": endpoint.id, "passed": passed, "results": results}
