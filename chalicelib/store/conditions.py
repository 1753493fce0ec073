"""Telling a lost conditional write (someone else got there first) from a real failure."""

from __future__ import annotations

from pynamodb.exceptions import PynamoDBException


def is_conditional_failure(error: PynamoDBException) -> bool:
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"
