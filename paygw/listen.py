"""`paygw listen --forward-to URL`: follow the merchant's events feed (GET /api/v1/events) and
POST each event to a local URL, signed with a listener secret. The gateway never connects to
the machine running it, so it works against a deployed gateway as well as the local stack."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from datetime import UTC, datetime
from typing import Any

import click
import urllib3
from standardwebhooks.webhooks import Webhook

from .context import client, common_options, connection, console, json_mode, print_json
from .profiles import save


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def listener_secret(ctx: click.Context, given: str | None) -> str:
    """--secret, else the profile's listener secret, made and saved (0600) on first use: a
    receiver configured with it keeps working across runs."""
    if given:
        return given
    from .profiles import read_all

    profile = connection(ctx).profile
    stored = read_all().get(profile, {}).get("listen_secret")
    if stored:
        return str(stored)
    secret = new_secret()
    save(profile, {"listen_secret": secret})
    return secret


def signed_headers(secret: str, event_id: str, body: str) -> dict[str, str]:
    """The headers the gateway's own deliveries carry (chalicelib/domain/signing.py): Standard
    Webhooks, and the Razorpay-style hex HMAC of the body under the same secret text."""
    now = datetime.now(UTC).replace(microsecond=0)
    return {
        "Content-Type": "application/json",
        "webhook-id": event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, now, body),
        "X-Webhook-Signature": hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest(),
        "User-Agent": "paygw-cli-listen",
    }


def forward(http: urllib3.PoolManager, url: str, secret: str, event: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps(event["payload"], separators=(",", ":"), ensure_ascii=False)
    result: dict[str, Any] = {"id": event["id"], "event": event["event"], "entity_id": event["entity_id"]}
    started = time.monotonic()
    try:
        response = http.request("POST", url, body=body.encode(), headers=signed_headers(secret, event["id"], body))
        result.update(status=response.status, error=None)
    except urllib3.exceptions.HTTPError as error:
        result.update(status=None, error=str(error))
    result["ms"] = round((time.monotonic() - started) * 1000)
    return result


@click.command(
    epilog="""\b
Examples:
  paygw listen --forward-to http://localhost:4000/webhooks
  paygw listen --forward-to http://localhost:4000/webhooks --events payment.success,refund.processed
  paygw listen --forward-to http://localhost:4000/webhooks --since 2026-12-01T00:00:00Z --max-events 20 --json
"""
)
@click.option("--forward-to", required=True, help="The local URL each event is POSTed to.")
@click.option("--events", "event_filter", help="Only these event types (comma-separated).")
@click.option(
    "--since",
    default="now",
    show_default=True,
    help="Where to start: now, unix seconds or an ISO-8601 time.",
)
@click.option("--secret", help="Sign with this whsec_ secret instead of the profile's listener secret.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between polls when idle.")
@click.option("--max-events", type=click.IntRange(min=1), help="Stop after forwarding this many events.")
@click.option("--timeout", "forward_timeout", default=10.0, show_default=True, help="Seconds a POST may take.")
@common_options
@click.pass_context
def listen(
    ctx: click.Context,
    forward_to: str,
    event_filter: str | None,
    since: str,
    secret: str | None,
    interval: float,
    max_events: int | None,
    forward_timeout: float,
) -> None:
    """Forward the merchant's events to a local URL, signed with a listener secret it prints.

    Verify them as the gateway's own webhooks (Standard Webhooks headers webhook-id,
    webhook-timestamp and webhook-signature, and X-Webhook-Signature), with the listener
    secret. Stops on Ctrl-C, or after --max-events.
    """
    api = client(ctx)
    wanted = {name.strip() for name in (event_filter or "").split(",") if name.strip()}
    signing = listener_secret(ctx, secret)
    as_json = json_mode(ctx)
    out = console()
    if as_json:
        print_json({"listening": True, "forward_to": forward_to, "listener_secret": signing, "since": since})
    else:
        out.print(f"Ready. Forwarding events to [bold]{forward_to}[/bold]")
        out.print(f"Your listener secret is [bold]{signing}[/bold] (verify the webhooks with it)")
    http = urllib3.PoolManager(timeout=urllib3.Timeout(total=forward_timeout), retries=False)
    forwarded = 0
    cursor: str | None = None
    try:
        while max_events is None or forwarded < max_events:
            page = api.get("/api/v1/events", limit=100, **({"after": cursor} if cursor else {"since": since}))
            cursor = page["next_cursor"]
            for event in page["items"]:
                if wanted and event["event"] not in wanted:
                    continue
                result = forward(http, forward_to, signing, event)
                forwarded += 1
                if as_json:
                    print_json(result)
                else:
                    answer = f"[{result['status']}]" if result["status"] else f"[failed: {result['error']}]"
                    out.print(f"{event['created_at']}  {event['event']:<18} {event['id']}  -> {answer}")
                if max_events is not None and forwarded >= max_events:
                    break
            if not page["has_more"] and (max_events is None or forwarded < max_events):
                time.sleep(interval)
    except KeyboardInterrupt:
        if not as_json:
            out.print("Stopped.")
