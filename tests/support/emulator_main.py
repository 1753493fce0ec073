"""The emulator for tests that need one patch left out, to see the test that guards it fail:

    EMULATOR_DISABLE_PATCHES=sqs-delete-lock,keep-alive python -m tests.support.emulator_main

Only this entry point reads EMULATOR_DISABLE_PATCHES: `make run` (python -m infra.local.emulator)
always runs every correctness patch."""

from __future__ import annotations

import os
import sys

from infra.local import emulator

if __name__ == "__main__":
    names = os.environ.get("EMULATOR_DISABLE_PATCHES", "")
    sys.exit(emulator.main(disabled=frozenset(name.strip() for name in names.split(",") if name.strip())))
