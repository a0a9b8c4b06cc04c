"""The floor of the proxy's stack, for ``bench_proxy.py``: ``python bare_forwarder.py URL PORT``.

The same server and upstream client as ``statuspage-contract proxy`` in one process — uvicorn
(httptools, uvloop, the proxy's settings) serving an ASGI app that forwards every request with
the proxy's own upstream client (``ProxyApp.client()``: pooled keep-alive connections, an
``asyncio.Protocol`` with httptools' response parser) — with no judging, no recording, no
redaction and no header dictionaries: read the body, send it with the client's headers,
answer the site's status, headers and bytes (less the hop-by-hop headers). Serves until
SIGTERM or SIGINT.
"""

from __future__ import annotations

import sys
from typing import Any

import uvicorn

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

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.proxy(scope, receive, send)  # lifespan: closes the client's pool
            return
        target = scope["raw_path"]
        if scope["query_string"]:
            target += b"?" + scope["query_string"]
        body = await _read_body(receive)
        status, headers, raw = await self.proxy.client().request(
            scope["method"], target, scope["headers"], body
        )
        out = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": raw})


def main(upstream: str, port: int) -> int:
    sock = listening_socket("127.0.0.1", port)
    server = uvicorn.Server(uvicorn_config(BareForwarder(upstream)))
    server.run([sock])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
