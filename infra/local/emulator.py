"""The embedded AWS emulator: moto in server mode, in a process of its own.

    python -m infra.local.emulator   (listens on 127.0.0.1:$EMULATOR_PORT, default 4566)

It serves SQS and KMS (DynamoDB is AWS's DynamoDB Local: infra/local/dynamodb_local.py), running
moto's own server application with two groups of patches (docs/emulator.md lists each):

- correctness, always on: infra/local/moto_correctness.py (SQS: no message lost or received
  twice under concurrency, long polls that wake when a message becomes due and that take nothing
  for a client that went away);
- speed, unless EMULATOR_TUNING=0: infra/local/moto_speed.py (keep-alive connections, cached
  request routing, a JSON fast path, cheaper SQS bookkeeping). `make bench` compares the two.

With EMULATOR_KMS_KEYS_FILE set (`make run` sets it to its state folder), its KMS keys outlive it:
infra/local/kms_keystore.py restores them at start and saves them on every change.

Before importing any of them it checks that the installed moto is the one they were written for
(infra/local/moto_version.py), and otherwise exits with UNSUPPORTED_MOTO_EXIT and a message.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from chalicelib.config import flag_value

from .moto_version import UNSUPPORTED_MOTO_EXIT, moto_version_problem
from .processes import exit_now


def tuning_enabled(env: Mapping[str, str]) -> bool:
    return flag_value("EMULATOR_TUNING", env.get("EMULATOR_TUNING"), True)


def all_patches() -> dict[str, tuple[str, ...]]:
    """Every patch's name, by group (imports moto: only after the version check)."""
    from . import moto_correctness, moto_speed

    return {
        "correctness": moto_correctness.PATCHES,
        "speed": moto_speed.PATCHES,
    }


def main(disabled: frozenset[str] = frozenset(), handler_mixins: tuple[type, ...] = ()) -> int:
    """Serves until SIGTERM. `disabled` names patches to leave out (only the test harness,
    tests/support/emulator_main.py, passes any); `handler_mixins` go in front of the request
    handler class (the benchmark's cost ledger, bench/emulator.py)."""
    problem = moto_version_problem()
    if problem is not None:
        print(f"emulator: {problem}", file=sys.stderr, flush=True)
        return UNSUPPORTED_MOTO_EXIT

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import run_simple

    from . import moto_correctness, moto_speed

    unknown = disabled - {name for names in all_patches().values() for name in names}
    if unknown:
        print(f"emulator: no such patch: {', '.join(sorted(unknown))}", file=sys.stderr, flush=True)
        return 2
    host = os.environ.get("EMULATOR_HOST", "127.0.0.1")
    port = os.environ.get("EMULATOR_PORT", "4566")
    if not flag_value("EMULATOR_ACCESS_LOG", os.environ.get("EMULATOR_ACCESS_LOG"), False):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per AWS call drowns the rest

    moto_correctness.apply(disabled)
    handler: type = moto_correctness.ConnectionAwareHandler
    if tuning_enabled(os.environ):
        moto_speed.apply(disabled)
        handler = moto_speed.handler(disabled)
    if handler_mixins:
        handler = type("EmulatorHandler", (*handler_mixins, handler), {})
    keys_file = os.environ.get("EMULATOR_KMS_KEYS_FILE")
    if keys_file:
        from . import kms_keystore

        restored = kms_keystore.apply(Path(keys_file))
        print(f"emulator: {restored} KMS key(s) restored; keys are kept in the state folder", flush=True)
    os.environ.setdefault("MOTO_PORT", port)  # as moto's own main does: some URLs it builds use it
    signal.signal(signal.SIGTERM, lambda *_: exit_now(0))  # moto holds no unsaved state
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(host, int(port), app, threaded=True, request_handler=handler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
