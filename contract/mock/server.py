"""Serve the mock over real HTTP on loopback: ``with MockSite() as site: site.base_url``.

The server is uvicorn (its httptools protocol, subclassed in :mod:`contract.mock.protocol`)
on its own event loop, in a background thread or on the calling thread.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterable
from types import TracebackType

import uvicorn

from contract.mock.app import MockApp
from contract.mock.protocol import MockHttpProtocol
from contract.mock.state import ALL_PERMISSIONS, DEMO_API_KEY, DEMO_APP_KEY, MockState, Organisation

#: Seconds an idle keep-alive connection stays open.
KEEP_ALIVE_TIMEOUT = 30
#: Seconds ``stop()`` waits for requests in progress before cancelling them.
GRACEFUL_STOP = 2
#: Seconds ``start()`` waits for the server to serve.
START_TIMEOUT = 10


def default_keys() -> tuple[str, str, bool]:
    """The default organisation's keys: DD_API_KEY / DD_APP_KEY when set, else demo keys."""
    api, app = os.environ.get("DD_API_KEY"), os.environ.get("DD_APP_KEY")
    if api and app:
        return api, app, True
    return DEMO_API_KEY, DEMO_APP_KEY, False


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host:port`` (0: any free port); OSError when it cannot."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    return sock


def wait_started(server: uvicorn.Server, thread: threading.Thread, what: str) -> None:
    """Return once ``server`` (running on ``thread``) serves; RuntimeError if it dies or does
    not start within START_TIMEOUT seconds."""
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.002)


class MockSite:
    """The embedded mock Datadog site, served on a background thread.

    Use as a context manager, or call :meth:`start` / :meth:`stop`. ``port=0`` picks a free port.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        faults: Iterable[str] = (),
        rate_limit: int | None = None,
        rate_period: int = 60,
        api_key: str | None = None,
        app_key: str | None = None,
    ) -> None:
        env_api, env_app, self.keys_from_environment = default_keys()
        if api_key or app_key:
            self.keys_from_environment = False
        self.api_key = api_key or env_api
        self.app_key = app_key or env_app
        self.state = MockState(self.api_key, self.app_key)
        self.state.set_rate_limit(rate_limit, rate_period)
        self.app = MockApp(self.state, faults)
        self.host, self.port = host, port
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> MockSite:
        """Serve on a background thread; returns once the site answers requests."""
        if self._thread is not None:
            return self
        server, sock = self._new_server()
        thread = threading.Thread(
            target=server.run, args=([sock],), name=f"mock-site:{self.port}", daemon=True
        )
        self._thread = thread
        thread.start()
        try:
            wait_started(server, thread, f"the mock site on port {self.port}")
        except RuntimeError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop serving and close the port (idle connections are closed, busy ones finish)."""
        server, thread = self._server, self._thread
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout=GRACEFUL_STOP + 3)
            if thread.is_alive() and server is not None:
                server.force_exit = True
                thread.join(timeout=2)
        if self._socket is not None and server is None:
            self._socket.close()  # bound, never served
        self._socket = self._server = self._thread = None

    def bind(self) -> MockSite:
        """Open the listening socket (raises OSError when the port is taken)."""
        if self._socket is None:
            self._socket = listening_socket(self.host, self.port)
            self.port = self._socket.getsockname()[1]
        return self

    def serve_forever(self) -> None:
        """Serve on the calling thread until interrupted (used by ``statuspage-contract serve``).

        On the main thread, SIGINT and SIGTERM stop the server gracefully; SIGINT is then
        raised again, as ``KeyboardInterrupt``.
        """
        server, sock = self._new_server()
        try:
            server.run([sock])
        finally:
            self._socket = self._server = None

    def _new_server(self) -> tuple[uvicorn.Server, socket.socket]:
        self.bind()
        assert self._socket is not None
        config = uvicorn.Config(
            self.app,
            http=MockHttpProtocol,
            loop="auto",  # uvloop when installed
            ws="none",
            lifespan="off",
            interface="asgi3",
            log_config=None,
            access_log=False,  # the app logs requests itself, escaped, when INFO is enabled
            proxy_headers=False,
            server_header=False,
            timeout_keep_alive=KEEP_ALIVE_TIMEOUT,
            timeout_graceful_shutdown=GRACEFUL_STOP,
        )
        self._server = uvicorn.Server(config)
        return self._server, self._socket

    def __enter__(self) -> MockSite:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:  # never shows the keys
        state = "running" if self.running else "stopped"
        faults = f" faults={sorted(self.faults)}" if self.faults else ""
        return f"<MockSite {self.base_url} {state}{faults}>"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._socket is not None

    # -- state and behaviour ------------------------------------------------------------
    @property
    def faults(self) -> frozenset[str]:
        return self.app.faults

    def set_faults(self, faults: Iterable[str]) -> None:
        self.app.set_faults(faults)

    def set_rate_limit(self, limit: int | None, period: int = 60) -> None:
        """Turn per-organisation rate limiting on (``limit`` requests per ``period`` s) or off."""
        self.state.set_rate_limit(limit, period)

    def reset(self) -> None:
        """Forget every organisation, key and account but the default organisation's keys."""
        self.state.reset()

    @property
    def default_organisation(self) -> Organisation:
        return self.state.default

    def add_organisation(self, name: str | None = None) -> Organisation:
        return self.state.add_organisation(name)

    def add_api_key(self, org: Organisation, key: str | None = None) -> str:
        return self.state.add_api_key(org, key)

    def add_app_key(
        self,
        org: Organisation,
        key: str | None = None,
        permissions: Iterable[str] = ALL_PERMISSIONS,
    ) -> str:
        return self.state.add_app_key(org, key, frozenset(permissions))

    def new_organisation(
        self, permissions: Iterable[str] = ALL_PERMISSIONS
    ) -> tuple[Organisation, str, str]:
        """A fresh organisation; returns it with its API key and application key."""
        return self.state.new_organisation(frozenset(permissions))

    def headers(self, api_key: str | None = None, app_key: str | None = None) -> dict[str, str]:
        """Auth headers for the default organisation (or the given keys)."""
        contract = self.app.contract
        return {
            contract.api_key_header: api_key or self.api_key,
            contract.app_key_header: app_key or self.app_key,
        }
