"""The REST API as the packaged template sets it up (infra/api_gateway.py): every answer API
Gateway makes itself is in the API's error shape and takes nothing from the request (an unknown
route answers the local server's exact 404), a method a path lacks reaches the function (405 from
Chalice, as locally), and the stage is throttled from its configuration.

On a small template here; test_package.py checks the same on `make package`'s own."""

from __future__ import annotations

import json

import pytest

from infra import api_gateway
from infra.local.api_server import ROUTE_NOT_FOUND_BODY
from tests.support.stack import ROOT

# Every gateway response type API Gateway has (its GatewayResponse API reference).
ALL_TYPES = {
    "DEFAULT_4XX", "DEFAULT_5XX", "RESOURCE_NOT_FOUND", "UNAUTHORIZED", "INVALID_API_KEY", "ACCESS_DENIED",
    "AUTHORIZER_FAILURE", "AUTHORIZER_CONFIGURATION_ERROR", "INVALID_SIGNATURE", "EXPIRED_TOKEN",
    "MISSING_AUTHENTICATION_TOKEN", "INTEGRATION_FAILURE", "INTEGRATION_TIMEOUT", "API_CONFIGURATION_ERROR",
    "UNSUPPORTED_MEDIA_TYPE", "BAD_REQUEST_PARAMETERS", "BAD_REQUEST_BODY", "REQUEST_TOO_LARGE", "THROTTLED",
    "QUOTA_EXCEEDED", "WAF_FILTERED",
}  # fmt: skip
# What API Gateway answers an unmatched route with: with an Authorization header, a message that
# quotes it; without, "Missing Authentication Token". Both are MISSING_AUTHENTICATION_TOKEN.
UNMATCHED_ROUTE = {"MISSING_AUTHENTICATION_TOKEN", "RESOURCE_NOT_FOUND", "INVALID_SIGNATURE", "EXPIRED_TOKEN"}
PROD = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]["prod"]["environment_variables"]
INTEGRATION = {"type": "aws_proxy", "httpMethod": "POST", "uri": {"Fn::Sub": "...${APIHandler.Arn}/invocations"}}


def small_template() -> dict:
    route = {"consumes": ["*/*"], "x-amazon-apigateway-integration": INTEGRATION}
    return {
        "Resources": {
            "RestAPI": {
                "Type": "AWS::Serverless::Api",
                "Properties": {
                    "StageName": "api",
                    "DefinitionBody": {
                        "swagger": "2.0",
                        "paths": {
                            "/api/v1/orders": {"get": route, "post": route, "options": {"x": "preflight"}},
                            "/api/v1/orders/{id}": {"get": route},
                        },
                    },
                },
            },
            "APIHandler": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Handler": "app.app",
                    "Environment": {
                        "Variables": {"STAGE": "prod", "API_THROTTLE_RATE_LIMIT": "7", "API_THROTTLE_BURST_LIMIT": "9"}
                    },
                },
            },
        }
    }


def finished(stage: str = "prod", **environ: str) -> dict:
    return api_gateway.finish(small_template(), stage, environ)


def rest_api(sam: dict) -> dict:
    return sam["Resources"]["RestAPI"]["Properties"]


def test_an_unmatched_route_answers_the_local_servers_404_bytes():
    responses = rest_api(finished())["DefinitionBody"]["x-amazon-apigateway-gateway-responses"]
    for response_type in UNMATCHED_ROUTE:
        assert responses[response_type]["statusCode"] == "404", response_type
        assert responses[response_type]["responseTemplates"] == {"application/json": ROUTE_NOT_FOUND_BODY.decode()}
    assert json.loads(ROUTE_NOT_FOUND_BODY)["error"]["code"] == "NOT_FOUND_ERROR"


def test_every_gateway_response_is_customized_in_the_apis_shape_and_echoes_nothing():
    responses = rest_api(finished())["DefinitionBody"]["x-amazon-apigateway-gateway-responses"]
    assert set(responses) == ALL_TYPES
    for response_type, response in responses.items():
        (template,) = response["responseTemplates"].values()
        body = json.loads(template)
        assert set(body) == {"error"} and set(body["error"]) == {"code", "description"}, response_type
        # Nothing from the request: no template variable, no request parameter in a header.
        assert "$" not in template and "#" not in template, response_type
        for value in response["responseParameters"].values():
            assert value.startswith("'") and value.endswith("'"), (response_type, value)
        status = response.get("statusCode")
        assert status is None or isinstance(status, str), "a string in the OpenAPI extension"
    assert responses["THROTTLED"]["statusCode"] == "429"
    assert json.loads(responses["THROTTLED"]["responseTemplates"]["application/json"])["error"]["code"] == (
        "TOO_MANY_REQUESTS"
    )
    assert responses["THROTTLED"]["responseParameters"]["gatewayresponse.header.Retry-After"] == "'1'"


def test_a_method_a_path_lacks_reaches_the_function_for_its_405():
    paths = rest_api(finished())["DefinitionBody"]["paths"]
    for path, methods in paths.items():
        any_method = methods["x-amazon-apigateway-any-method"]
        assert any_method["x-amazon-apigateway-integration"] == INTEGRATION, path
    assert paths["/api/v1/orders"]["options"] == {"x": "preflight"}, "the explicit methods stay as they were"


def test_the_stage_is_throttled_from_its_configuration():
    settings = rest_api(finished("prod"))["MethodSettings"]
    assert settings == [
        {
            "ResourcePath": "/*",
            "HttpMethod": "*",
            "ThrottlingRateLimit": float(PROD["API_THROTTLE_RATE_LIMIT"]),
            "ThrottlingBurstLimit": int(PROD["API_THROTTLE_BURST_LIMIT"]),
        }
    ]
    local = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]["local"]["environment_variables"]
    assert rest_api(finished("local"))["MethodSettings"][0]["ThrottlingRateLimit"] == float(
        local["API_THROTTLE_RATE_LIMIT"]
    )
    shell = rest_api(finished("prod", API_THROTTLE_RATE_LIMIT="12.5", API_THROTTLE_BURST_LIMIT="30"))
    assert shell["MethodSettings"][0]["ThrottlingRateLimit"] == 12.5
    assert shell["MethodSettings"][0]["ThrottlingBurstLimit"] == 30
    unknown = rest_api(finished("no-such-stage"))["MethodSettings"][0]
    assert (unknown["ThrottlingRateLimit"], unknown["ThrottlingBurstLimit"]) == (
        api_gateway.DEFAULT_RATE,
        api_gateway.DEFAULT_BURST,
    )


def test_the_throttling_variables_stay_out_of_the_functions():
    variables = finished()["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert variables == {"STAGE": "prod"}


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"API_THROTTLE_RATE_LIMIT": "fast"}, "API_THROTTLE_RATE_LIMIT must be a number"),
        ({"API_THROTTLE_RATE_LIMIT": "0"}, "API_THROTTLE_RATE_LIMIT must be above 0"),
        ({"API_THROTTLE_BURST_LIMIT": "2.5"}, "API_THROTTLE_BURST_LIMIT must be a whole number"),
        ({"API_THROTTLE_BURST_LIMIT": "0"}, "API_THROTTLE_BURST_LIMIT must be 1 or more"),
    ],
)
def test_a_bad_throttling_value_stops_the_packaging_naming_it(environ, message):
    with pytest.raises(SystemExit, match=message):
        finished(**environ)


def test_a_template_without_its_rest_api_stops_the_packaging():
    sam = small_template()
    del sam["Resources"]["RestAPI"]
    with pytest.raises(SystemExit, match="0 REST APIs"):
        api_gateway.finish(sam, "prod", {})
