"""The `paygw` command: its commands, and the exit codes scripts can trust (errors.py)."""

from __future__ import annotations

import sys

import click

from . import account, check, deliveries, listen, trigger
from .context import JSON_MODE, common_options, print_json
from .errors import FAILED, CliError


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
    epilog="""\b
Examples:
  paygw trigger payment.success
  paygw listen --forward-to http://localhost:4000/webhooks
  paygw tail --status failed
  paygw check-endpoint we_9A8b7C6d5E4f3G2h
\b
Credentials: --api-url/--api-key/--api-secret, else PAYGW_API_URL/PAYGW_API_KEY/PAYGW_API_SECRET,
else the profile file (PAYGW_CONFIG), else the local stack (http://127.0.0.1:8000) and its test merchant.
Exit codes: 0 done; 1 what the command waits for or checks did not happen; 2 wrong usage;
3 the gateway answered with an error; 4 the gateway could not be reached. See docs/cli.md.
""",
)
@common_options
def cli() -> None:
    """paygw: test an integration with the payment gateway from the command line."""


cli.add_command(trigger.trigger)
cli.add_command(listen.listen)
cli.add_command(deliveries.tail)
cli.add_command(deliveries.replay)
cli.add_command(deliveries.retry)
cli.add_command(account.merchants)
cli.add_command(account.keys)
cli.add_command(account.profile)
cli.add_command(account.reset)
cli.add_command(check.check_endpoint)


def main() -> None:
    try:
        code = cli.main(prog_name="paygw", standalone_mode=False)
    except CliError as error:
        if JSON_MODE["on"]:
            print_json({"error": {"message": error.message, "exit_code": error.exit_code, **error.details}})
        click.echo(f"Error: {error.message}", err=True)
        sys.exit(error.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(FAILED)
    sys.exit(code if isinstance(code, int) else 0)
