"""Merchants: lookups by id, API key and email, and their webhook settings."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..domain.counts import Deltas
from . import audit, counters, endpoints
from .conditions import written
from .merchant_endpoints import with_endpoints
from .models import MerchantModel
from .records import AuditEntry, Merchant, SecretRotation
from .rows import record, row
from .transactions import Transaction


def _merchant(model: MerchantModel) -> Merchant:
    """Every read goes through here: the record with its endpoints (store/endpoints.py)."""
    plain = replace(record(Merchant, model), webhook_endpoints=())
    return with_endpoints(plain, endpoints.listed(model))


def get(merchant_id: str) -> Merchant | None:
    try:
        return _merchant(MerchantModel.get(merchant_id, consistent_read=True))
    except MerchantModel.DoesNotExist:
        return None


def get_many(merchant_ids: set[str]) -> dict[str, Merchant]:
    """Consistent reads of several merchants in one call."""
    return {model.id: _merchant(model) for model in MerchantModel.batch_get(list(merchant_ids), consistent_read=True)}


def by_api_key(api_key: str) -> Merchant | None:
    model = next(iter(MerchantModel.by_api_key.query(api_key, limit=1)), None)
    return _merchant(model) if model is not None else None


def by_email(email: str) -> Merchant | None:
    keys = next(iter(MerchantModel.by_email.query(email, limit=1)), None)
    return get(keys.id) if keys else None


def create_if_absent(merchant: Merchant) -> bool:
    """The item holds the endpoints' map, never the legacy fields (the record's views of it)."""
    complete = with_endpoints(merchant)
    bare = replace(complete, webhook_endpoints=(), webhook_url=None, webhook_events=None, webhook_secret_sealed=None)
    model = row(MerchantModel, bare)
    # The map as plain values: PynamoDB stores them as DynamoDB maps, lists of strings and
    # booleans, the form store/endpoints.py compares its conditional writes against.
    model.webhook_endpoints = {endpoint.id: endpoints.plain(endpoint) for endpoint in complete.webhook_endpoints}
    return written(lambda: model.save(condition=MerchantModel.id.does_not_exist()))


def _change_with_audit(merchant_id: str, actions: list[Any], audit_entry: AuditEntry, condition: Any = None) -> bool:
    """A change of the merchant's settings and its audit entry, in one transaction; False (nothing
    written) when the merchant does not exist, `condition` does not hold, or the entry was written
    before."""
    exists = MerchantModel.id.exists()
    tx = Transaction()
    tx.update("merchant", MerchantModel(merchant_id), actions, exists if condition is None else exists & condition)
    deltas = Deltas()
    audit.include(tx, audit_entry, deltas)
    counters.add(tx, deltas)
    return not tx.commit()


def set_webhook(merchant_id: str, url: str | None, events: list[str] | None, audit_entry: AuditEntry) -> bool:
    """The default endpoint's URL and filter (store/endpoints.py)."""
    return endpoints.set_default(
        merchant_id, url, tuple(events) if events else None, audit_entry.created_at, audit_entry
    )


def rotate_api_secret(merchant_id: str, rotation: SecretRotation, audit_entry: AuditEntry) -> bool:
    """Make `rotation.new_*` the secret and the replaced one the previous, with its audit entry, in
    one transaction that holds only while the secret is still `rotation.replaced_digest`: of two
    rotations that read the same secret, one wins and the other gets False."""
    return _change_with_audit(
        merchant_id,
        [
            MerchantModel.api_secret_digest.set(rotation.new_digest),
            MerchantModel.api_secret_sealed.set(rotation.new_sealed),
            MerchantModel.previous_api_secret_digest.set(rotation.replaced_digest),
            MerchantModel.previous_api_secret_expires_at.set(rotation.previous_expires_at),
            MerchantModel.api_secret_rotated_at.set(rotation.rotated_at),
        ],
        audit_entry,
        MerchantModel.api_secret_digest == rotation.replaced_digest,
    )


def revoke_sessions(merchant_id: str) -> int:
    """Bump the session generation (an atomic ADD): every session created before stops working.
    Returns the new generation."""
    model = MerchantModel(merchant_id)
    model.update(
        actions=[MerchantModel.session_generation.add(1)],
        condition=MerchantModel.id.exists(),
    )
    return int(model.session_generation or 0)
