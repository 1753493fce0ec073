"""Fixes to the moto server's speed and SQS timing, applied by infra/local/emulator.py.

moto stays the emulator: these patch how its HTTP server and its SQS queues behave, never what
an API answers. Measured with `make bench` (bench/README-figures.md has the figures):

1. Keep-alive. werkzeug's development server, which moto runs, closes the connection after every
   response ("Connection: close"), so every AWS call paid a TCP connect, a new server thread and
   a 10 ms drain wait. KeepAliveHandler serves HTTP/1.1 keep-alive with Nagle's algorithm off and
   writes each response in a single send, so no delayed-ACK stall can appear either.
2. Routing. moto finds the service of every request by listing its own package directory (about
   200 stat calls) and trying hundreds of URL patterns, under one global lock. The answer depends
   only on the host name it infers, so it is cached per host. Requests of the JSON protocols
   (X-Amz-Target: DynamoDB, SQS) then go straight to the moto handler Flask would have called,
   skipping Flask's request context, URL matching, CORS hook and response wrapping: a fifth of
   moto's time per call. Every other request goes through Flask as before. Request headers are
   split directly instead of by the stdlib's email parser, the request URL is formed from the
   request line instead of by werkzeug's host and IDNA handling, and the list of each handler
   class's methods, which moto rebuilt with inspect.getmembers on every call, is kept.
3. SQS long polls wake up on time. moto's receive loop sleeps on a condition in 1 s steps and
   nothing wakes it when a delayed message becomes due or a visibility timeout ends, so such a
   message waited up to a second for the next step. The waiter now sleeps exactly until the
   earliest such moment, and ChangeMessageVisibility wakes it.
4. SQS long polls of a client that went away. A receive whose client was killed went on waiting
   for up to 20 s, and took (made invisible for a whole visibility timeout) the next messages
   for nobody: restarting the functions stalled deliveries for a minute. The receive now checks
   its connection whenever it wakes and gives up, taking nothing, once the peer has closed it.
5. SQS bookkeeping. moto reads the clock through datetime objects (several microseconds a call)
   once per message per check, and SendMessage computed every queue attribute, counting all the
   queue's messages three times, to read one flag; GetQueueAttributes did so once per requested
   name, twice. The clock is read with time.time() and the counts are made in one pass, so a
   send no longer costs time in proportion to the queue's length times the clock's cost.
6. SQS thread safety. DeleteMessage rebuilt the queue's message list without a lock while
   SendMessage appended to it, so a message sent at that moment could vanish; receives checked
   and marked messages without a lock, so two pollers could take the same message. Both now hold
   the queue's lock.
7. A ledger of the CPU time spent per operation, read at GET /_emulator/costs (for `make bench`).
"""

from __future__ import annotations

import functools
import io
import json
import select
import socket
import sys
import threading
import time
import traceback
from copy import deepcopy

from botocore.exceptions import ClientError
from moto import backends as moto_backends
from moto.core import responses as moto_responses
from moto.core import utils as moto_utils
from moto.core.request import Request as MotoRequest
from moto.moto_server import werkzeug_app
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler
from moto.sqs import models as sqs_models
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from . import fast_http

_connection = threading.local()  # the socket of the request this server thread is serving


class ClientGone(Exception):
    """The client of a long poll closed its connection: stop before taking any message."""


# --- 1. keep-alive HTTP/1.1 ---------------------------------------------------------------------


class CostLedger:
    """CPU time the server spent per operation (the X-Amz-Target's action, else the method and
    path): GET /_emulator/costs reads it, GET /_emulator/costs?reset=1 reads and clears it. What
    `make bench` uses to show where the emulator's time goes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[str, list[float]] = {}

    def add(self, operation: str, cpu_seconds: float) -> None:
        with self.lock:
            entry = self.entries.setdefault(operation, [0, 0.0])
            entry[0] += 1
            entry[1] += cpu_seconds

    def report(self, reset: bool) -> bytes:
        with self.lock:
            found = {name: {"calls": n, "cpu_ms": round(total * 1000, 3)} for name, (n, total) in self.entries.items()}
            if reset:
                self.entries.clear()
        return json.dumps(found).encode()


COSTS = CostLedger()


def _operation(handler) -> str:
    target = handler.headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    return f"{handler.command} {handler.path.split('?', 1)[0]}"


class KeepAliveHandler(MotoRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def parse_request(self) -> bool:
        self._cpu_started = time.thread_time()  # the request line is in: the work starts here
        return super().parse_request()

    def run_wsgi(self) -> None:
        if self.path.startswith("/_emulator/costs"):
            body = COSTS.report(reset="reset=1" in self.path)
            self.wfile.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )
            return
        started = getattr(self, "_cpu_started", None) or time.thread_time()
        try:
            self._serve()
        finally:
            COSTS.add(_operation(self), time.thread_time() - started)

    def _serve(self) -> None:
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        if chunked or self.request_version != "HTTP/1.1" or self.headers.get("Expect"):
            self.close_connection = True
            return super().run_wsgi()  # rare requests: werkzeug's own path, which closes
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        environ = self.make_environ()
        environ["wsgi.input"] = io.BytesIO(body)
        self.environ = environ
        response: dict = {}
        chunks: list[bytes] = []

        def start_response(status, headers, exc_info=None):
            response["status"], response["headers"] = status, headers
            return chunks.append

        _connection.sock = self.connection
        try:
            result = self.server.app(environ, start_response)
            try:
                chunks.extend(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        except ClientGone:
            self.close_connection = True
            return
        except Exception:  # noqa: BLE001 - answer 500, as werkzeug does, and log it
            traceback.print_exc(file=sys.stderr)
            response = {"status": "500 INTERNAL SERVER ERROR", "headers": [("Content-Type", "text/plain")]}
            chunks = [b"Internal Server Error"]
            self.close_connection = True
        finally:
            _connection.sock = None
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


# --- 2. routing cache ------------------------------------------------------------------------------

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


# --- 3, 4, 5, 6. SQS ----------------------------------------------------------------------------

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


_original_attributes = sqs_models.Queue.attributes.fget
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


def _client_gone() -> bool:
    sock = getattr(_connection, "sock", None)
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


def _available_at(message) -> float:
    """When a message can next be received, in unix milliseconds (moto's `visible`/`delayed`)."""
    return max(message.visible_at, message.delayed_until)


def _wait_for_messages(self, timeout: float) -> None:
    """Sleep until a message is added or made visible (both notify), or until the earliest
    delayed or invisible message becomes due, or `timeout`; then check that the client is still
    there."""
    with self._messages_lock:
        now = unix_time_millis()
        due = [_available_at(m) for m in self._messages]
        upcoming = [at for at in due if at >= now]
        wait = timeout
        if upcoming:
            wait = min(wait, (min(upcoming) - now) / 1000 + 0.001)
        if len(upcoming) < len(due):
            wait = min(wait, 0.01)  # something is receivable already: look again soon, never spin
        self._messages_lock.wait(max(wait, 0.001))
    if _client_gone():
        raise ClientGone()


def _delete_message(self, receipt_handle: str) -> None:
    with self._messages_lock:
        if receipt_handle in self.deleted_messages:
            return  # already deleted: SQS accepts deleting again
        for index, message in enumerate(self._messages):
            if message.receipt_handle == receipt_handle or receipt_handle in message._old_receipt_handles:
                del self._messages[index]
                self.pending_messages.discard(message)
                self.deleted_messages.update(message.all_receipt_handles)
                return
    raise sqs_models.ReceiptHandleIsInvalid()


_original_change_visibility = sqs_models.SQSBackend.change_message_visibility


def _change_message_visibility(self, queue_name: str, receipt_handle: str, visibility_timeout: int) -> None:
    queue = self.get_queue(queue_name)
    with queue._messages_lock:
        _original_change_visibility(self, queue_name, receipt_handle, visibility_timeout)
        queue._messages_lock.notify_all()


def _receive_message(self, queue_name, count, wait_seconds_timeout, visibility_timeout, message_attribute_names=None):
    """moto's receive_message, with the scan under the queue's lock, precise wake-ups and the
    client check (see the module's docstring). Same results otherwise."""
    if message_attribute_names is None:
        message_attribute_names = []
    queue = self.get_queue(queue_name)
    result = []
    polling_end = unix_time() + wait_seconds_timeout
    while True:
        with queue._messages_lock:
            pending_groups = deepcopy(queue.pending_message_groups)
            to_dlq = []
            for message in queue.messages:
                if message in queue.pending_messages:
                    queue.pending_messages.remove(message)  # visible again: its consumer timed out
                    pending_groups = deepcopy(queue.pending_message_groups)
                if message.group_id and queue.fifo_queue and message.group_id in pending_groups:
                    continue
                if (
                    queue.dead_letter_queue is not None
                    and queue.redrive_policy
                    and message.approximate_receive_count >= queue.redrive_policy["maxReceiveCount"]
                ):
                    to_dlq.append(message)
                    continue
                queue.pending_messages.add(message)
                message.mark_received(visibility_timeout=visibility_timeout)
                copy = deepcopy(message)
                sqs_models._filter_message_attributes(copy, message_attribute_names)
                if not self.is_message_valid_based_on_retention_period(queue_name, message):
                    break
                result.append(copy)
                if len(result) >= count:
                    break
            for message in to_dlq:
                queue._messages.remove(message)
        for message in to_dlq:
            queue.dead_letter_queue.add_message(message)
        if result or not wait_seconds_timeout:
            return result
        remaining = polling_end - unix_time()
        if remaining <= 0:
            return result
        queue.wait_for_messages(min(remaining, 1.0))


def apply() -> None:
    moto_utils.unix_time, moto_utils.unix_time_millis = unix_time, unix_time_millis
    sqs_models.unix_time, sqs_models.unix_time_millis = unix_time, unix_time_millis
    sqs_models.Queue.messages = property(_messages)
    for attribute in _COUNTED.values():
        setattr(sqs_models.Queue, attribute, _count_property(attribute, getattr(sqs_models.Queue, attribute)))
    sqs_models.Queue.attributes = property(_attributes)
    DomainDispatcherApplication.get_backend_for_host = _cached_backend_for_host
    DomainDispatcherApplication.__call__ = _dispatch
    fast_http.install()
    moto_responses.method_names_from_class = functools.lru_cache(maxsize=None)(moto_utils.method_names_from_class)
    moto_backends.list_of_moto_modules = lambda: iter(_module_names)
    werkzeug_app.backends.list_of_moto_modules = moto_backends.list_of_moto_modules
    sqs_models.Queue.wait_for_messages = _wait_for_messages
    sqs_models.Queue.delete_message = _delete_message
    sqs_models.SQSBackend.change_message_visibility = _change_message_visibility
    sqs_models.SQSBackend.receive_message = _receive_message
