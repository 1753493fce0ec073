"""Fixes to what moto's SQS answers under concurrency and over time, applied by
infra/local/emulator.py always (EMULATOR_TUNING=0 leaves them on): without them the emulator loses
and duplicates messages, which real SQS never does. docs/emulator.md lists each one, with the test
in tests/emulator/ that fails without it. DynamoDB is not moto's: it runs on DynamoDB Local.

Each patch has a name (PATCHES); only the test harness (tests/support/emulator_main.py) can leave
one out, to see its test fail.

- sqs-delete-lock: DeleteMessage rebuilt the queue's message list without the queue's lock while
  SendMessage appended to it under the lock, so a message sent at that moment vanished.
- sqs-receive-lock: a receive checked and marked messages without the lock, so two concurrent
  receives (two long polls woken by one send) could both take the same message.
- sqs-long-poll-wakeup: a long poll slept in 1 s steps and only a new message woke it, so a
  delayed message becoming due, or one made visible (its visibility timeout ending, or
  ChangeMessageVisibility), reached a waiting poll up to a second late. It now sleeps until the
  earliest such moment, and ChangeMessageVisibility wakes it.
- sqs-client-gone: a long poll whose client had gone (killed, timed out) went on waiting for up
  to 20 s and then took the next message for nobody, hiding it for a whole visibility timeout. It
  now checks its connection before each look at the queue and returns, taking nothing, once the
  peer has closed it.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from collections.abc import Callable, Iterator
from copy import deepcopy
from typing import Any

from moto.moto_server.werkzeug_app import MotoRequestHandler
from moto.sqs import models as sqs_models

PATCHES = ("sqs-delete-lock", "sqs-receive-lock", "sqs-long-poll-wakeup", "sqs-client-gone")

_connection = threading.local()  # the socket of the request this server thread is serving


@contextlib.contextmanager
def serving(sock: socket.socket | None) -> Iterator[None]:
    """Marks `sock` as the connection of the request this thread serves (for sqs-client-gone)."""
    _connection.sock = sock
    try:
        yield
    finally:
        _connection.sock = None


class ConnectionAwareHandler(MotoRequestHandler):
    """moto's request handler, telling the SQS models which connection a request came on."""

    def run_wsgi(self) -> None:
        with serving(self.connection):
            super().run_wsgi()


def client_gone() -> bool:
    """True if the client of the request this thread serves has closed its connection."""
    sock = getattr(_connection, "sock", None)
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


def _now_millis() -> float:
    return sqs_models.unix_time_millis()  # looked up each time: moto_speed may replace it


def _available_at(message: Any) -> float:
    """When a message can next be received, in unix milliseconds (moto's `visible`/`delayed`)."""
    return float(max(message.visible_at, message.delayed_until))


def _wait_until_due(queue: Any, timeout: float) -> None:
    """Sleep until a message is added or made visible (both notify), or until the earliest
    delayed or invisible message becomes due, or `timeout`."""
    with queue._messages_lock:
        now = _now_millis()
        due = [_available_at(m) for m in queue._messages]
        upcoming = [at for at in due if at >= now]
        wait = timeout
        if upcoming:
            wait = min(wait, (min(upcoming) - now) / 1000 + 0.001)
        if len(upcoming) < len(due):
            wait = min(wait, 0.01)  # something is receivable already: look again soon, never spin
        queue._messages_lock.wait(max(wait, 0.001))


def _stock_wait(queue: Any, timeout: float) -> None:
    """moto's own wait: until a new message is receivable or `timeout` (for a disabled wake-up)."""
    with queue._messages_lock:
        queue._messages_lock.wait_for(lambda: queue.messages, timeout=timeout)


def _delete_message(self: Any, receipt_handle: str) -> None:
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


_stock_change_visibility = sqs_models.SQSBackend.change_message_visibility


def _change_message_visibility(self: Any, queue_name: str, receipt_handle: str, visibility_timeout: int) -> None:
    queue = self.get_queue(queue_name)
    with queue._messages_lock:
        _stock_change_visibility(self, queue_name, receipt_handle, visibility_timeout)
        queue._messages_lock.notify_all()


def _receiver(locked: bool, wait: Callable[[Any, float], None], check_client: bool) -> Callable[..., list]:
    """moto's SQSBackend.receive_message, with the scan under the queue's lock (`locked`), the
    given way of waiting, and the client check (`check_client`). Same results otherwise."""

    def receive_message(
        self: Any,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        message_attribute_names: list[str] | None = None,
    ) -> list:
        if message_attribute_names is None:
            message_attribute_names = []
        queue = self.get_queue(queue_name)
        result: list = []
        polling_end = sqs_models.unix_time() + wait_seconds_timeout
        while True:
            if check_client and client_gone():
                return []  # nobody would get what this took: take nothing
            with queue._messages_lock if locked else contextlib.nullcontext():
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
            remaining = polling_end - sqs_models.unix_time()
            if remaining <= 0:
                return result
            wait(queue, min(remaining, 1.0))

    return receive_message


def replace(owner: object, name: str, new: object) -> None:
    """owner.name = new, for moto's classes and modules (a plain assignment to a method is an
    error to mypy, rightly in general; replacing moto's is what these modules are for)."""
    setattr(owner, name, new)


def apply(disabled: frozenset[str] = frozenset()) -> None:
    """Installs every patch in PATCHES but those in `disabled` (the test harness's only)."""
    if "sqs-delete-lock" not in disabled:
        replace(sqs_models.Queue, "delete_message", _delete_message)
    wakeup = "sqs-long-poll-wakeup" not in disabled
    if wakeup:
        replace(sqs_models.SQSBackend, "change_message_visibility", _change_message_visibility)
    receive = _receiver(
        locked="sqs-receive-lock" not in disabled,
        wait=_wait_until_due if wakeup else _stock_wait,
        check_client="sqs-client-gone" not in disabled,
    )
    replace(sqs_models.SQSBackend, "receive_message", receive)
