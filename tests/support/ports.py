"""Free loopback ports, picked at run time."""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def held_port() -> socket.socket:
    """A free port that stays taken: the socket is bound, but not listening (connections to it are
    refused), until it is closed. A port that free_port() answers is free again at once, so when
    it is bound only minutes later (a stage's front-end ports, bound by the first browser test),
    any other bind in the run may have taken it meanwhile."""
    sock = socket.socket()
    # No SO_REUSEADDR: with it on both sides, a server's bind would share the port instead of failing.
    sock.bind(("127.0.0.1", 0))
    return sock
