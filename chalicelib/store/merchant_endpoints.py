"""A merchant's endpoints and the legacy webhook fields, kept consistent in both stores.

Before endpoints existed a merchant item held one webhook (webhook_url, webhook_events,
webhook_secret_sealed). Now its endpoints are a map in the item, the default endpoint among them,
and those three fields of the Merchant record are views of the default endpoint. A record (or an
item not migrated yet, infra/migrations/m0007) that has the legacy fields and no endpoints gets
its default endpoint synthesized from them, so a deploy before the migration keeps working.

Pure: no PynamoDB here; tests/fakes/store.py uses it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from ..domain.endpoints import Endpoint, default_endpoint_id
from .records import Merchant


def legacy_default(
    merchant_id: str, url: str | None, events: Iterable[str] | None, secret_sealed: str | None, created_at: str
) -> Endpoint | None:
    """The default endpoint the legacy fields describe; None when they describe nothing."""
    if not url and not secret_sealed:
        return None
    return Endpoint(
        id=default_endpoint_id(merchant_id),
        url=url or "",
        secret_sealed=secret_sealed or "",
        created_at=created_at,
        events=tuple(events) if events else None,
    )


def ordered(endpoints: Iterable[Endpoint]) -> tuple[Endpoint, ...]:
    """Oldest first; the id breaks ties, so two reads list them alike."""
    return tuple(sorted(endpoints, key=lambda endpoint: (endpoint.created_at, endpoint.id)))


def with_endpoints(merchant: Merchant, endpoints: Iterable[Endpoint] | None = None) -> Merchant:
    """`merchant` with `endpoints` (default: its own, or the legacy fields' default endpoint when
    it has none: a record built before endpoints) and the legacy fields derived from its default
    endpoint."""
    found = ordered(endpoints if endpoints is not None else merchant.webhook_endpoints)
    if not found and endpoints is None:
        synthesized = legacy_default(
            merchant.id,
            merchant.webhook_url,
            merchant.webhook_events,
            merchant.webhook_secret_sealed,
            merchant.created_at,
        )
        found = (synthesized,) if synthesized else ()
    default = next((endpoint for endpoint in found if endpoint.id == default_endpoint_id(merchant.id)), None)
    return replace(
        merchant,
        webhook_endpoints=found,
        webhook_url=default.url or None if default else None,
        webhook_events=default.events if default else None,
        webhook_secret_sealed=default.secret_sealed or None if default else None,
    )
