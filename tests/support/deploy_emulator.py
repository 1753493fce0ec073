"""The moto server for the `chalice deploy` test, with the two gaps that stop Chalice filled.

moto 5.2.5's ImportRestApi (docs/deploy.md records both errors):
1. reads the document's `info.description` unconditionally, and Chalice's has none (AWS does not
   require one): `An error occurred (500) when calling the ImportRestApi operation: Internal Server
   Error` (KeyError: 'description' in moto);
2. refuses Swagger 2.0, which is what Chalice writes: `An error occurred (BadRequestException) when
   calling the ImportRestApi operation: Only OpenAPI 3.x.x are currently supported`. What moto reads
   of a document (its paths, their methods and x-amazon-apigateway-integration) is the same in
   both versions, so the patch takes the `swagger` marker away and lets moto read the rest.
Only this test's server is patched: `make run`'s emulator never serves API Gateway."""

from __future__ import annotations

import sys
from typing import Any

from infra.local import emulator


def accept_chalices_openapi_document() -> None:
    from moto.apigateway.models import APIGatewayBackend

    stock_import, stock_put = APIGatewayBackend.import_rest_api, APIGatewayBackend.put_rest_api

    def import_rest_api(self: Any, api_doc: dict[str, Any], fail_on_warnings: bool) -> Any:
        api_doc.setdefault("info", {}).setdefault("description", "")
        return stock_import(self, api_doc, fail_on_warnings)

    def put_rest_api(self: Any, function_id: str, api_doc: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        api_doc.pop("swagger", None)
        return stock_put(self, function_id, api_doc, *args, **kwargs)

    APIGatewayBackend.import_rest_api = import_rest_api  # type: ignore[method-assign]
    APIGatewayBackend.put_rest_api = put_rest_api  # type: ignore[method-assign]


if __name__ == "__main__":
    accept_chalices_openapi_document()
    sys.exit(emulator.main())
