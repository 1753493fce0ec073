"""One DynamoDB connection for multi-item transactions, shared by the process."""
from __future__ import annotations

from functools import lru_cache

from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from ..config import settings


@lru_cache(maxsize=1)
def _connection() -> Connection:
    return Connection(region=settings().region, max_pool_connections=64)


def transaction() -> TransactWrite:
    return TransactWrite(connection=_connection())
