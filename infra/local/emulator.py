"""The embedded AWS emulator: moto in server mode, in a process of its own.

    python -m infra.local.emulator   (listens on 127.0.0.1:$EMULATOR_PORT, default 4566)

It runs moto's own server application, with the fixes in infra/local/moto_tuning.py: keep-alive
connections, cached request routing, SQS long polls that wake up when a message becomes due and
notice a client that went away, and thread-safe SQS queues; and with infra/local/moto_dynamodb.py:
atomic DynamoDB requests and transactions that cost what they touch, not the table's size. EMULATOR_TUNING=0 runs moto's stock
server instead (for comparison: `make bench` measured both).
"""

from __future__ import annotations

import logging
import os
import signal
import sys


def main() -> int:
    host = os.environ.get("EMULATOR_HOST", "127.0.0.1")
    port = os.environ.get("EMULATOR_PORT", "4566")
    if os.environ.get("EMULATOR_ACCESS_LOG", "0") in ("0", "false"):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per AWS call drowns the rest
    if os.environ.get("EMULATOR_TUNING", "1") in ("0", "false"):
        from moto.server import main as moto_main

        moto_main(["-H", host, "-p", port])
        return 0

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import run_simple

    from . import moto_dynamodb, moto_tuning

    moto_tuning.apply()
    moto_dynamodb.apply()
    os.environ.setdefault("MOTO_PORT", port)  # as moto's own main does: some URLs it builds use it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(host, int(port), app, threaded=True, request_handler=moto_tuning.KeepAliveHandler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
