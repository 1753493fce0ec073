"""The gateway's HTTP API, as the commands use it: JSON in and out, HTTP Basic with the API key
and secret, and every failure turned into a CliError with its exit code."""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import urllib3

from .errors import REFUSED, UNREACHABLE, CliError
from .profiles import Connection


class ApiError(CliError):
    """The gateway answered with an error: its status and its `{"error": {...}}` body."""

    def __init__(self, method: str, path: str, status: int, body: Any) -> None:
        error = body.get("error") if isinstance(body, dict) else None
        error = error if isinstance(error, dict) else {}
        self.status = status
        self.code = str(error.get("code") or "")
        self.description = str(error.get("description") or (body if isinstance(body, str) else "")).strip()
        self.field = error.get("field")
        where = f" (field: {self.field})" if self.field else ""
        message = f"{method} {path} failed with {status} {self.code}: {self.description or 'no description'}{where}"
        super().__init__(message, REFUSED, {"status": status, "error": error or body})


class Client:
    def __init__(self, connection: Connection, timeout: float | None = None) -> None:
        timeout = timeout or float(os.environ.get("PAYGW_HTTP_TIMEOUT") or 30)
        self.connection = connection
        self._http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5.0, read=timeout),
            retries=False,  # a command's requests are not retried blindly: POSTs carry keys instead
        )
        self._auth = urllib3.make_headers(basic_auth=f"{connection.api_key}:{connection.api_secret}")

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: dict[str, Any] | None = None,
        idempotent: bool = False,
        auth: bool = True,
    ) -> Any:
        headers = {"Accept": "application/json", "User-Agent": "paygw-cli", **(self._auth if auth else {})}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if idempotent:
            headers["Idempotency-Key"] = f"paygw-{uuid.uuid4().hex}"
        fields = {key: str(value) for key, value in (params or {}).items() if value is not None}
        url = self.connection.api_url + path
        try:
            response = self._http.request(
                method,
                url,
                fields=fields or None,
                body=None if body is None else json.dumps(body).encode(),
                headers=headers,
            )
        except urllib3.exceptions.HTTPError as error:
            raise CliError(f"cannot reach the gateway at {self.connection.api_url}: {error}", UNREACHABLE) from None
        text = response.data.decode("utf-8", "replace")
        try:
            parsed: Any = json.loads(text) if text else None
        except ValueError:
            parsed = text
        if response.status >= 400:
            raise ApiError(method, path, response.status, parsed)
        return parsed

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any = None, idempotent: bool = False, auth: bool = True) -> Any:
        return self.request("POST", path, body=body if body is not None else {}, idempotent=idempotent, auth=auth)
