"""The test stages' held front-end ports: nothing else in the run can take one while it is held,
nothing answers on it, and the server it was held for can bind it once it is let go."""

from __future__ import annotations

import errno
import socket

import pytest

from tests.support.ports import held_port


def bind(port: int, reuse: bool) -> socket.socket:
    sock = socket.socket()
    if reuse:  # as Python's HTTP servers bind (allow_reuse_address)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


@pytest.mark.parametrize("reuse", [False, True])
def test_a_held_port_cannot_be_bound_until_it_is_let_go(reuse):
    held = held_port()
    port = held.getsockname()[1]
    with pytest.raises(OSError) as taken:
        bind(port, reuse)
    assert taken.value.errno == errno.EADDRINUSE
    held.close()
    bind(port, reuse).close()


def test_nothing_answers_on_a_held_port():
    with held_port() as held, pytest.raises(ConnectionRefusedError):
        socket.create_connection(held.getsockname(), timeout=5)
