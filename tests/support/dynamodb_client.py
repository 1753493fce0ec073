"""A plain boto3 DynamoDB client on an emulator's URL, for tests that read or plant raw items."""

from __future__ import annotations

from typing import Any

import boto3


def dynamodb_client(url: str) -> Any:
    return boto3.client(
        "dynamodb", endpoint_url=url, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
