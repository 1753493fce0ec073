"""The delivery log: `paygw tail` follows it, `paygw replay` and `paygw retry` deliver again."""

from __future__ import annotations

import time
from typing import Any

import click

from .context import client, common_options, console, json_mode, print_json, table

STATUSES = ["pending", "success", "failed", "skipped"]
COLUMNS = ["created_at", "event", "delivery", "status", "attempts", "code", "endpoint"]


def _row(delivery: dict[str, Any]) -> list[Any]:
    return [
        delivery["created_at"],
        delivery["event"],
        delivery["id"],
        delivery["status"],
        delivery["attempts"],
        delivery.get("response_code"),
        delivery.get("endpoint_id"),
    ]


def _line(delivery: dict[str, Any]) -> str:
    code = delivery.get("response_code")
    return (
        f"{delivery['created_at']}  {delivery['event']:<18} {delivery['id']}  {delivery['status']:<8}"
        f" attempts={delivery['attempts']}{f' code={code}' if code is not None else ''}  {delivery.get('endpoint_id')}"
    )


@click.command(
    epilog="""\b
Examples:
  paygw tail
  paygw tail --status failed
  paygw tail --event payment.success --no-follow --json
"""
)
@click.option("--event", help="Only deliveries of this event type.")
@click.option("--status", type=click.Choice(STATUSES), help="Only deliveries in this status.")
@click.option("--endpoint", "endpoint_id", help="Only deliveries to this endpoint (we_...).")
@click.option("--follow/--no-follow", default=True, show_default=True, help="Keep printing new deliveries and changes.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100), help="Deliveries shown at first.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between polls.")
@click.option("--count", type=click.IntRange(min=1), help="Stop after printing this many lines.")
@common_options
@click.pass_context
def tail(
    ctx: click.Context,
    event: str | None,
    status: str | None,
    endpoint_id: str | None,
    follow: bool,
    limit: int,
    interval: float,
    count: int | None,
) -> None:
    """Follow the webhook delivery log live: the latest deliveries, then every new one and every
    change (an attempt, a status). Stops on Ctrl-C, or after --count lines."""
    api = client(ctx)
    as_json = json_mode(ctx)
    out = console()
    filters = {"event": event, "status": status, "endpoint_id": endpoint_id}
    seen: dict[str, tuple[Any, ...]] = {}
    printed = 0
    first = True
    try:
        while True:
            page = api.get("/api/v1/webhooks", limit=limit if first else 100, **filters)
            changed = []
            for delivery in reversed(page["data"]):  # oldest first on the screen
                state = (delivery["status"], delivery["attempts"], delivery.get("response_code"))
                if seen.get(delivery["id"]) != state:
                    seen[delivery["id"]] = state
                    changed.append(delivery)
            if not follow:
                if as_json:
                    print_json({"deliveries": changed})
                else:
                    out.print(table("webhook deliveries", COLUMNS, [_row(d) for d in changed]))
                return
            for delivery in changed:
                if count is not None and printed >= count:
                    return
                if as_json:
                    print_json(delivery)
                else:
                    out.print(_line(delivery))
                printed += 1
            if count is not None and printed >= count:
                return
            first = False
            time.sleep(interval)
    except KeyboardInterrupt:
        return


@click.command(
    epilog="""\b
Examples:
  paygw replay --since 2026-12-01T00:00:00Z --status failed
  paygw replay --since 1764547200 --until 1764633600 --event payment.success --json
"""
)
@click.option("--since", required=True, help="Deliveries created from then: unix seconds or an ISO-8601 time.")
@click.option("--until", help="...and before then (default: now).")
@click.option("--status", type=click.Choice(STATUSES), help="Only deliveries in this status (e.g. failed).")
@click.option("--event", help="Only deliveries of this event type.")
@click.option("--endpoint", "endpoint_id", help="Only deliveries to this endpoint (we_...).")
@common_options
@click.pass_context
def replay(
    ctx: click.Context, since: str, until: str | None, status: str | None, event: str | None, endpoint_id: str | None
) -> None:
    """Deliver again every delivery created in [--since, --until) that matches the filters."""
    body = {
        key: value
        for key, value in {
            "since": since,
            "until": until,
            "status": status,
            "event": event,
            "endpoint_id": endpoint_id,
        }.items()
        if value is not None
    }
    result = client(ctx).post("/api/v1/webhooks/replay", body, idempotent=True)
    if json_mode(ctx):
        print_json(result)
    else:
        console().print(f"Replaying {result['count']} deliveries.")


@click.command(
    epilog="""\b
Examples:
  paygw retry evt_9A8b7C6d5E4f3G2h
  paygw retry whd_9A8b7C6d5E4f3G2h --json
"""
)
@click.argument("delivery")
@common_options
@click.pass_context
def retry(ctx: click.Context, delivery: str) -> None:
    """Deliver DELIVERY again now, with a fresh retry schedule."""
    result = client(ctx).post(f"/api/v1/webhooks/{delivery}/retry")
    if json_mode(ctx):
        print_json(result)
    else:
        console().print(f"{delivery}: {result.get('message') or result.get('status')}")
