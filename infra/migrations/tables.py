"""What migration steps share: waiting for a table and its indexes to be usable.

Not a step (the runner takes only mNNNN_ modules). Migrations run offline, from the provisioner
or after a deploy, never in a function: they may wait, with a deadline.
"""

from __future__ import annotations

import time
from typing import Any

WAIT_SECONDS = 600


def wait_active(dynamodb: Any, table: str, seconds: float = WAIT_SECONDS) -> dict[str, Any]:
    """The table's description once it and every index are ACTIVE; TimeoutError after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        found = dynamodb.describe_table(TableName=table)["Table"]
        busy = found["TableStatus"] != "ACTIVE" or any(
            index.get("IndexStatus") != "ACTIVE" for index in found.get("GlobalSecondaryIndexes", [])
        )
        if not busy:
            return dict(found)
        if time.monotonic() > deadline:
            raise TimeoutError(f"{table} did not become ACTIVE in {seconds:g} s")
        time.sleep(1)
