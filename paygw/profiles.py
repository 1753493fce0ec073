"""Where the base URL and credentials come from: flags, then PAYGW_API_URL / PAYGW_API_KEY /
PAYGW_API_SECRET, then the profile file, then the local stack's seeded test merchant.

The profile file (PAYGW_CONFIG, default ~/.config/paygw/profiles.json) holds secrets: it is
written with mode 0600, through a temporary file in the same folder (never half written).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# `make run`'s API and the merchant it seeds (chalicelib/services/merchants.py TEST_MERCHANT).
LOCAL_API_URL = "http://127.0.0.1:8000"
LOCAL_API_KEY = "key_test_abc123"
LOCAL_API_SECRET = "secret_test_xyz789"
DEFAULT_PROFILE = "default"


def config_path() -> Path:
    explicit = os.environ.get("PAYGW_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "paygw" / "profiles.json"


def read_all() -> dict[str, dict[str, Any]]:
    path = config_path()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ValueError(f"the profile file {path} cannot be read: {error}") from None
    profiles = data.get("profiles") if isinstance(data, dict) else None
    return profiles if isinstance(profiles, dict) else {}


def save(name: str, values: dict[str, Any]) -> Path:
    """Merge `values` into profile `name` (None deletes a key); the file ends with mode 0600."""
    path = config_path()
    profiles = read_all()
    merged = {**profiles.get(name, {}), **values}
    profiles[name] = {key: value for key, value in merged.items() if value is not None}
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".profiles-")  # mkstemp: mode 0600
    try:
        with os.fdopen(handle, "w") as file:
            json.dump({"profiles": profiles}, file, indent=2, sort_keys=True)
            file.write("\n")
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


@dataclass(frozen=True)
class Connection:
    api_url: str
    api_key: str
    api_secret: str
    profile: str
    source: str  # where the credentials came from: flags, environment, profile or local default


def resolve(api_url: str | None, api_key: str | None, api_secret: str | None, profile: str | None) -> Connection:
    name = profile or os.environ.get("PAYGW_PROFILE") or DEFAULT_PROFILE
    stored = read_all().get(name, {})
    if profile and not stored:
        raise ValueError(f"no profile {profile!r} in {config_path()}")
    env = os.environ

    def pick(flag: str | None, variable: str, key: str, default: str) -> tuple[str, str]:
        if flag:
            return flag, "flags"
        if env.get(variable):
            return env[variable], "environment"
        if stored.get(key):
            return str(stored[key]), f"profile {name}"
        return default, "local default"

    url, url_source = pick(api_url, "PAYGW_API_URL", "api_url", LOCAL_API_URL)
    key, key_source = pick(api_key, "PAYGW_API_KEY", "api_key", LOCAL_API_KEY)
    secret, _ = pick(api_secret, "PAYGW_API_SECRET", "api_secret", LOCAL_API_SECRET)
    return Connection(url.rstrip("/"), key, secret, name, key_source if key_source != "local default" else url_source)
