"""Health: 200 when DynamoDB and SQS answer, 503 when either does not."""

from __future__ import annotations

import requests

from infra.local.processes import spawn, stop, wait_for_http
from tests.support.ports import free_port
from tests.support.stack import UNSAFE_OPT_INS, base_env


def test_health_is_up_with_both_services(gateway):
    for path in ("/health", "/actuator/health"):
        response = requests.get(gateway.api_url + path)
        assert response.status_code == 200
        assert response.json() == {"status": "UP", "dynamodb": "UP", "sqs": "UP", "stage": gateway.stage}


def test_health_is_503_when_a_service_is_missing(make_gateway, aws):
    from chalicelib.aws import client

    stack = make_gateway()
    client("sqs").delete_queue(
        QueueUrl=client("sqs").get_queue_url(QueueName=f"paygw-{stack.stage}-payment-jobs")["QueueUrl"]
    )
    response = requests.get(stack.api_url + "/health")
    assert response.status_code == 503
    assert response.json()["status"] == "DOWN" and response.json()["sqs"] == "DOWN"
    assert response.json()["dynamodb"] == "UP"
    client("dynamodb").delete_table(TableName=f"paygw-{stack.stage}-merchants")
    assert requests.get(stack.api_url + "/health").json()["dynamodb"] == "DOWN"


def test_health_is_503_when_the_emulator_is_unreachable():
    port = free_port()
    env = {
        **base_env(),
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
        "API_PORT": str(port),
        "STAGE": "nowhere",
        **UNSAFE_OPT_INS,  # as the test stacks run it: without a session secret it would not start
    }
    api = spawn("infra.local.api_server", env)
    try:
        assert wait_for_http(f"http://127.0.0.1:{port}/health", 30, api, accept=lambda status: status == 503)
        body = requests.get(f"http://127.0.0.1:{port}/health").json()
        assert body == {"status": "DOWN", "dynamodb": "DOWN", "sqs": "DOWN", "stage": "nowhere"}
    finally:
        stop(api)
