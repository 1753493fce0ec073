"""Rotating an API secret and revoking sessions: the same semantics in the DynamoDB Store and the fake."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from chalicelib.store.interface import Store
from chalicelib.store.records import AuditEntry, Merchant, PageRequest, SecretRotation, Session


def new_merchant(store: Store) -> Merchant:
    merchant_id = str(uuid.uuid4())
    merchant = Merchant(
        merchant_id,
        "M",
        f"{merchant_id}@example.test",
        "key_" + merchant_id[:8],
        "digest-0",
        "sealed-0",
        "2026-01-01T00:00:00.000Z",
    )
    assert store.merchants.create_if_absent(merchant)
    return merchant


def audit_entry(merchant_id: str, n: int) -> AuditEntry:
    """Each rotation's own entry: the rotation and its entry are written together or not at all."""
    return AuditEntry(
        f"audit_{uuid.uuid4().hex[:16]}",
        merchant_id,
        "credentials.rotate",
        "merchant",
        merchant_id,
        f"API secret rotated ({n})",
        "api_key",
        "key_x",
        "2026-01-01T00:00:00.000Z",
    )


def rotation(replaced: str, n: int) -> SecretRotation:
    return SecretRotation(
        replaced, f"digest-{n}", f"sealed-{n}", "2026-01-02T00:00:00.000Z", "2026-01-01T00:00:00.000Z"
    )


def test_a_new_merchant_has_no_previous_secret_and_session_generation_0(store: Store) -> None:
    merchant = store.merchants.get(new_merchant(store).id)
    assert merchant is not None
    assert merchant.previous_api_secret_digest is None and merchant.previous_api_secret_expires_at is None
    assert merchant.session_generation == 0


def test_a_rotation_moves_the_secret_to_previous_and_only_from_the_secret_it_read(store: Store) -> None:
    merchant = new_merchant(store)
    assert store.merchants.rotate_api_secret(merchant.id, rotation("digest-0", 1), audit_entry(merchant.id, 1))
    rotated = store.merchants.get(merchant.id)
    assert rotated is not None
    assert (rotated.api_secret_digest, rotated.api_secret_sealed) == ("digest-1", "sealed-1")
    assert rotated.previous_api_secret_digest == "digest-0"
    assert rotated.previous_api_secret_expires_at == "2026-01-02T00:00:00.000Z"
    assert rotated.api_secret_rotated_at == "2026-01-01T00:00:00.000Z"
    assert store.merchants.by_api_key(merchant.api_key) == rotated
    # A rotation that read the old secret loses, and writes nothing: no secret, no audit entry.
    losing = audit_entry(merchant.id, 2)
    assert not store.merchants.rotate_api_secret(merchant.id, rotation("digest-0", 2), losing)
    assert store.merchants.get(merchant.id) == rotated
    logged = [entry.id for entry in store.audit.list_for_merchant(merchant.id, PageRequest(10, 0)).items]
    assert len(logged) == 1 and losing.id not in logged


def test_concurrent_rotations_from_one_secret_leave_exactly_one_winner(store: Store) -> None:
    merchant = new_merchant(store)
    with ThreadPoolExecutor(8) as pool:
        results = list(
            pool.map(
                lambda n: store.merchants.rotate_api_secret(
                    merchant.id, rotation("digest-0", n), audit_entry(merchant.id, n)
                ),
                range(1, 9),
            )
        )
    assert results.count(True) == 1
    winner = results.index(True) + 1
    final = store.merchants.get(merchant.id)
    assert final is not None
    assert (final.api_secret_digest, final.api_secret_sealed) == (f"digest-{winner}", f"sealed-{winner}")
    assert final.previous_api_secret_digest == "digest-0"


def test_revoking_sessions_bumps_the_generation_atomically(store: Store) -> None:
    merchant = new_merchant(store)
    assert store.merchants.revoke_sessions(merchant.id) == 1
    with ThreadPoolExecutor(4) as pool:
        generations = sorted(pool.map(lambda _: store.merchants.revoke_sessions(merchant.id), range(4)))
    assert generations == [2, 3, 4, 5]
    assert store.merchants.get(merchant.id).session_generation == 5  # type: ignore[union-attr]


def test_a_session_keeps_its_generation(store: Store) -> None:
    expires = datetime(2030, 1, 1, tzinfo=UTC) + timedelta(seconds=1)
    session = Session("sess_" + uuid.uuid4().hex, str(uuid.uuid4()), expires, generation=3)
    store.sessions.create(session)
    assert store.sessions.get(session.id) == session
