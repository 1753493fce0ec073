"""The same Chalice app served exactly as `chalice local` serves it (Nagle's algorithm left on),
for comparison with infra/local/api_server.py.

    python -m bench.stock_api        (127.0.0.1:$API_PORT)

`chalice local` ends in chalice.local.create_local_server(app, config, host, port); so does this.
"""

from __future__ import annotations

import importlib
import os
import sys

from chalice.config import Config
from chalice.local import create_local_server


def main() -> int:
    app = importlib.import_module("app").app
    config = Config.create(chalice_stage=os.environ.get("STAGE", "local"), lambda_timeout=60)
    server = create_local_server(app, config, "127.0.0.1", int(os.environ["API_PORT"]))
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
