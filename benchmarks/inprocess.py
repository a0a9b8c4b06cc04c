"""The mock's CPU per request in-process: ``python benchmarks/inprocess.py [N] [--trivial]``.

The mock's HTTP protocol (uvicorn's httptools protocol, subclassed in
``statuspage_contract.mock.protocol``) and its ASGI app are fed the reference POST (the demo
keys: 201 once, then 409) on a fake transport under uvloop, one request at a time: what a
request costs the server's Python code, without syscalls, wake-ups or the client. ``--trivial``
serves a fixed 201 instead (the protocol alone). Process CPU over N requests after a warm-up;
compare figures taken one after the other (another process on the machine slows both).
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

import uvicorn
import uvloop
from bench_servers import _trivial_app
from load import BODY, PATH
from uvicorn.server import ServerState

from statuspage_contract.mock import DEMO_API_KEY, DEMO_APP_KEY, MockSite
from statuspage_contract.mock.protocol import MockHttpProtocol
from statuspage_contract.spec import JSON_MEDIA_TYPE

WARMUP = 2_000


class _Transport(asyncio.Transport):
    """Keeps what is written; says the connection is open."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list[bytes] = []
        self.closing = False

    def write(self, data: Any) -> None:
        self.written.append(bytes(data))

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8080)}.get(
            name, default
        )

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        pass


def _request(site: MockSite) -> bytes:
    head = f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in site.headers().items())
    head += f"Content-Type: {JSON_MEDIA_TYPE}\r\nContent-Length: {len(BODY.encode())}\r\n\r\n"
    return head.encode() + BODY.encode()


async def measure(requests: int, trivial: bool) -> tuple[float, bytes]:
    """CPU microseconds per request, and the last answer."""
    site = MockSite(api_key=DEMO_API_KEY, app_key=DEMO_APP_KEY)
    config = uvicorn.Config(
        _trivial_app if trivial else site.app,
        http=MockHttpProtocol,
        ws="none",
        lifespan="off",
        interface="asgi3",
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
    )
    config.load()
    protocol = MockHttpProtocol(config=config, server_state=ServerState(), app_state={})
    transport = _Transport()
    protocol.connection_made(transport)
    request, last = _request(site), b""

    async def one() -> None:
        nonlocal last
        protocol.data_received(request)
        while not transport.written or not protocol.cycle.response_complete:
            await asyncio.sleep(0)
        last = b"".join(transport.written)
        transport.written.clear()

    for _ in range(WARMUP):
        await one()
    started = time.process_time()
    for _ in range(requests):
        await one()
    return (time.process_time() - started) / requests * 1e6, last


def main(argv: list[str]) -> int:
    trivial = "--trivial" in argv
    numbers = [a for a in argv if a.isdigit()]
    requests = int(numbers[0]) if numbers else 20_000
    uvloop.install()
    cpu, last = asyncio.run(measure(requests, trivial))
    kind = "trivial app" if trivial else "mock"
    status_line = last.split(b"\r\n", 1)[0].decode("latin-1")
    print(f"{kind}: {cpu:.1f} us CPU a request over {requests} (last answer: {status_line})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
