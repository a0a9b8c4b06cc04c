"""Reading one HTTP/1.1 request off a socket by hand, for the test servers that must answer
in ways no HTTP library would (tests/proxy/)."""

from __future__ import annotations

from typing import BinaryIO


def read_request(rfile: BinaryIO) -> bytes | None:
    """The next request's head and body (framed by Content-Length), or None once the client
    has closed the connection."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = rfile.readline()
        if not line:
            return None
        head += line
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return head + rfile.read(length)
