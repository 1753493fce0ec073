"""Child processes of the local stack: each dies with its parent, even on kill -9."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux's parent-death signal: no orphan survives the supervisor, however it ends."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(module: str, env: Mapping[str, str], args: tuple[str, ...] = (), log=None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-u", "-m", module, *args],
        env=dict(env),
        stdout=log,
        stderr=subprocess.STDOUT if log else None,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )


def stop(process: subprocess.Popen, grace_seconds: float = 5.0) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(grace_seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_for_http(
    url: str, timeout: float, process: subprocess.Popen | None = None, accept=lambda status: status < 500
) -> bool:
    """True once `url` answers; False on timeout or if `process` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if accept(response.status):
                    return True
        except urllib.error.HTTPError as error:
            if accept(error.code):
                return True
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.05)
    return False
