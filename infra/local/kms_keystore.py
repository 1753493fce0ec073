"""KMS keys that outlive the moto server: the local stack's key material, kept in its state folder.

The gateway seals merchants' secrets with KMS (chalicelib/vault.py), and the stored ciphertexts
stay in DynamoDB Local's folder across restarts; a new moto server would make a new key, and every
sealed secret would be unreadable. So the emulator saves its KMS keys (id, ARN, key material,
aliases) to EMULATOR_KMS_KEYS_FILE after every call that creates or changes one, and puts them back
before it serves the first request.

Why not the API (CreateKey with Origin=EXTERNAL, then ImportKeyMaterial from the state folder)?
moto 5.2.5 implements neither ImportKeyMaterial nor GetParametersForImport, and its ciphertext
blob names the key id, which CreateKey draws at random: even with the same material, a new key could
not open the old ciphertexts (nor could it on AWS, where imported material is bound to its key).
Restoring the same key, with the same id and material, is the smallest change that keeps
Encrypt/Decrypt exactly as moto (and AWS) answer them. Only this local emulator does it: on AWS
the key is KMS's, and nothing here runs.

The file holds key material: it is written 0600, atomically (a crash leaves the old file or the
new one), and never printed. Symmetric keys only: they are the only kind the gateway makes.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from pathlib import Path
from typing import Any

PATCHES = ("kms-keystore",)
FORMAT = 1
_lock = threading.Lock()


def _snapshot() -> dict[str, Any]:
    from moto.kms.models import kms_backends

    keys = []
    for account_id, region, backend in kms_backends.iter_backends():
        for key in backend.keys.values():  # type: ignore[attr-defined]  # iter_backends types it as BaseBackend; it is a KmsBackend
            if key.key_spec != "SYMMETRIC_DEFAULT":
                continue
            keys.append(
                {
                    "account_id": account_id,
                    "region": region,
                    "id": key.id,
                    "arn": key.arn,
                    "description": key.description,
                    "key_usage": key.key_usage,
                    "creation_date": key.creation_date,
                    "enabled": key.enabled,
                    "key_state": key.key_state,
                    "material": base64.b64encode(key.key_material).decode(),
                    "aliases": sorted(key.aliases),
                }
            )
    return {"format": FORMAT, "keys": keys}


def save(path: Path) -> None:
    with _lock:
        text = json.dumps(_snapshot(), indent=1)
        temporary = path.with_name(path.name + ".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)  # an older file with other permissions is replaced, not reused
        os.replace(temporary, path)


def restore(path: Path) -> int:
    """Put the saved keys back into moto's backends; the number restored."""
    if not path.is_file():
        return 0
    from moto.kms.models import kms_backends

    saved = json.loads(path.read_text())
    if saved.get("format") != FORMAT:
        raise ValueError(f"{path}: unknown format {saved.get('format')!r}")
    for entry in saved["keys"]:
        backend = kms_backends[entry["account_id"]][entry["region"]]
        key = backend.create_key(None, entry["key_usage"], "SYMMETRIC_DEFAULT", entry["description"], None)
        del backend.keys[key.id]
        key.id = entry["id"]
        key.arn = entry["arn"]
        key.creation_date = entry["creation_date"]
        key.enabled = entry["enabled"]
        key.key_state = entry["key_state"]
        key.key_material = base64.b64decode(entry["material"])
        backend.keys[key.id] = key
        for alias in entry["aliases"]:
            backend.create_alias(key.id, alias)
    return len(saved["keys"])


# The backend's calls that create or change a key or an alias: each saves the file after it ran.
_MUTATIONS = (
    "create_key",
    "create_alias",
    "update_alias",
    "delete_alias",
    "delete_key",
    "enable_key",
    "disable_key",
    "schedule_key_deletion",
    "cancel_key_deletion",
)


def apply(path: Path) -> int:
    """Restore the keys saved in `path`, then keep it up to date; the number of keys restored."""
    from moto.kms.models import KmsBackend

    restored = restore(path)
    for name in _MUTATIONS:
        original = getattr(KmsBackend, name)

        def saving(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            result = _original(self, *args, **kwargs)
            save(path)
            return result

        setattr(KmsBackend, name, saving)
    return restored
