"""The REST API's behaviour on AWS where API Gateway answers itself, set in the packaged template
(`make package`: infra/package.py calls `finish`).

- **Gateway responses.** A request no route takes never reaches the API function: API Gateway
  answers it with 403 "Missing Authentication Token", or, when an Authorization header came with
  it, with a message that quotes the header (an API key and secret in base64). Every gateway
  response type that can only mean "no such route" here (the API uses no API Gateway authorizer,
  API key or IAM auth) answers the API's own 404 NOT_FOUND_ERROR, the same bytes the local API
  server sends; every other one answers in the API's error shape too. No template uses
  `$context` or `$input`, so nothing from the request can come back. Chalice's greedy `{proxy+}`
  route would avoid the gateway response but is unreliable (aws/chalice#2072).
- **Any method.** A method a path lacks reaches the API function (`x-amazon-apigateway-any-method`,
  which API Gateway takes only where no explicit method matches), so Chalice answers 405 with
  `Allow`, as it does locally, instead of API Gateway's "no such route".
- **Stage throttling.** Every method of the stage is throttled at API_THROTTLE_RATE_LIMIT requests
  per second with bursts of API_THROTTLE_BURST_LIMIT, from the shell or else the stage's
  environment in .chalice/config.json: a ceiling for the whole API, beneath the account's; the
  per-client budgets are the API's own.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from pathlib import Path

from chalicelib.domain.errors import ROUTE_NOT_FOUND_DESCRIPTION

ROOT = Path(__file__).resolve().parents[1]
API_TYPE = "AWS::Serverless::Api"
RESPONSES_KEY = "x-amazon-apigateway-gateway-responses"
ANY_METHOD = "x-amazon-apigateway-any-method"
RATE_VARIABLE, BURST_VARIABLE = "API_THROTTLE_RATE_LIMIT", "API_THROTTLE_BURST_LIMIT"
DEFAULT_RATE, DEFAULT_BURST = 1000.0, 2000

# Every gateway response type (docs.aws.amazon.com/apigateway/latest/developerguide/
# supported-gateway-response-types.html). These can only mean that no route took the request.
NOT_FOUND_TYPES = (
    "MISSING_AUTHENTICATION_TOKEN",
    "RESOURCE_NOT_FOUND",
    "INVALID_SIGNATURE",
    "EXPIRED_TOKEN",
    "UNAUTHORIZED",
    "ACCESS_DENIED",
    "INVALID_API_KEY",
)
# (status or None to keep API Gateway's, code, description) for the rest.
OTHER_TYPES: dict[str, tuple[int | None, str, str]] = {
    "THROTTLED": (429, "TOO_MANY_REQUESTS", "Too many requests; retry later"),
    "QUOTA_EXCEEDED": (429, "TOO_MANY_REQUESTS", "Too many requests; retry later"),
    "REQUEST_TOO_LARGE": (413, "BAD_REQUEST_ERROR", "The request is too large"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "UNSUPPORTED_MEDIA_TYPE", "Unsupported media type"),
    "BAD_REQUEST_BODY": (400, "BAD_REQUEST_ERROR", "The request body is not valid"),
    "BAD_REQUEST_PARAMETERS": (400, "BAD_REQUEST_ERROR", "The request parameters are not valid"),
    "WAF_FILTERED": (403, "BAD_REQUEST_ERROR", "The request was refused"),
    "INTEGRATION_FAILURE": (503, "SERVICE_UNAVAILABLE", "The gateway cannot answer now; try again shortly"),
    "INTEGRATION_TIMEOUT": (503, "SERVICE_UNAVAILABLE", "The gateway cannot answer now; try again shortly"),
    "API_CONFIGURATION_ERROR": (500, "SERVER_ERROR", "Something went wrong on our side; it has been logged"),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, "SERVER_ERROR", "Something went wrong on our side; it has been logged"),
    "AUTHORIZER_FAILURE": (500, "SERVER_ERROR", "Something went wrong on our side; it has been logged"),
    # Whatever API Gateway adds later falls back on these two.
    "DEFAULT_4XX": (None, "BAD_REQUEST_ERROR", "The request was refused"),
    "DEFAULT_5XX": (None, "SERVER_ERROR", "Something went wrong on our side; it has been logged"),
}
RETRY_AFTER_SECONDS = 1  # a throttled caller's wait: API Gateway refills its bucket every second


def error_body(code: str, description: str) -> str:
    """The bytes the API sends for the same error (chalicelib/api/endpoint.py's json_response)."""
    return json.dumps({"error": {"code": code, "description": description}}, separators=(",", ":"))


def gateway_responses() -> dict[str, dict]:
    responses: dict[str, dict] = {}
    for response_type in NOT_FOUND_TYPES:
        responses[response_type] = _response(404, "NOT_FOUND_ERROR", ROUTE_NOT_FOUND_DESCRIPTION)
    for response_type, (status, code, description) in OTHER_TYPES.items():
        responses[response_type] = _response(status, code, description)
        if status == 429:
            responses[response_type]["responseParameters"]["gatewayresponse.header.Retry-After"] = (
                f"'{RETRY_AFTER_SECONDS}'"
            )
    return responses


def _response(status: int | None, code: str, description: str) -> dict:
    response: dict = {
        # Header values are quoted static strings, never `method.request.*`; the template is the
        # JSON itself, with nothing taken from the request.
        "responseParameters": {"gatewayresponse.header.Cache-Control": "'no-store'"},
        "responseTemplates": {"application/json": error_body(code, description)},
    }
    if status is not None:
        response["statusCode"] = str(status)  # a string in API Gateway's OpenAPI extension
    return response


def stage_environment(stage: str) -> dict[str, str]:
    path = ROOT / ".chalice" / "config.json"
    if not path.is_file():
        return {}
    from chalice.config import Config

    return dict(Config(chalice_stage=stage, config_from_disk=json.loads(path.read_text())).environment_variables)


def throttling(stage: str, environ: Mapping[str, str] | None = None) -> tuple[float, int]:
    """(rate, burst) of the stage: the shell's values, else the stage's, else the defaults."""
    shell = os.environ if environ is None else environ
    configured = stage_environment(stage)

    def value(name: str) -> str | None:
        return shell.get(name) or configured.get(name)

    raw_rate, raw_burst = value(RATE_VARIABLE), value(BURST_VARIABLE)
    try:
        rate = float(raw_rate) if raw_rate else DEFAULT_RATE
    except ValueError:
        raise SystemExit(f"{RATE_VARIABLE} must be a number of requests per second, not {raw_rate!r}") from None
    try:
        burst = int(raw_burst) if raw_burst else DEFAULT_BURST
    except ValueError:
        raise SystemExit(f"{BURST_VARIABLE} must be a whole number of requests, not {raw_burst!r}") from None
    if not rate > 0:
        raise SystemExit(f"{RATE_VARIABLE} must be above 0, not {raw_rate!r}")
    if burst < 1:
        raise SystemExit(f"{BURST_VARIABLE} must be 1 or more, not {raw_burst!r}")
    return rate, burst


def finish(sam: dict, stage: str, environ: Mapping[str, str] | None = None) -> dict:
    """The packaged template with the REST API's gateway responses, any-method routes and stage
    throttling; the throttling variables, read here, are kept out of the functions' environment."""
    sam = copy.deepcopy(sam)
    apis = [resource for resource in sam["Resources"].values() if resource["Type"] == API_TYPE]
    if len(apis) != 1:
        raise SystemExit(f"the packaged template has {len(apis)} REST APIs, not one: is app.py's import broken?")
    properties = apis[0]["Properties"]
    definition = properties["DefinitionBody"]
    definition[RESPONSES_KEY] = gateway_responses()
    for path, methods in definition["paths"].items():
        routed = [spec for method, spec in methods.items() if method not in ("options", ANY_METHOD)]
        if not routed:
            raise SystemExit(f"path {path} has no method but OPTIONS")
        methods[ANY_METHOD] = copy.deepcopy(routed[0])
    rate, burst = throttling(stage, environ)
    properties["MethodSettings"] = [
        {"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": rate, "ThrottlingBurstLimit": burst}
    ]
    for resource in sam["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            variables = resource["Properties"].get("Environment", {}).get("Variables", {})
            variables.pop(RATE_VARIABLE, None)
            variables.pop(BURST_VARIABLE, None)
    return sam
