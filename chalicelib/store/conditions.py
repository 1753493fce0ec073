"""Telling a lost conditional write (someone else got there first) from a real failure."""
from __future__ import annotations

from pynamodb.exceptions import PynamoDBException, TransactWriteError


def is_conditional_failure(error: PynamoDBException) -> bool:
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


def cancelled_by_condition(error: TransactWriteError) -> list[bool]:
    """Per item of a cancelled transaction: did its condition fail?"""
    reasons = error.cancellation_reasons or []
    return [bool(reason) and reason.code == "ConditionalCheckFailed" for reason in reasons]
