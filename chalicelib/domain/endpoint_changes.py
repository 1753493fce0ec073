"""What each change of an endpoint does, and when it is refused: pure, so the DynamoDB store and
the in-memory one apply the very same rules (each store only makes the read-check-write atomic).

Every function takes the endpoint as read (None: absent) and returns the endpoint to write, or
None when the change's condition does not hold (nothing is written then)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace

from .endpoints import DISABLED_BY_MERCHANT, MAX_ENDPOINTS, Endpoint

# The fields a merchant's update may set (None clears an optional one); the rest have their own change.
UPDATABLE = frozenset(
    {"url", "events", "description", "enabled", "disabled_reason", "disabled_at", "failing_since", "chaos", "format"}
)
_NAMES = frozenset(field.name for field in fields(Endpoint))


def added(existing: Mapping[str, Endpoint], new: Endpoint) -> Endpoint | None:
    """A new endpoint: refused when its id is taken or the merchant has MAX_ENDPOINTS already."""
    if new.id in existing or len(existing) >= MAX_ENDPOINTS:
        return None
    return new


def updated(current: Endpoint | None, changes: Mapping[str, object], at: str) -> Endpoint | None:
    unknown = set(changes) - UPDATABLE
    if unknown or not _NAMES.issuperset(changes):
        raise ValueError(f"not updatable here: {sorted(unknown)}")
    if current is None:
        return None
    result = replace(current, **changes, updated_at=at)  # type: ignore[arg-type]  # checked names above
    if "enabled" in changes:
        if result.enabled:
            # Re-enabled: its failures start again from nothing; disabled_at stays, as the last
            # time it stopped (the service answers it as missed_since).
            result = replace(result, disabled_reason=None, failing_since=None)
        elif current.enabled:
            result = replace(result, disabled_reason=result.disabled_reason or DISABLED_BY_MERCHANT, disabled_at=at)
    return result


def rotated(
    current: Endpoint | None, replaced_sealed: str, new_sealed: str, previous_expires_at: str, at: str
) -> Endpoint | None:
    """The new secret becomes current and the replaced one previous, verifying until
    `previous_expires_at`; refused unless the current secret is still the one the caller read (of
    two rotations that read the same secret, one wins). Only one previous secret lives: rotating
    during an overlap ends the older one at once."""
    if current is None or current.secret_sealed != replaced_sealed:
        return None
    return replace(
        current,
        secret_sealed=new_sealed,
        previous_secret_sealed=replaced_sealed or None,
        previous_secret_expires_at=previous_expires_at if replaced_sealed else None,
        secret_promoted=not replaced_sealed,  # nothing to keep signing with: the new one signs everything
        secret_rotated_at=at,
        updated_at=at,
    )


def promoted(current: Endpoint | None, at: str) -> Endpoint | None:
    """The merchant's receivers all know the new secret: the hex header moves to it now."""
    if current is None:
        return None
    return replace(current, secret_promoted=True, updated_at=at)


def failing_from(current: Endpoint | None, at: str) -> Endpoint | None:
    """The first failure since the last success; refused when one is recorded already."""
    if current is None or current.failing_since is not None:
        return None
    return replace(current, failing_since=at)


def recovered(current: Endpoint | None) -> Endpoint | None:
    """A success after failures; refused when no failure is recorded."""
    if current is None or current.failing_since is None:
        return None
    return replace(current, failing_since=None)


def disabled(current: Endpoint | None, reason: str, at: str) -> Endpoint | None:
    """Stopped by the gateway (gone, failing) or the merchant; refused unless enabled, so of two
    disables (two 410s) exactly one records the endpoint.disabled event."""
    if current is None or not current.enabled:
        return None
    return replace(current, enabled=False, disabled_reason=reason, disabled_at=at, updated_at=at)
