"""The servers ``bench_mock.py`` measures, each run as ``python bench_servers.py KIND PORT``.

Each prints one JSON line ``{"url": ..., "headers": {...}}`` once it listens, then serves until
SIGTERM. Kinds:

* ``mock``    - the embedded mock exactly as ``MockSite`` serves it (uvicorn + httptools, the
                mock's ASGI app: auth, JSON parsing, schema validation, state);
* ``stdlib``  - a bare ``http.server`` ``ThreadingHTTPServer`` answering a fixed 201;
* ``asyncio`` - a bare ``asyncio.Protocol`` answering a fixed 201 (frames by Content-Length only);
* ``uvicorn`` - uvicorn + httptools (same loop as the mock) with a trivial ASGI app: fixed 201.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOST = "127.0.0.1"
#: What the bare servers answer: the contract's 201 example.
FIXED = b'{"data":{"attributes":{"api_key":"*****"},"type":"statuspage-account"}}'
FIXED_RESPONSE = (
    b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
    % len(FIXED)
    + FIXED
)
_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)


class _StdlibHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.wfile.write(FIXED_RESPONSE)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _AsyncioProtocol(asyncio.Protocol):
    """Splits requests at the blank line, skips Content-Length bytes, answers the fixed 201."""

    def connection_made(self, transport: Any) -> None:
        self.transport, self.buffer = transport, b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        out = []
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            match = _LENGTH.search(self.buffer, 0, end)
            total = end + 4 + (int(match.group(1)) if match else 0)
            if len(self.buffer) < total:
                break
            self.buffer = self.buffer[total:]
            out.append(FIXED_RESPONSE)
        if out:
            self.transport.write(b"".join(out))


async def _trivial_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    message = await receive()
    while message.get("more_body"):
        message = await receive()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(FIXED))]
    await send({"type": "http.response.start", "status": 201, "headers": headers})
    await send({"type": "http.response.body", "body": FIXED})


def _announce(port: int, headers: dict[str, str]) -> None:
    print(json.dumps({"url": f"http://{HOST}:{port}", "headers": headers}), flush=True)


def serve(kind: str, port: int) -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    from statuspage_contract.mock import DEMO_API_KEY, DEMO_APP_KEY, MockSite

    # Explicit demo keys: never pick up (and print) DD_API_KEY / DD_APP_KEY. Every server gets
    # the same headers, so every server reads the same request.
    site = MockSite(HOST, port, api_key=DEMO_API_KEY, app_key=DEMO_APP_KEY)
    headers = site.headers()
    if kind == "mock":
        site.bind()
        _announce(site.port, headers)
        site.serve_forever()
    elif kind == "uvicorn":
        site.app = _trivial_app  # same server, trivial app
        site.bind()
        _announce(site.port, headers)
        site.serve_forever()
    elif kind == "stdlib":
        server = ThreadingHTTPServer((HOST, port), _StdlibHandler)
        server.daemon_threads = True
        _announce(server.server_port, headers)
        server.serve_forever()
    elif kind == "asyncio":

        async def main() -> None:
            server = await asyncio.get_running_loop().create_server(_AsyncioProtocol, HOST, port)
            _announce(server.sockets[0].getsockname()[1], headers)
            await server.serve_forever()

        asyncio.run(main())
    else:
        raise SystemExit(f"unknown server kind {kind!r}")
    return 0


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1], int(sys.argv[2])))
