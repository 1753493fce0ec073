"""A faster http.client.parse_headers for the local stack's processes.

Python's HTTP server and client parse every header block with the email package's feed parser,
which costs about a tenth of a millisecond per message: in the local stack that is every API
request (http.server), every AWS call's response (botocore, through urllib3 and http.client) and
every webhook response. The plain `Name: value` lines HTTP clients and servers send are split
here directly; anything unusual (a folded line, a line without a colon, spaces before the colon)
goes to the stdlib's own parser, so the result is the same HTTPMessage either way.

install() replaces http.client.parse_headers for the whole process: only the local stack's
processes call it (infra/local/emulator.py, api_server.py, functions.py), never the gateway's
code, which runs unchanged in Lambda.
"""

from __future__ import annotations

import http.client
import io

_email_parse_headers = http.client.parse_headers
# The stdlib's own limits (private, so not in its type stubs; the defaults are their values).
_MAXLINE: int = getattr(http.client, "_MAXLINE", 65536)
_MAXHEADERS: int = getattr(http.client, "_MAXHEADERS", 100)


def parse_headers(fp, _class=http.client.HTTPMessage):
    lines = []
    while True:
        line = fp.readline(_MAXLINE + 1)
        if len(line) > _MAXLINE:
            raise http.client.LineTooLong("header line")
        if line in (b"\r\n", b"\n", b""):
            break
        lines.append(line)
        if len(lines) > _MAXHEADERS:
            raise http.client.HTTPException(f"got more than {_MAXHEADERS} headers")
    message = _class()
    for raw in lines:
        text = raw.decode("iso-8859-1")
        name, colon, value = text.partition(":")
        if not colon or not name or name[0] in " \t" or name != name.strip():
            return _email_parse_headers(io.BytesIO(b"".join(lines) + b"\r\n"), _class)
        message[name] = value.lstrip(" \t").rstrip("\r\n")  # as the email parser does
    return message


def install() -> None:
    http.client.parse_headers = parse_headers
