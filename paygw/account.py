"""Merchants, keys, profiles, and the local stack's state: `paygw merchants create`,
`paygw keys rotate`, `paygw profile ...`, `paygw reset`."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click

from .client import ApiError
from .context import client, common_options, connection, console, json_mode, print_json, table
from .errors import FAILED, REFUSED, USAGE, CliError
from .profiles import config_path, read_all, save

REPO_ROOT = Path(__file__).resolve().parents[1]


@click.group()
def merchants() -> None:
    """Merchants (test merchants, where the gateway's test endpoints are enabled)."""


@merchants.command(
    "create",
    epilog="""\b
Examples:
  paygw merchants create
  paygw merchants create --name "Shop 2" --save-profile shop2
  paygw merchants create --webhook-url http://localhost:4000/webhooks --json
""",
)
@click.option("--name", default="Test Merchant", show_default=True)
@click.option("--webhook-url", help="The new merchant's default webhook URL.")
@click.option("--save-profile", metavar="NAME", help="Save the URL and credentials as this profile (file mode 0600).")
@common_options
@click.pass_context
def create_merchant(ctx: click.Context, name: str, webhook_url: str | None, save_profile: str | None) -> None:
    """Create a merchant with fresh credentials, shown this once (POST /api/v1/test/merchants)."""
    api = client(ctx)
    try:
        created = api.post("/api/v1/test/merchants", {"name": name, "webhook_url": webhook_url}, auth=False)
    except ApiError as error:
        if error.status == 404:
            raise CliError(
                f"{api.connection.api_url} does not have test endpoints enabled (TEST_ENDPOINTS=true: the local "
                "stack only): create merchants through the dashboard's sign-up there",
                REFUSED,
                error.details,
            ) from None
        raise
    if save_profile:
        path = save(
            save_profile,
            {"api_url": api.connection.api_url, "api_key": created["api_key"], "api_secret": created["api_secret"]},
        )
        created = {**created, "saved_profile": save_profile, "profile_file": str(path)}
    if json_mode(ctx):
        print_json(created)
        return
    rows = [
        [key, created.get(key)]
        for key in ("id", "name", "email", "password", "api_key", "api_secret", "webhook_secret", "webhook_url")
    ]
    console().print(table("new merchant (the secrets are shown this once)", ["field", "value"], rows))
    if save_profile:
        console().print(f"Saved as profile [bold]{save_profile}[/bold] in {created['profile_file']}")


@click.group()
def keys() -> None:
    """The merchant's API credentials."""


@keys.command(
    "rotate",
    epilog="""\b
Examples:
  paygw keys rotate
  paygw --profile shop2 keys rotate --json
""",
)
@click.option(
    "--save/--no-save",
    "save_secret",
    default=True,
    show_default=True,
    help="Store the new secret in the profile in use (not when the credentials came from flags or env).",
)
@common_options
@click.pass_context
def rotate(ctx: click.Context, save_secret: bool) -> None:
    """Issue a new API secret (shown once); the old one keeps working for the overlap the
    gateway allows (API_SECRET_OVERLAP_SECONDS)."""
    api = client(ctx)
    rotated = api.post("/api/v1/merchant/credentials/rotate", {})
    where = api.connection.source
    saved = None
    if save_secret and where.startswith(("profile", "local default")):
        saved = str(
            save(
                api.connection.profile,
                {"api_url": api.connection.api_url, "api_key": rotated["api_key"], "api_secret": rotated["api_secret"]},
            )
        )
    if json_mode(ctx):
        print_json({**rotated, "saved_to": saved})
        return
    out = console()
    out.print(f"New API secret for {rotated['api_key']}: [bold]{rotated['api_secret']}[/bold] (shown this once)")
    out.print(f"The previous secret works until {rotated['previous_secret_expires_at']}.")
    if saved:
        out.print(f"Saved in profile {api.connection.profile} ({saved}).")


@click.group()
def profile() -> None:
    """The profile file (PAYGW_CONFIG, default ~/.config/paygw/profiles.json, mode 0600)."""


@profile.command(
    "save",
    epilog="""\b
Examples:
  paygw profile save --api-url https://api.example.com --api-key key_live_... --api-secret secret_...
  paygw --profile staging profile save --api-url https://staging.example.com
""",
)
@click.option("--name", help="The profile's name (default: --profile, PAYGW_PROFILE or default).")
@common_options
@click.pass_context
def profile_save(ctx: click.Context, name: str | None) -> None:
    """Save the connection flags given (--api-url, --api-key, --api-secret) as a profile."""
    values = {key: ctx.meta.get(f"paygw.{key}") for key in ("api_url", "api_key", "api_secret")}
    values = {key: value for key, value in values.items() if value}
    if not values:
        raise CliError("give at least one of --api-url, --api-key and --api-secret", USAGE)
    target = name or connection(ctx).profile
    path = save(target, values)
    if json_mode(ctx):
        print_json({"profile": target, "saved": sorted(values), "profile_file": str(path)})
    else:
        console().print(f"Saved {', '.join(sorted(values))} in profile {target} ({path}, mode 0600).")


@profile.command("show")
@common_options
@click.pass_context
def profile_show(ctx: click.Context) -> None:
    """Where the connection comes from now, secrets masked."""
    current = connection(ctx)
    masked = current.api_secret[:7] + "..." if current.api_secret else ""
    shown = {
        "profile": current.profile,
        "source": current.source,
        "api_url": current.api_url,
        "api_key": current.api_key,
        "api_secret": masked,
        "profile_file": str(config_path()),
        "profiles": sorted(read_all()),
    }
    if json_mode(ctx):
        print_json(shown)
    else:
        console().print(
            table(
                None, ["setting", "value"], [[k, ", ".join(v) if isinstance(v, list) else v] for k, v in shown.items()]
            )
        )


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command(
    epilog="""\b
Examples:
  paygw reset            (asks before deleting)
  paygw reset --yes      (scripts: no question)
"""
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@common_options
@click.pass_context
def reset(ctx: click.Context, yes: bool) -> None:
    """Delete the local stack's state folder (LOCAL_STATE_DIR, default .state/ in the checkout),
    as `make reset` does: the next `make run` starts empty. Local only: refused when the gateway
    in use is not on this machine, and while a `make run` holds the folder."""
    current = connection(ctx)
    if not _is_loopback(current.api_url):
        raise CliError(
            f"reset deletes the local stack's state, and the gateway in use ({current.api_url}) is not local", USAGE
        )
    sys.path.insert(0, str(REPO_ROOT))
    from infra.local.state import StateFolder, state_dir

    folder = StateFolder(state_dir(dict(os.environ)))
    if not yes:
        if not sys.stdin.isatty():
            raise CliError("reset asks for confirmation: run it in a terminal, or pass --yes", USAGE)
        if not click.confirm(f"Delete the local stack's state in {folder.path}?", default=False):
            raise CliError("nothing deleted", FAILED)
    try:
        deleted = folder.delete()
    except RuntimeError as error:
        raise CliError(f"reset: {error}", FAILED) from None
    result = {"deleted": deleted, "path": str(folder.path)}
    if json_mode(ctx):
        print_json(result)
    elif deleted:
        console().print(f"Deleted the local state in {folder.path}; the next `make run` starts fresh.")
    else:
        console().print(f"No local state in {folder.path}; the next `make run` starts fresh.")
