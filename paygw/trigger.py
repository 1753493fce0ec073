"""`paygw trigger <event>`: real entities made through the API so that the named event happens,
then the entities and every event they caused, read back from the events feed."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import click

from .client import ApiError, Client
from .context import client, common_options, console, json_mode, money, print_json, table
from .errors import FAILED, USAGE, CliError

# The test instruments (chalicelib/domain/payments.py): the outcome itself comes from test_outcome.
UPI = {"method": "upi", "vpa": "buyer@okbank"}
CARD = {"method": "card", "card": {"number": "4111111111111111", "expiry_month": 12, "expiry_year": 2035, "cvv": "123"}}
DECLINED_CARD = {
    "method": "card",
    "card": {"number": "4000000000000002", "expiry_month": 12, "expiry_year": 2035, "cvv": "123"},
}
ENTITIES = ("order", "payment", "refund", "capture")


@dataclass(frozen=True)
class Scenario:
    outcomes: tuple[str, ...]  # what --outcome may be; the first is the default
    refund: bool = False
    capture: bool = False
    help: str = ""


SCENARIOS = {
    "payment.success": Scenario(("success",), help="an order and a payment that succeeds"),
    "payment.failed": Scenario(
        ("failure", "decline"), help="a payment that fails (--outcome decline: a declined card, CARD_DECLINED)"
    ),
    "refund.processed": Scenario(("success",), refund=True, help="a successful payment, refunded (--amount: partly)"),
    "payment.captured": Scenario(("success",), capture=True, help="a successful payment, captured"),
}


def parse_overrides(values: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """`order.amount=2000`, `payment.method=card`, `refund.notes.reason=damaged`: a value is
    JSON when it parses as JSON (numbers, true, null), else text."""
    parsed: dict[str, dict[str, Any]] = {name: {} for name in ENTITIES}
    for item in values:
        path, sep, raw = item.partition("=")
        entity, _, field = path.partition(".")
        if not sep or entity not in ENTITIES or not field:
            raise click.BadParameter(
                f"{item!r}: expected <entity>.<field>=<value>, entity one of {', '.join(ENTITIES)}",
                param_hint="--override",
            )
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        target = parsed[entity]
        *parents, last = field.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
            if not isinstance(target, dict):
                raise click.BadParameter(f"{item!r}: {parent} is not an object", param_hint="--override")
        target[last] = value
    return parsed


def merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _wait(what: str, read: Any, done: Any, deadline: float) -> Any:
    while True:
        current = read()
        if done(current):
            return current
        if time.monotonic() > deadline:
            raise CliError(f"timed out waiting for {what}", FAILED, {"last": current})
        time.sleep(0.5)


def _payment_body(order_id: str, outcome: str, overrides: dict[str, Any]) -> dict[str, Any]:
    method = overrides.get("method") or ("card" if outcome == "decline" else "upi")
    instrument = UPI if method == "upi" else (DECLINED_CARD if outcome == "decline" else CARD)
    return merged({"order_id": order_id, **instrument, "test_outcome": outcome}, overrides)


def _expected(entities: dict[str, dict[str, Any]], final_payment_event: str) -> dict[str, set[str]]:
    expected = {entities["payment"]["id"]: {"payment.created", "payment.pending", final_payment_event}}
    if "refund" in entities:
        expected[entities["refund"]["id"]] = {"refund.created", "refund.processed"}
    return expected


def _collect_events(api: Client, since: str, expected: dict[str, set[str]], deadline: float) -> list[dict[str, Any]]:
    """Follow the events feed from `since` (the order's creation, in the gateway's clock) until
    every expected event of these entities has been seen."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = api.get("/api/v1/events", limit=100, **({"after": cursor} if cursor else {"since": since}))
        found += [item for item in page["items"] if item["entity_id"] in expected]
        cursor = page["next_cursor"]
        seen = {(item["entity_id"], item["event"]) for item in found}
        if all((entity, name) in seen for entity, names in expected.items() for name in names):
            return found
        if page["has_more"]:
            continue
        if time.monotonic() > deadline:
            missing = sorted(
                f"{name} of {entity}"
                for entity, names in expected.items()
                for name in names
                if (entity, name) not in seen
            )
            raise CliError(f"timed out waiting for the events: {', '.join(missing)}", FAILED, {"events": found})
        time.sleep(0.5)


def _run(
    api: Client, event: str, outcome: str, amount: int | None, overrides: dict[str, dict[str, Any]], timeout: float
) -> dict[str, Any]:
    scenario = SCENARIOS[event]
    deadline = time.monotonic() + timeout
    order = api.post(
        "/api/v1/orders", merged({"amount": 50000, "currency": "INR"}, overrides["order"]), idempotent=True
    )
    try:
        created = api.post(
            "/api/v1/payments", _payment_body(order["id"], outcome, overrides["payment"]), idempotent=True
        )
    except ApiError as error:
        if error.field == "test_outcome":
            raise CliError(
                f"this gateway does not accept a per-request test outcome: {error.description}",
                error.exit_code,
                error.details,
            ) from None
        raise
    payment = _wait(
        f"payment {created['id']} to be final",
        lambda: api.get(f"/api/v1/payments/{created['id']}"),
        lambda p: p["status"] != "pending",
        deadline,
    )
    entities: dict[str, dict[str, Any]] = {"order": order, "payment": payment}
    wanted = "success" if outcome == "success" else "failed"
    if payment["status"] != wanted:
        raise CliError(f"payment {payment['id']} is {payment['status']}, not {wanted}", FAILED, {"payment": payment})
    if scenario.refund:
        body = merged({"amount": amount if amount is not None else payment["amount"]}, overrides["refund"])
        refund = api.post(f"/api/v1/payments/{payment['id']}/refunds", body, idempotent=True)
        entities["refund"] = _wait(
            f"refund {refund['id']} to be processed",
            lambda: api.get(f"/api/v1/payments/{payment['id']}/refunds/{refund['id']}"),
            lambda r: r["status"] == "processed",
            deadline,
        )
        entities["payment"] = api.get(f"/api/v1/payments/{payment['id']}")
    if scenario.capture:
        body = merged({"amount": payment["amount"], "currency": payment["currency"]}, overrides["capture"])
        entities["payment"] = api.post(f"/api/v1/payments/{payment['id']}/capture", body, idempotent=True)
    final_event = "payment.success" if outcome == "success" else "payment.failed"
    events = _collect_events(api, order["created_at"], _expected(entities, final_event), deadline)
    return {"event": event, "outcome": outcome, "entities": entities, "events": events}


def _render(result: dict[str, Any]) -> None:
    out = console()
    rows = []
    for kind, entity in result["entities"].items():
        detail = ""
        if kind == "payment":
            detail = " ".join(
                part
                for part in (
                    entity.get("method"),
                    "captured" if entity.get("captured") else "",
                    entity.get("error_code") or "",
                    f"refunded {money(entity.get('amount_refunded'), entity.get('currency'))}"
                    if entity.get("amount_refunded")
                    else "",
                )
                if part
            )
        rows.append(
            [kind, entity["id"], entity.get("status"), money(entity.get("amount"), entity.get("currency")), detail]
        )
    out.print(table(f"trigger {result['event']}: entities", ["entity", "id", "status", "amount", "detail"], rows))
    out.print(
        table(
            "events",
            ["event", "id", "entity", "created_at"],
            [[e["event"], e["id"], e["entity_id"], e["created_at"]] for e in result["events"]],
        )
    )


@click.command(
    epilog="""\b
Examples:
  paygw trigger payment.success
  paygw trigger payment.failed --outcome decline
  paygw trigger refund.processed --amount 12500
  paygw trigger payment.success --override order.amount=99900 --override order.notes.sku=A1
  paygw trigger payment.captured --json
"""
)
@click.argument("event", type=click.Choice(sorted(SCENARIOS)))
@click.option(
    "--outcome",
    type=click.Choice(["success", "failure", "decline"]),
    help="This payment's outcome (payment.failed: failure or decline; the rest: success).",
)
@click.option("--amount", type=click.IntRange(min=1), help="refund.processed: a partial refund, in minor units.")
@click.option(
    "--override",
    "overrides",
    multiple=True,
    metavar="ENTITY.FIELD=VALUE",
    help="A field of the order, payment, refund or capture request (repeatable).",
)
@click.option("--timeout", default=60.0, show_default=True, help="Seconds to wait for the events.")
@common_options
@click.pass_context
def trigger(
    ctx: click.Context, event: str, outcome: str | None, amount: int | None, overrides: tuple[str, ...], timeout: float
) -> None:
    """Make EVENT happen with real entities, and show them and every event they caused.

    EVENT: payment.success, payment.failed, refund.processed or payment.captured (a capture
    sends no webhook of its own: its payment's events are shown). The outcome is asked of the
    gateway per request (test_outcome), which only a gateway with test endpoints accepts.
    """
    scenario = SCENARIOS[event]
    chosen = outcome or scenario.outcomes[0]
    if chosen not in scenario.outcomes:
        raise CliError(f"{event} needs --outcome {' or '.join(scenario.outcomes)}, not {chosen}", USAGE)
    if amount is not None and not scenario.refund:
        raise CliError("--amount is for refund.processed", USAGE)
    result = _run(client(ctx), event, chosen, amount, parse_overrides(overrides), timeout)
    if json_mode(ctx):
        print_json(result)
    else:
        _render(result)
