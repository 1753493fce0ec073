"""Runs moto's server application in this process, with the speed patches but those named in
EMULATOR_TEST_DISABLE, and prints (JSON) how often each slow path they skip ran for five identical
JSON-protocol requests. A subprocess of tests/emulator/test_speed.py: patching moto in the test
process itself would leak into other tests."""

from __future__ import annotations

import email.parser
import http.client
import io
import json
import os
import sys
from collections import Counter
from typing import Any

from flask import Flask
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.test import Client

from infra.local import moto_correctness, moto_speed

calls: Counter[str] = Counter()


def counting(name: str, function: Any) -> Any:
    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[name] += 1
        return function(*args, **kwargs)

    return counted


class CountedPatterns(list):
    """moto's list of URL patterns, counting each time routing goes through it."""

    def __iter__(self) -> Any:
        calls["routing"] += 1
        return super().__iter__()


def main() -> int:
    disabled = frozenset(filter(None, os.environ.get("EMULATOR_TEST_DISABLE", "").split(",")))
    # Counted before the patches go in: what the patched code still calls of moto's own.
    moto_correctness.replace(Flask, "full_dispatch_request", counting("flask", Flask.full_dispatch_request))
    moto_correctness.replace(email.parser.Parser, "parsestr", counting("email_parser", email.parser.Parser.parsestr))
    moto_correctness.apply(disabled)
    moto_speed.apply(disabled)

    dispatcher = DomainDispatcherApplication(create_backend_app)
    dispatcher.backend_url_patterns = CountedPatterns(dispatcher.backend_url_patterns)
    app = Client(dispatcher)
    for _ in range(5):
        response = app.post(
            "/",
            headers={
                "Host": "127.0.0.1:4566",
                "Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": "AmazonSQS.ListQueues",
                "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, "
                "SignedHeaders=host, Signature=0",
            },
            data="{}",
        )
        assert response.status_code == 200, response.data
        # What every server thread does with a request's header block (http.server, through
        # http.client.parse_headers).
        http.client.parse_headers(io.BytesIO(b"Host: 127.0.0.1\r\nX-Amz-Target: AmazonSQS.ListQueues\r\n\r\n"))
    print(json.dumps(calls))
    return 0


if __name__ == "__main__":
    sys.exit(main())
