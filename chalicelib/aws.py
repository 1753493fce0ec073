"""boto3 clients, one per service and process.

The endpoint is never named here: boto3 reads AWS_ENDPOINT_URL (moto, LocalStack) or uses AWS's own.
"""

from __future__ import annotations

from functools import cache

import boto3
from botocore.config import Config

from .config import settings

_CLIENT_CONFIG = Config(
    max_pool_connections=64,
    connect_timeout=2,
    read_timeout=25,  # above SQS's 20 s long poll
    retries={"mode": "standard", "max_attempts": 3},
)

# Health checks must answer quickly when a service is down, so they never retry.
_PROBE_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"total_max_attempts": 1})


@cache
def client(service: str, probe: bool = False):
    return boto3.session.Session().client(
        service, region_name=settings().region, config=_PROBE_CONFIG if probe else _CLIENT_CONFIG
    )
