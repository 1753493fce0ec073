"""Idempotency keys, on aws-lambda-powertools' idempotency utility.

Powertools gives the conditional in-progress lock, the lock's expiry, the 24 h record expiry
enforced in code (TTL deletion is lazy, and moto never deletes), payload validation, and the
deletion of the record when the work raises, so failed requests are never stored. This module
adds what an HTTP API needs on top: the merchant scope, the key's limits, the stored status code,
and telling a replay from a first answer.
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


def run(
    merchant_id: str, key: str, fingerprint: dict[str, Any], work: Callable[[], dict[str, Any]]
) -> tuple[dict[str, Any], bool]:
    """Run `work` (which returns {"status", "text"}) once per merchant and key.
    Returns the response and whether it is a replay of an earlier one."""
    check_key(key)
    request = {"key": f"{merchant_id}:{key}", "fingerprint": fingerprint}
    try:
        response = _executor()(request=request, work=work)
    except IdempotencyAlreadyInProgressError:
        raise IdempotencyKeyInUse("A request with this Idempotency-Key is still being processed", HEADER) from None
    except IdempotencyValidationError:
        raise IdempotencyKeyReused("This Idempotency-Key was already used with a different request", HEADER) from None
    replayed = bool(response.pop("replayed", False))
    return response, replayed
