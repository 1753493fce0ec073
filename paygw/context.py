"""What every command shares: the connection and output options, and the client they make."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from .client import Client
from .errors import USAGE, CliError
from .profiles import Connection, resolve

F = TypeVar("F", bound=Callable[..., Any])

# Set by --json: main() reads it to answer errors in JSON too.
JSON_MODE = {"on": False}


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    if value is not None and value is not False:
        ctx.meta[f"paygw.{param.name}"] = value
    if param.name == "json" and value:
        JSON_MODE["on"] = True
    return value


def common_options(command: F) -> F:
    """--json and the connection flags, accepted by every command (and before it, on `paygw`)."""
    options = [
        click.option("--json", "json", is_flag=True, expose_value=False, callback=_remember, help="Print JSON."),
        click.option(
            "--api-url",
            expose_value=False,
            callback=_remember,
            help="The gateway's base URL [env PAYGW_API_URL; default http://127.0.0.1:8000].",
        ),
        click.option("--api-key", expose_value=False, callback=_remember, help="API key [env PAYGW_API_KEY]."),
        click.option("--api-secret", expose_value=False, callback=_remember, help="API secret [env PAYGW_API_SECRET]."),
        click.option(
            "--profile",
            expose_value=False,
            callback=_remember,
            help="A profile of the profile file [env PAYGW_PROFILE].",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def json_mode(ctx: click.Context) -> bool:
    return bool(ctx.meta.get("paygw.json"))


def connection(ctx: click.Context) -> Connection:
    try:
        return resolve(
            ctx.meta.get("paygw.api_url"),
            ctx.meta.get("paygw.api_key"),
            ctx.meta.get("paygw.api_secret"),
            ctx.meta.get("paygw.profile"),
        )
    except ValueError as error:
        raise CliError(str(error), USAGE) from None


def client(ctx: click.Context) -> Client:
    return Client(connection(ctx))


def console() -> Console:
    # Not a terminal (a pipe, a file): wide enough that ids and times are never cut.
    return Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def table(title: str | None, columns: list[str], rows: list[list[Any]]) -> Table:
    view = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        view.add_column(column)
    for row in rows:
        view.add_row(*("" if cell is None else str(cell) for cell in row))
    return view


def money(amount: Any, currency: Any = "INR") -> str:
    """Integer minor units as the major amount, for reading (JSON keeps minor units)."""
    if not isinstance(amount, int):
        return ""
    return f"{amount / 100:,.2f} {currency or ''}".strip()
