"""The AWS calls of a payment's steps, counted with botocore's hooks (bench/awscalls.py) in a
process of its own, against the emulators of the stage in its environment.

    python -m tests.support.call_counts PAYMENTS   (the stage's functions must be stopped)

Prints JSON: the operations of each `POST /api/v1/payments` (through the whole API pipeline, in
process, as the API server runs it), then of processing PAYMENTS payments whose jobs wait
together on the queue: the payment function's event source (one receive, the delete) and the
function itself, exactly as the local stack runs them. A process of its own, because the hooks
must be installed before any botocore client exists.
"""

from __future__ import annotations

import json
import sys
import threading

from bench import awscalls

UPI = {"method": "upi", "vpa": "success@test"}


def main(payments: int) -> dict:
    awscalls.install()
    import importlib

    from chalice.config import Config
    from chalice.local import LocalGateway

    from chalicelib.config import settings
    from infra.local.event_sources import Poller, sources_of

    app_module = importlib.import_module("app")
    gateway = LocalGateway(app_module.app, Config.create(chalice_stage=settings().stage, lambda_timeout=60))
    headers = {
        "x-api-key": "key_test_abc123",
        "x-api-secret": "secret_test_xyz789",
        "content-type": "application/json",
        "host": "127.0.0.1",
    }

    def request(method: str, path: str, body: dict) -> dict:
        response = gateway.handle_request(method=method, path=path, headers=headers, body=json.dumps(body).encode())
        if response["statusCode"] >= 300:
            raise RuntimeError(f"{method} {path}: {response['statusCode']} {response['body']}")
        return json.loads(response["body"])

    source = next(s for s in sources_of(app_module) if s.name == "process_payments")
    poller = Poller(source, settings().region, threading.Event())
    # Warm: the merchant's credentials cache and the queues' URLs, as a running server has them.
    request("POST", "/api/v1/payments", {"order_id": request("POST", "/api/v1/orders", {"amount": 100})["id"], **UPI})
    poller.invoke(poller._gather())

    created = []
    for _ in range(payments):
        order = request("POST", "/api/v1/orders", {"amount": 50000})
        with awscalls.recording() as calls:
            request("POST", "/api/v1/payments", {"order_id": order["id"], **UPI})
        created.append(awscalls.operations(calls))
    with awscalls.recording() as calls:
        messages = poller._gather()  # everything waits already: one receive takes the batch
        poller.invoke(messages)
    return {"create_payment": created, "process": awscalls.operations(calls), "messages": len(messages)}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
