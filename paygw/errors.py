"""What a command's failure means, as the exit code scripts test (docs/cli.md, "Exit codes")."""

from __future__ import annotations

import click

OK = 0
FAILED = 1  # the command ran, and what it checks did not happen (an event, a check, a confirmation)
USAGE = 2  # Click's own code for a wrong command line
REFUSED = 3  # the gateway answered with an error (4xx or 5xx)
UNREACHABLE = 4  # no answer from the gateway (connection refused, timeout)


class CliError(click.ClickException):
    """A failure with its exit code; the message is what the user reads."""

    def __init__(self, message: str, exit_code: int = FAILED, details: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # Click declares it per class; ours is per failure
        self.details = details or {}
