"""Building the tables' and transactions' clients up front (see chalicelib/warmup.py)."""

from __future__ import annotations

from . import transactions
from .models import ALL_MODELS


def build() -> None:
    for model in ALL_MODELS:
        model._get_connection().connection.client  # noqa: B018 - the property builds it
    transactions._connection().client  # noqa: B018 - the transactions' own connection
