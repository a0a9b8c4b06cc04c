"""The floor of the proxy's stack, for ``bench_proxy.py``: ``python bare_forwarder.py URL PORT``.

The same server and upstream client as ``statuspage-contract proxy`` in one process — uvicorn
(httptools, uvloop, the proxy's settings) serving an ASGI app that forwards every request with
the proxy's own aiohttp ``ClientSession`` (``ProxyApp.client()``: pooled keep-alive
connections, no automatic headers, no cookies, no decompression) — with no judging, no
recording, no redaction and no header dictionaries: read the body, drop the hop-by-hop headers,
send, answer the site's status, headers and bytes. Serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if (REPO / "contract" / "__init__.py").is_file() and str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # benchmark this checkout's proxy stack

import uvicorn  # noqa: E402
from yarl import URL  # noqa: E402

from contract.proxy.forward import HOP_BY_HOP, ProxyApp  # noqa: E402
from contract.proxy.judge import ProxyJudge  # noqa: E402
from contract.proxy.server import uvicorn_config  # noqa: E402
from contract.serving import listening_socket  # noqa: E402


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
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
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


def main(upstream: str, port: int) -> int:
    sock = listening_socket("127.0.0.1", port)
    server = uvicorn.Server(uvicorn_config(BareForwarder(upstream)))
    server.run([sock])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
