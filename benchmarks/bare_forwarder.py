"""The floor of the proxy's stack, for ``bench_proxy.py``: ``python bare_forwarder.py URL PORT``.

The same server and upstream client as ``statuspage-contract proxy`` in one process — uvicorn
(httptools, uvloop, the proxy's settings) serving an ASGI app that forwards every request with
the proxy's own aiohttp ``ClientSession`` (``ProxyApp.client()``: pooled keep-alive
connections, no automatic headers, no cookies, no decompression) — with no judging, no
recording, no redaction and no header dictionaries: read the body, drop the hop-by-hop headers,
send, answer the site's status, headers and bytes. Serves until SIGTERM or SIGINT.

``python bare_forwarder.py URL PORT lean`` (``bench_proxy.py --lean``) swaps aiohttp for a
minimal upstream client — pooled keep-alive connections, an ``asyncio.Protocol`` with httptools'
response parser — to measure what the upstream client costs. It is an experiment, not a proxy:
plain HTTP only, no timeouts, no TLS, no environment proxies, no HEAD or 1xx handling.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import httptools
import uvicorn
from yarl import URL

from statuspage_contract.proxy.forward import HOP_BY_HOP, ProxyApp
from statuspage_contract.proxy.judge import ProxyJudge
from statuspage_contract.proxy.server import uvicorn_config
from statuspage_contract.serving import listening_socket


async def _read_body(receive: Any) -> bytes:
    """The whole request body of an ASGI request."""
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


class BareForwarder:
    """Forward and answer; nothing judged. The upstream client is the proxy's own."""

    def __init__(self, upstream: str) -> None:
        self.proxy = ProxyApp(upstream, ProxyJudge())  # only for its client() and lifespan
        self.origin = str(self.proxy.upstream.origin()) + self.proxy.prefix

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.proxy(scope, receive, send)  # lifespan: closes the client's pool
            return
        target = scope["raw_path"].decode("latin-1")
        if scope["query_string"]:
            target += "?" + scope["query_string"].decode("latin-1")
        body = await _read_body(receive)
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in scope["headers"]
            if k not in HOP_BY_HOP
        ]
        async with self.proxy.client().request(
            scope["method"],
            URL(self.origin + target, encoded=True),
            headers=headers,
            data=body or None,
            allow_redirects=False,
        ) as response:
            raw = await response.read()
            out = [(k, v) for k, v in response.raw_headers if k.lower() not in HOP_BY_HOP]
        await send({"type": "http.response.start", "status": response.status, "headers": out})
        await send({"type": "http.response.body", "body": raw})


Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


class _Upstream(asyncio.Protocol):
    """One keep-alive connection to the site; one request at a time."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.answer: asyncio.Future[Answer] | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: Any = transport  # uvloop's, not an asyncio.Transport subclass

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(exc or ConnectionError("the site closed the connection"))

    # httptools' callbacks
    def on_message_begin(self) -> None:
        self.headers, self.body = [], []

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        assert self.answer is not None
        self.answer.set_result((self.parser.get_status_code(), self.headers, b"".join(self.body)))


class LeanForwarder(BareForwarder):
    """The bare forwarder with a minimal upstream client instead of aiohttp."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        url = self.proxy.upstream
        self.host, self.port = url.host or "127.0.0.1", url.port or 80
        self.host_header = f"{self.host}:{self.port}".encode()
        self.idle: list[_Upstream] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.proxy(scope, receive, send)
            return
        body = await _read_body(receive)
        target = scope["raw_path"]
        if scope["query_string"]:
            target += b"?" + scope["query_string"]
        head = [scope["method"].encode(), b" ", target, b" HTTP/1.1\r\nhost: ", self.host_header]
        for name, value in scope["headers"]:
            if name not in HOP_BY_HOP and name != b"content-length":  # the body's, below
                head += [b"\r\n", name, b": ", value]
        if body:
            head.append(b"\r\ncontent-length: %d" % len(body))
        head.append(b"\r\n\r\n")
        loop = asyncio.get_running_loop()
        if self.idle:
            connection = self.idle.pop()
        else:
            _, connection = await loop.create_connection(_Upstream, self.host, self.port)
        connection.answer = loop.create_future()
        connection.transport.write(b"".join(head) + body)
        status, headers, raw = await connection.answer
        self.idle.append(connection)
        out = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": raw})


def main(upstream: str, port: int, client: str = "aiohttp") -> int:
    sock = listening_socket("127.0.0.1", port)
    forwarder = LeanForwarder(upstream) if client == "lean" else BareForwarder(upstream)
    server = uvicorn.Server(uvicorn_config(forwarder))
    server.run([sock])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), *sys.argv[3:4]))
