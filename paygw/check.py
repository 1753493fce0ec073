"""`paygw check-endpoint <id>`: the receiver self-check (POST /api/v1/webhook-endpoints/{id}/check,
docs/webhooks.md) as a table, and an exit code that says whether the receiver passed."""

from __future__ import annotations

import click

from .context import client, common_options, console, json_mode, print_json, table
from .errors import FAILED


@click.command(
    "check-endpoint",
    epilog="""\b
Examples:
  paygw check-endpoint we_9A8b7C6d5E4f3G2h
  paygw check-endpoint we_9A8b7C6d5E4f3G2h --json && echo "receiver verifies signatures"
""",
)
@click.argument("endpoint_id")
@common_options
@click.pass_context
def check_endpoint(ctx: click.Context, endpoint_id: str) -> None:
    """Send the endpoint a valid event, a duplicate, and bad ones (tampered body, wrong
    signature, no signature, stale timestamp), and show which it accepted. Exits 1 unless every
    case went as it should: the valid one and the duplicate accepted, the bad ones refused."""
    report = client(ctx).post(f"/api/v1/webhook-endpoints/{endpoint_id}/check")
    if json_mode(ctx):
        print_json(report)
    else:
        rows = [
            [
                case["case"],
                case["expected"],
                case.get("status") if case.get("status") is not None else "-",
                "yes" if case.get("accepted") else "no",
                "PASS" if case.get("passed") else "FAIL",
                case.get("error") or "",
            ]
            for case in report.get("results", [])
        ]
        out = console()
        out.print(
            table(
                f"receiver check of {report.get('endpoint_id', endpoint_id)}",
                ["case", "expected", "status", "accepted", "result", "error"],
                rows,
            )
        )
        out.print("[bold green]passed[/bold green]" if report.get("passed") else "[bold red]failed[/bold red]")
    if not report.get("passed"):
        ctx.exit(FAILED)
