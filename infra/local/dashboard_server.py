"""Serve the built merchant dashboard (dashboard/dist) with its runtime configuration.

    python -m infra.local.dashboard_server

Serves on 127.0.0.1:$DASHBOARD_PORT (3000). Unknown paths fall back to index.html so the
dashboard's client-side routes survive a reload. `/config.js` tells the bundle where the API
and the checkout are, so one build works against any stack:

    API_URL       default http://127.0.0.1:$API_PORT (8000)
    CHECKOUT_URL  default http://127.0.0.1:$CHECKOUT_PORT (3001), used in the docs snippets
    DASHBOARD_DIST  the built bundle, default dashboard/dist in this repository
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from .static_server import StaticSite, serve

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIST = REPO_ROOT / "dashboard" / "dist"
HOST = "127.0.0.1"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def settings(env: Mapping[str, str] | None = None) -> dict[str, object]:
    if env is None:
        env = os.environ
    api_url = env.get("API_URL") or f"http://127.0.0.1:{env.get('API_PORT') or '8000'}"
    checkout_url = env.get("CHECKOUT_URL") or f"http://127.0.0.1:{env.get('CHECKOUT_PORT') or '3001'}"
    return {
        "port": int(env.get("DASHBOARD_PORT") or 3000),
        "api_url": api_url.rstrip("/"),
        "checkout_url": checkout_url.rstrip("/"),
        "dist": Path(env.get("DASHBOARD_DIST") or DEFAULT_DIST),
    }


def config_script(api_url: str, checkout_url: str) -> bytes:
    config = {"apiUrl": api_url, "checkoutUrl": checkout_url}
    # json.dumps output is a valid JS expression; "<" is escaped so it can never close a tag.
    payload = json.dumps(config).replace("<", "\\u003c")
    return f"window.__DASHBOARD_CONFIG__ = Object.freeze({payload});\n".encode()


def security_headers(api_url: str) -> dict[str, str]:
    api_origin = _origin(api_url)
    connect = "'self'" + (f" {api_origin}" if api_origin else "")
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data:; connect-src {connect}; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'self'; object-src 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
    }


def build_site(dist: Path, api_url: str, checkout_url: str) -> StaticSite:
    script = config_script(api_url, checkout_url)

    def config_route(method: str, query: dict[str, list[str]], body: bytes) -> tuple[int, dict[str, str], bytes]:
        if method not in ("GET", "HEAD"):
            return 405, {"Content-Type": "text/plain", "Allow": "GET, HEAD"}, b"Method Not Allowed"
        return 200, {"Content-Type": "application/javascript; charset=utf-8", "Cache-Control": "no-store"}, script

    return StaticSite(
        dist, routes={"/config.js": config_route}, spa_index="index.html", headers=security_headers(api_url)
    )


def main() -> int:
    config = settings()
    dist = config["dist"]
    assert isinstance(dist, Path)  # settings() makes it one
    if not (dist / "index.html").is_file():
        print(
            f"dashboard: no build at {dist}; run `npm ci && npm run build` in dashboard/ first",
            file=sys.stderr,
            flush=True,
        )
        return 1
    site = build_site(dist, str(config["api_url"]), str(config["checkout_url"]))
    try:
        server = serve(site, HOST, int(str(config["port"])))
    except OSError as exc:
        print(f"dashboard: cannot listen on {HOST}:{config['port']}: {exc}", file=sys.stderr, flush=True)
        return 1

    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    worker = threading.Thread(target=server.serve_forever, name="dashboard-http", daemon=True)
    worker.start()
    host, port = str(server.server_address[0]), server.server_address[1]
    print(
        f"Dashboard: serving http://{host}:{port} (API {config['api_url']}, checkout {config['checkout_url']})",
        flush=True,
    )
    try:
        while not stop.wait(0.5):
            if not worker.is_alive():
                return 1
    finally:
        server.shutdown()
        server.server_close()
    print("Dashboard: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
