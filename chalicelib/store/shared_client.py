"""One botocore DynamoDB client for every table, instead of one per table.

PynamoDB gives each model its own Connection, and each Connection builds its client from a new
botocore session, which loads the endpoint data and the DynamoDB service model again: measured
here, 3.1 s of CPU to build the thirteen tables' clients, on every cold start of every function
and API process. A botocore client is safe to share between threads, and every table's Meta asks
for the same region, endpoint, timeouts and pool, so the tables share the first one built: 0.25 s.

PynamoDB has no setting for this; the base class below sets the Connection's `_client`, which its
`client` property builds only when unset (tests/unit/test_shared_client.py guards it).
"""

from __future__ import annotations

import os
import threading
from typing import Any

from pynamodb.connection import TableConnection
from pynamodb.models import Model

_lock = threading.Lock()
_clients: dict[tuple[Any, ...], Any] = {}


def _key(connection: Any) -> tuple[Any, ...] | None:
    """What the client depends on; None when this connection must keep a client of its own."""
    if connection._extra_headers is not None:  # sent by a hook on its own client only
        return None
    return (
        connection.region,
        connection.host,
        # The endpoint botocore reads when the client is built: a process that points itself at
        # another emulator (a test session) gets a client for it, as with one client per table.
        os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL"),
        connection._connect_timeout_seconds,
        connection._read_timeout_seconds,
        connection._max_pool_connections,
        connection._max_retry_attempts_exception,
        repr(connection._retry_configuration),
    )


class SharedClientModel(Model):
    """A model whose table connection uses the process's shared client for its settings."""

    @classmethod
    def _get_connection(cls) -> TableConnection:
        table = super()._get_connection()
        connection = table.connection
        if connection._client is None:
            key = _key(connection)
            if key is not None:
                with _lock:
                    if key not in _clients:
                        _clients[key] = connection.client
                    connection._client = _clients[key]
        return table
