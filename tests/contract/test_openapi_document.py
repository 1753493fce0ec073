"""The OpenAPI description: valid OpenAPI 3.1, exactly the registered routes, built lazily, served
at /openapi.json without credentials, and honest about the errors Chalice and AWS cause."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from infra.local.processes import spawn, stop, wait_for_http
from tests.support.ports import free_port
from tests.support.stack import ROOT, UNSAFE_OPT_INS, base_env

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
def document() -> dict:
    import app  # noqa: F401 - registers every blueprint's operations
    from chalicelib.api import openapi

    return openapi.document()


def documented_operations(document: dict) -> set[tuple[str, str]]:
    return {
        (method.upper(), path) for path, item in document["paths"].items() for method in item if method in HTTP_METHODS
    }


def test_it_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document, cls=OpenAPIV31SpecValidator)  # raises on any violation of OpenAPI 3.1


def test_the_validator_would_notice_a_broken_document(document):
    broken = json.loads(json.dumps(document))
    broken["paths"]["/api/v1/orders"]["post"]["responses"]["201"] = {"content": {}}  # no description
    with pytest.raises(OpenAPIValidationError):
        validate(broken, cls=OpenAPIV31SpecValidator)


def test_it_covers_exactly_the_registered_routes(document):
    from app import app

    registered = {
        (method, path) for path, methods in app.routes.items() for method in methods if method != "OPTIONS"
    }  # CORS preflights, answered for every path
    assert registered, "no routes registered"
    assert documented_operations(document) == registered


def test_every_operation_documents_its_errors(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            statuses = set(operation["responses"])
            label = f"{method.upper()} {path}"
            assert operation["operationId"] and operation["summary"], label
            assert any(status.startswith("2") for status in statuses), label
            assert "500" in statuses, label
            if operation["security"]:
                assert "401" in statuses, label
            if "{" in path:
                assert "404" in statuses, label
                assert {p["name"] for p in operation["parameters"] if p["in"] == "path"} == set(
                    path.replace("}", "{").split("{")[1::2]
                ), label
            if "requestBody" in operation or any(p["in"] == "query" for p in operation.get("parameters", ())):
                assert "400" in statuses, label
            # Razorpay's face (/v1, issue 17) answers Razorpay's error object instead.
            error_schema = "RazorpayError" if path.startswith("/v1/") else "Error"
            for status, response in operation["responses"].items():
                if status >= "400" and not (status == "503" and path in ("/health", "/actuator/health")):
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": f"#/components/schemas/{error_schema}"
                    }, f"{label} {status}"


def test_idempotent_operations_take_the_key_and_can_conflict(document):
    from chalicelib.api.endpoint import OPERATIONS

    idempotent = {(op.method, op.path) for op in OPERATIONS if op.idempotent}
    # docs/api.md: every POST that creates or changes something takes the key
    assert idempotent >= {
        ("POST", "/api/v1/orders"),
        ("POST", "/api/v1/payments"),
        ("POST", "/api/v1/payments/{id}/capture"),
        ("POST", "/api/v1/payments/{id}/refunds"),
        ("POST", "/api/v1/payments/{id}/refund"),
    }
    for path, item in document["paths"].items():
        for method, operation in item.items():
            headers = {p["name"] for p in operation.get("parameters", ()) if p["in"] == "header"}
            if (method.upper(), path) in idempotent:
                assert headers == {"Idempotency-Key"}, path
                assert {"409", "422"} <= set(operation["responses"]), path
            else:
                assert "Idempotency-Key" not in headers, path


def test_throttled_operations_document_429_with_retry_after(document):
    from chalicelib.api.endpoint import OPERATIONS, PUBLIC_KEY

    throttled = {(op.method, op.path) for op in OPERATIONS if op.auth == PUBLIC_KEY}
    throttled.add(("POST", "/api/v1/dashboard/login"))
    throttled.add(("POST", "/api/v1/webhook-endpoints/{id}/check"))  # per merchant
    assert ("POST", "/api/v1/payments/public") in throttled
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if (method.upper(), path) not in throttled:
                assert "429" not in operation["responses"], path
                continue
            answer = operation["responses"]["429"]
            assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, path
            assert answer["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 1}, path
    assert "TOO_MANY_REQUESTS" in document["components"]["schemas"]["ErrorDetail"]["properties"]["code"]["enum"]


def test_links_lead_to_operations_that_exist(document):
    operation_ids = {op["operationId"] for item in document["paths"].values() for op in item.values()}
    links = [
        link
        for item in document["paths"].values()
        for op in item.values()
        for response in op["responses"].values()
        for link in response.get("links", {}).values()
    ]
    assert len(links) >= 10
    assert {link["operationId"] for link in links} <= operation_ids


def test_security_matches_each_operations_authentication(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["ApiKey"] == {**schemes["ApiKey"], "type": "apiKey", "in": "header", "name": "X-Api-Key"}
    assert schemes["ApiSecret"] == {"type": "apiKey", "in": "header", "name": "X-Api-Secret"}
    assert schemes["Basic"]["scheme"] == "basic" and schemes["Bearer"]["scheme"] == "bearer"
    operations = {(method.upper(), path): op for path, item in document["paths"].items() for method, op in item.items()}
    assert operations[("GET", "/api/v1/orders")]["security"] == [
        {"ApiKey": [], "ApiSecret": []},
        {"Basic": []},
        {"Bearer": []},
    ]
    assert operations[("GET", "/health")]["security"] == []
    assert operations[("GET", "/openapi.json")]["security"] == []
    assert operations[("POST", "/api/v1/dashboard/login")]["security"] == []
    assert operations[("GET", "/api/v1/orders/{id}/public")]["security"] == [{"ApiKey": []}, {}]
    assert any(
        p["name"] == "key" and p["in"] == "query"
        for p in operations[("GET", "/api/v1/orders/{id}/public")]["parameters"]
    )


def test_query_parameters_and_bodies_come_from_the_request_models(document):
    from chalicelib.api import schemas

    operations = {(method.upper(), path): op for path, item in document["paths"].items() for method, op in item.items()}
    listing = {p["name"]: p for p in operations[("GET", "/api/v1/payments")]["parameters"]}
    assert set(listing) == {"limit", "offset", "cursor", "status", "from", "to"}
    assert listing["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}
    assert listing["status"]["schema"]["enum"] == ["pending", "success", "failed"]
    body = operations[("POST", "/api/v1/orders")]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/CreateOrder"}
    create_order = document["components"]["schemas"]["CreateOrder"]
    assert create_order["required"] == ["amount"] and create_order["additionalProperties"] is False
    assert create_order["properties"]["amount"]["minimum"] == 100
    assert create_order == {
        key: value
        for key, value in schemas.CreateOrder.model_json_schema(ref_template="#/components/schemas/{model}").items()
        if key != "$defs"
    }


def test_the_document_is_built_on_first_request_not_at_import():
    probe = (
        "import app\n"
        "from chalicelib.api import openapi, responses\n"
        "assert openapi.document.cache_info().currsize == 0\n"
        "assert not responses.Payment.__pydantic_complete__\n"
        "document = openapi.document()\n"
        "assert responses.Payment.__pydantic_complete__ and document['paths']\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=base_env(), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_it_is_served_without_credentials(gateway, document):
    response = requests.get(gateway.api_url + "/openapi.json", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == json.loads(json.dumps(document))


def test_unreachable_aws_is_a_503_with_the_error_shape():
    """docs/api.md: 503 SERVICE_UNAVAILABLE when DynamoDB or SQS cannot be reached (not a 500)."""
    port = free_port()
    env = {
        **base_env(),
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
        "API_PORT": str(port),
        "STAGE": "unreachable",
        **UNSAFE_OPT_INS,  # as the test stacks run it: without a session secret it would not start
    }
    api = spawn("infra.local.api_server", env, log=subprocess.DEVNULL)
    try:
        assert wait_for_http(f"http://127.0.0.1:{port}/health", 30, api, accept=lambda status: status == 503)
        response = requests.get(
            f"http://127.0.0.1:{port}/api/v1/orders",
            timeout=30,
            headers={"X-Api-Key": "key_test_abc123", "X-Api-Secret": "secret_test_xyz789"},
        )
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
        assert set(response.json()) == {"error"}
    finally:
        stop(api)
