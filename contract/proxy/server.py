"""Serve the proxy with uvicorn (httptools, uvloop), in a background thread or in the
foreground, in front of a site (the embedded mock is started behind it when asked).
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterable
from typing import Any

import uvicorn

from ..mock.protocol import MockHttpProtocol
from ..mock.server import MockSite
from ..redact import SECRETS, redact
from ..serving import TIMEOUTS, ConnectionTimeouts, ThreadedServer
from ..sites import LOCALHOST, check_mock_faults, resolve_site
from .forward import DEFAULT_TIMEOUT, ProxyApp
from .judge import LIVE_LIMIT, JudgedExchange, ProxyJudge
from .session import build_proxy_report

#: Seconds ``start()`` waits for the server to serve.
#: Seconds ``stop()`` lets requests in progress finish.
GRACEFUL_STOP = 3


class ProxyHttpProtocol(MockHttpProtocol):
    """The mock's HTTP layer (timeouts, refusals with the envelope) with room for what a
    client may send a site: longer request targets and heads than the mock accepts."""

    max_url_bytes, max_headers, max_head_bytes = 64 * 1024, 256, 256 * 1024
    log = logging.getLogger("statuspage_contract.proxy.http")


class ProxyServer(ThreadedServer):
    """The proxy in front of one site. ``port=0`` picks a free port."""

    kind = "proxy"
    graceful_stop = GRACEFUL_STOP

    def __init__(
        self,
        site: str | None = "mock",
        *,
        host: str = LOCALHOST,
        port: int = 0,
        timeout: float = DEFAULT_TIMEOUT,
        mock_faults: Iterable[str] = (),
        max_requests: int | None = None,
        live_limit: int = LIVE_LIMIT,
        timeouts: ConnectionTimeouts = TIMEOUTS,
    ) -> None:
        self.site = resolve_site(site)  # raises UnknownSiteError
        faults = tuple(mock_faults)
        check_mock_faults(faults, [self.site.name])  # a TargetError (a ValueError)
        self.mock = MockSite(faults=faults) if self.site.is_mock else None
        self._init_serving(host, port)
        self.timeout = timeout
        self.timeouts = timeouts  # how long a client may take (statuspage_contract.serving)
        self.max_requests = max_requests
        self.judge = ProxyJudge(live_limit)
        self.stopped_by = "on demand"
        self.done = threading.Event()
        self._stop_before_start: str | None = None

    # -- addresses ----------------------------------------------------------------------
    @property
    def upstream(self) -> str:
        if self.mock is not None:
            return self.mock.base_url
        assert self.site.base_url is not None
        return self.site.base_url

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # -- lifecycle (start, stop, bind: statuspage_contract.serving) --------------------------------
    def _start_mock(self) -> None:
        if self.mock is not None and not self.mock.running:
            self.mock.start()
            SECRETS.add(self.mock.api_key, self.mock.app_key)

    def serve_forever(self) -> None:
        """Serve on the calling thread until Ctrl-C, SIGTERM or a stop condition."""
        self._start_mock()
        server, sock = self._new_server()
        if self._stop_before_start is not None:  # e.g. Ctrl-C while the mock was starting
            self.request_stop(self._stop_before_start)
        try:
            server.run([sock])
        finally:
            self._socket = self._server = None
            self.done.set()
            if self.mock is not None:
                self.mock.stop()

    def request_stop(self, why: str) -> None:
        """Ask the server to stop (from any thread, also before it serves); the report will
        say ``why``."""
        if self._server is None and not self.done.is_set():
            self._stop_before_start = self._stop_before_start or why
        elif self._server is not None and not self._server.should_exit:
            self.stopped_by = why
            self._server.should_exit = True

    def _before_start(self) -> None:
        self._start_mock()

    def _after_stop(self) -> None:
        """Stop the mock behind the proxy (if any); the run is over. Nothing can reach the
        mock through the stopped proxy, so it finishes on its own thread (~0.2 s) and the
        caller does not wait for it."""
        if self.mock is not None:
            self.mock.stop(wait=False)
        self.done.set()

    def _after(self, judged: JudgedExchange) -> None:
        if self.max_requests is not None and judged.number >= self.max_requests:
            self.request_stop(f"--requests {self.max_requests}")

    def _new_server(self) -> tuple[uvicorn.Server, socket.socket]:
        self.bind()
        assert self._socket is not None
        app = ProxyApp(self.upstream, self.judge, timeout=self.timeout, after=self._after)
        config = uvicorn_config(app, self.timeouts)
        self._server = uvicorn.Server(config)
        return self._server, self._socket

    # -- the report ---------------------------------------------------------------------
    def report(self) -> dict[str, Any]:
        """The report of everything judged so far (the run's kind is "proxy")."""
        return build_proxy_report(
            self.judge,
            site=self.site.name,
            base_url=redact(self.upstream),
            listen=self.base_url,
            mock_faults=sorted(self.mock.faults) if self.mock else [],
            stopped_by=self.stopped_by,
        )


def uvicorn_config(app: Any, timeouts: ConnectionTimeouts = TIMEOUTS) -> uvicorn.Config:
    """How uvicorn serves the proxy (shared with the benchmarks' bare forwarder)."""
    return uvicorn.Config(
        app,
        loop="auto",  # uvloop when installed
        http=ProxyHttpProtocol.configured(timeouts),  # httptools, timeouts, JSON refusals
        ws="none",
        lifespan="on",  # closes the upstream connection pool on shutdown
        interface="asgi3",
        log_config=None,
        access_log=False,  # request lines may carry keys in their query strings
        proxy_headers=False,
        server_header=False,  # the site's own headers only
        date_header=False,
        timeout_keep_alive=int(timeouts.keep_alive),  # the protocol's value counts
        timeout_graceful_shutdown=GRACEFUL_STOP,
        backlog=1024,
    )
