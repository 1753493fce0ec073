"""The one place a lost conditional write (someone else got there first) becomes a result."""

from __future__ import annotations

from collections.abc import Callable

from pynamodb.exceptions import PynamoDBException


def is_conditional_failure(error: PynamoDBException) -> bool:
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


def written(write: Callable[[], object]) -> bool:
    """Run one conditional write: True when it was written, False when its condition failed.
    Any other failure raises."""
    try:
        write()
    except PynamoDBException as error:
        if is_conditional_failure(error):
            return False
        raise
    return True
