"""Idempotency keys, on aws-lambda-powertools' idempotency utility.

Powertools gives the conditional in-progress lock, the lock's expiry, the 24 h record expiry
enforced in code (TTL deletion is lazy, and moto never deletes), payload validation, and the
deletion of the record when the work raises, so failed requests are never stored. This module
adds what an HTTP API needs on top: the scope (merchant and caller kind), the key's limits, the
stored status code, a 5xx never kept as the key's answer, and telling a replay from a first answer.
Fingerprints and record keys are SHA-256 (`hash_function`; powertools' default is MD5), and the
fingerprint holds no card data (api/endpoint.py, services/card_macs.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, cast

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ..aws import client
from ..config import resource_name, settings
from ..domain.errors import BadRequest, IdempotencyKeyInUse, IdempotencyKeyReused

MAX_KEY_LENGTH = 255
HEADER = "Idempotency-Key"

# Caller kinds: a key belongs to one merchant AND one kind of caller, so the anonymous checkout
# (publishable key) can never take or replay a key the merchant's authenticated calls use.
MERCHANT = "merchant"
PUBLIC = "public"

# Not printable: no key can hold it (check_key), so scoped keys of different kinds never meet.
_SEPARATOR = "\x1f"


def scoped_key(scope: str, key: str) -> str:
    """The key entity ids derive from (domain/ids.derived_id). The merchant's own calls keep the
    key as it is, so the ids of their earlier payments and refunds still derive the same."""
    return key if scope == MERCHANT else scope + _SEPARATOR + key


class _ServerFailure(Exception):
    """A 5xx answer, raised through powertools so that it deletes the record instead of keeping
    the failure as the key's answer: the client's retry runs again (and finds what committed)."""

    def __init__(self, outcome: dict[str, Any]) -> None:
        super().__init__(outcome["status"])
        self.outcome = outcome


class _LockWindow:
    """Powertools sizes the in-progress lock from Lambda's remaining time; an API request's
    budget is fixed instead, so the lock lapses after that and a crashed request frees its key."""

    def get_remaining_time_in_millis(self) -> int:
        return settings().idempotency_lock_seconds * 1000


def _mark_replay(response: Any, idempotent_data: DataRecord) -> Any:
    return {**response, "replayed": True}


@lru_cache(maxsize=1)
def _executor() -> Callable[..., dict[str, Any]]:
    store = DynamoDBPersistenceLayer(table_name=resource_name("idempotency"), boto3_client=client("dynamodb"))
    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="fingerprint",
        expires_after_seconds=settings().idempotency_ttl_seconds,
        hash_function="sha256",
        # Duck-typed: powertools reads nothing of the context but the remaining time.
        lambda_context=cast(LambdaContext, _LockWindow()),
        response_hook=_mark_replay,
    )

    @idempotent_function(data_keyword_argument="request", persistence_store=store, config=config, key_prefix="api")
    def execute(request: dict[str, Any], work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        return work()

    return execute


def check_key(key: str) -> None:
    if len(key) > MAX_KEY_LENGTH:
        raise BadRequest(f"{HEADER} must be at most {MAX_KEY_LENGTH} characters", HEADER)
    if not key.isascii() or not key.isprintable():
        raise BadRequest(f"{HEADER} must be printable ASCII", HEADER)


def _kept_unless_5xx(work: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    def guarded() -> dict[str, Any]:
        outcome = work()
        if outcome["status"] >= 500:
            raise _ServerFailure(outcome)
        return outcome

    return guarded


def run(
    merchant_id: str, scope: str, key: str, fingerprint: dict[str, Any], work: Callable[[], dict[str, Any]]
) -> tuple[dict[str, Any], bool]:
    """Run `work` (which returns {"status", "text"}) once per merchant, caller kind and key.
    Returns the response and whether it is a replay of an earlier one. Errors raised by `work`
    and 5xx answers it returns are not kept: the next request with the key runs again."""
    check_key(key)
    request = {"key": _SEPARATOR.join((merchant_id, scope, key)), "fingerprint": fingerprint}
    try:
        response = _executor()(request=request, work=_kept_unless_5xx(work))
    except _ServerFailure as failure:
        return failure.outcome, False
    except IdempotencyAlreadyInProgressError:
        raise IdempotencyKeyInUse("A request with this Idempotency-Key is still being processed", HEADER) from None
    except IdempotencyValidationError:
        raise IdempotencyKeyReused("This Idempotency-Key was already used with a different request", HEADER) from None
    replayed = bool(response.pop("replayed", False))
    return response, replayed
