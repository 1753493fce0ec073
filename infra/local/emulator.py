"""The embedded AWS emulator: moto in server mode, in a process of its own.

    python -m infra.local.emulator   (listens on 127.0.0.1:$EMULATOR_PORT, default 4566)
"""
from __future__ import annotations

import logging
import os
import sys

from moto.server import main as moto_main


def main() -> int:
    host = os.environ.get("EMULATOR_HOST", "127.0.0.1")
    port = os.environ.get("EMULATOR_PORT", "4566")
    if os.environ.get("EMULATOR_ACCESS_LOG", "0") in ("0", "false"):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per AWS call drowns the rest
    moto_main(["-H", host, "-p", port])
    return 0


if __name__ == "__main__":
    sys.exit(main())
