"""Patches to the moto server's speed, applied by infra/local/emulator.py unless EMULATOR_TUNING=0.

They change what a call costs, never what it answers: the always-on correctness fixes are in
infra/local/moto_correctness.py. Measured with `make bench`
(bench/README-figures.md has the figures); docs/emulator.md lists each patch with its test.

- keep-alive: werkzeug's development server, which moto runs, closes the connection after every
  response ("Connection: close"), so every AWS call paid a TCP connect, a new server thread and a
  10 ms drain wait. KeepAliveHandler serves HTTP/1.1 keep-alive with Nagle's algorithm off and
  writes each response in a single send, so no delayed-ACK stall can appear either.
- routing-cache: moto finds the service of every request by listing its own package directory
  (about 200 stat calls) and trying hundreds of URL patterns, under one global lock. The answer
  depends only on the host name it infers, so it is cached per host; the list of each handler
  class's methods, which moto rebuilt with inspect.getmembers on every call, is kept too.
- json-fast-path: requests of the JSON protocols (X-Amz-Target: DynamoDB, SQS) go straight to the
  moto handler Flask would have called, skipping Flask's request context, URL matching, CORS hook
  and response wrapping: a fifth of moto's time per call. Every other request goes through Flask
  as before. The request URL is formed from the request line instead of by werkzeug's host and
  IDNA handling.
- header-parsing: request headers are split directly instead of by the stdlib's email parser
  (infra/local/fast_http.py).
- sqs-bookkeeping: moto reads the clock through datetime objects (several microseconds a call)
  once per message per check, and SendMessage computed every queue attribute, counting all the
  queue's messages three times, to read one flag; GetQueueAttributes did so once per requested
  name, twice. The clock is read with time.time() and the counts are made in one pass, so a send
  no longer costs time in proportion to the queue's length times the clock's cost.
"""

from __future__ import annotations

import functools
import io
import sys
import time
import traceback
from typing import Any

from botocore.exceptions import ClientError
from moto import backends as moto_backends
from moto.core import responses as moto_responses
from moto.core import utils as moto_utils
from moto.core.request import Request as MotoRequest
from moto.moto_server import werkzeug_app
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.sqs import models as sqs_models
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from . import fast_http
from .moto_correctness import ConnectionAwareHandler, replace, serving

PATCHES = ("keep-alive", "routing-cache", "json-fast-path", "header-parsing", "sqs-bookkeeping")


# --- keep-alive HTTP/1.1 -------------------------------------------------------------------------


class KeepAliveHandler(ConnectionAwareHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def run_wsgi(self) -> None:
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        if chunked or self.request_version != "HTTP/1.1" or self.headers.get("Expect"):
            self.close_connection = True
            return super().run_wsgi()  # rare requests: werkzeug's own path, which closes
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        environ = self.make_environ()
        environ["wsgi.input"] = io.BytesIO(body)
        self.environ = environ
        response: dict[str, Any] = {}
        chunks: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> Any:
            response["status"], response["headers"] = status, headers
            return chunks.append

        try:
            with serving(self.connection):
                result = self.server.app(environ, start_response)
                try:
                    chunks.extend(result)
                finally:
                    if hasattr(result, "close"):
                        result.close()
        except Exception:  # noqa: BLE001 - answer 500, as werkzeug does, and log it
            traceback.print_exc(file=sys.stderr)
            response = {"status": "500 INTERNAL SERVER ERROR", "headers": [("Content-Type", "text/plain")]}
            chunks = [b"Internal Server Error"]
            self.close_connection = True
        payload = b"".join(chunks)
        declared = None
        lines = [f"HTTP/1.1 {response['status']}"]
        for name, value in response["headers"]:
            lowered = name.lower()
            if lowered == "content-length":
                declared = value
            elif lowered not in ("connection", "transfer-encoding"):
                lines.append(f"{name}: {value}")
        if self.command == "HEAD":
            lines.append(f"Content-Length: {declared if declared is not None else len(payload)}")
            payload = b""
        else:
            lines.append(f"Content-Length: {len(payload)}")
        if self.close_connection:
            lines.append("Connection: close")
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)


def handler(disabled: frozenset[str] = frozenset()) -> type[ConnectionAwareHandler]:
    """The request handler class to serve with (werkzeug's, closing, if keep-alive is off)."""
    return ConnectionAwareHandler if "keep-alive" in disabled else KeepAliveHandler


# --- routing cache and JSON fast path --------------------------------------------------------------------------

_uncached_backend_for_host = DomainDispatcherApplication.get_backend_for_host
_module_names = list(moto_backends.list_of_moto_modules())


def _cached_backend_for_host(self, host):
    cache = self.__dict__.setdefault("_backend_by_host", {})
    try:
        return cache[host]
    except KeyError:
        backend = cache[host] = _uncached_backend_for_host(self, host)
        return backend


class _ServerRequest(MotoRequest):
    from_wsgi_server = True  # what moto's Flask request class (BackendRequest) says

    @property
    def raw_url(self) -> str:
        """moto's raw_url (scheme, host, then the path and query as they arrived), without
        werkzeug's URL reconstruction; only for the plain origin-form requests SDKs send."""
        raw_uri = self.environ.get("RAW_URI") or ""
        host = self.environ.get("HTTP_HOST")
        if not raw_uri.startswith("/") or raw_uri.startswith("//") or not host:
            return super().raw_url
        return f"{self.environ['wsgi.url_scheme']}://{host}{raw_uri}"


_flask_call = DomainDispatcherApplication.__call__


def _json_view(app, environ):
    """The moto callback Flask would route this request to, if it is one (cached per path)."""
    cache = app.__dict__.setdefault("_json_views", {})
    path = environ.get("PATH_INFO", "")
    if path not in cache:
        try:
            endpoint, _ = app.url_map.bind_to_environ(environ).match()
        except HTTPException:
            endpoint = None
        view = app.view_functions.get(endpoint) if endpoint else None
        cache[path] = view if isinstance(view, moto_utils.convert_to_flask_response) else None
    return cache[path]


def _dispatch(self, environ, start_response):
    if environ.get("REQUEST_METHOD") == "POST" and "HTTP_X_AMZ_TARGET" in environ:
        view = _json_view(self.get_application(environ), environ)
        if view is not None:
            # What moto's convert_to_flask_response does inside Flask, minus Flask.
            request = _ServerRequest(environ)
            try:
                result = view.callback(request, request.raw_url, dict(request.headers))
            except ClientError as error:
                result = 400, {}, error.response["Error"]["Message"]
            status, headers, content = result if len(result) == 3 else (200, {}, result)
            return WerkzeugResponse(response=content, status=status, headers=headers)(environ, start_response)
    return _flask_call(self, environ, start_response)


# --- SQS bookkeeping ---------------------------------------------------------------------------

_datetime_unix_time = moto_utils.unix_time


def unix_time(dt=None) -> float:
    """moto's unix_time: without an argument, the same value as time.time(), at a tenth the cost."""
    return time.time() if dt is None else _datetime_unix_time(dt)


def unix_time_millis(dt=None) -> float:
    return unix_time(dt) * 1000.0


def _messages(self) -> list:
    """The receivable messages: visible and not delayed (moto's rule), with one clock read."""
    now = unix_time_millis()
    return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]


def _counts(queue) -> tuple[int, int, int]:
    """(visible, not visible, delayed) in one pass, as moto's three properties count them."""
    now = unix_time_millis()
    visible = not_visible = delayed = 0
    for m in queue._messages:
        is_visible = now > m.visible_at
        is_delayed = now < m.delayed_until
        if is_visible and not is_delayed:
            visible += 1
        if not is_visible:
            not_visible += 1
        if is_delayed:
            delayed += 1
    return visible, not_visible, delayed


_original_attributes = vars(sqs_models.Queue)["attributes"].fget  # a property (moto's stubs say a method)
_COUNTED = {
    "ApproximateNumberOfMessages": "approximate_number_of_messages",
    "ApproximateNumberOfMessagesNotVisible": "approximate_number_of_messages_not_visible",
    "ApproximateNumberOfMessagesDelayed": "approximate_number_of_messages_delayed",
}


def _attributes(self) -> dict:
    """moto's attribute map, with the three message counts made in a single pass."""
    visible, not_visible, delayed = _counts(self)
    self.__dict__["_counts_override"] = {
        "approximate_number_of_messages": visible,
        "approximate_number_of_messages_not_visible": not_visible,
        "approximate_number_of_messages_delayed": delayed,
    }
    try:
        return _original_attributes(self)
    finally:
        self.__dict__.pop("_counts_override", None)


def _count_property(name: str, original):
    def getter(self):
        override = self.__dict__.get("_counts_override")
        return override[name] if override is not None else original.fget(self)

    return property(getter)


def apply(disabled: frozenset[str] = frozenset()) -> None:
    """Installs every patch in PATCHES but those in `disabled` (keep-alive is the handler class
    handler() returns)."""
    if "routing-cache" not in disabled:
        replace(DomainDispatcherApplication, "get_backend_for_host", _cached_backend_for_host)
        replace(
            moto_responses,
            "method_names_from_class",
            functools.lru_cache(maxsize=None)(moto_utils.method_names_from_class),
        )
        replace(moto_backends, "list_of_moto_modules", lambda: iter(_module_names))
        replace(werkzeug_app.backends, "list_of_moto_modules", moto_backends.list_of_moto_modules)
    if "json-fast-path" not in disabled:
        replace(DomainDispatcherApplication, "__call__", _dispatch)
    if "header-parsing" not in disabled:
        fast_http.install()
    if "sqs-bookkeeping" not in disabled:
        for module in (moto_utils, sqs_models):
            replace(module, "unix_time", unix_time)
            replace(module, "unix_time_millis", unix_time_millis)
        replace(sqs_models.Queue, "messages", property(_messages))
        for attribute in _COUNTED.values():
            replace(sqs_models.Queue, attribute, _count_property(attribute, getattr(sqs_models.Queue, attribute)))
        replace(sqs_models.Queue, "attributes", property(_attributes))
