"""A webhook secret is unsealed once per process, even when a batch's threads all need it at once."""

from __future__ import annotations

import base64
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib import vault


class SlowKms:
    def __init__(self) -> None:
        self.decrypts = 0
        self._lock = threading.Lock()

    def decrypt(self, CiphertextBlob: bytes) -> dict[str, Any]:
        with self._lock:
            self.decrypts += 1
        time.sleep(0.05)  # long enough for every thread to miss the cache
        return {"Plaintext": CiphertextBlob[::-1]}


def test_concurrent_unseals_make_one_kms_call(monkeypatch: pytest.MonkeyPatch) -> None:
    kms = SlowKms()
    monkeypatch.setattr(vault, "client", lambda name: kms)
    sealed = base64.b64encode(b"terces-koohbew").decode()
    monkeypatch.setattr(vault, "_opened", {})
    with ThreadPoolExecutor(max_workers=16) as pool:
        opened = list(pool.map(lambda _: vault.unseal(sealed), range(16)))
    assert opened == ["webhook-secret"] * 16
    assert kms.decrypts == 1
