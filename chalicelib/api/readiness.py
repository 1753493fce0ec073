"""The API serves nothing until its stage is configured safely: without SESSION_SECRET (and without
ALLOW_DEV_SESSION_SECRET=true) every request answers 500 and the log names the missing variable.

The local API server refuses to start instead (infra/local/api_server.py); a Lambda function has
no start to refuse, and this check is one cached lookup per request. Only the API needs the
secret: the SQS functions, which never see SESSION_SECRET, are not held to it."""

from __future__ import annotations

from collections.abc import Callable

from chalice import Response
from chalice.app import Request

from ..config import ConfigError, session_secret
from ..domain.errors import GatewayError
from ..logs import logger
from .endpoint import error_response


def refuse_unless_configured(event: Request, get_response: Callable[[Request], Response]) -> Response:
    try:
        session_secret()
    except ConfigError as error:
        logger.error(f"refusing to serve: {error}")  # names the variable; never the caller's answer
        return error_response(GatewayError("The gateway is not configured; its log names what is missing"))
    return get_response(event)
