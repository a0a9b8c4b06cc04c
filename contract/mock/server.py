"""Serve the mock over real HTTP on loopback: ``with MockSite() as site: site.base_url``.

The server is uvicorn (its httptools protocol, subclassed in
:mod:`statuspage_contract.mock.protocol`) on its own event loop, in a background thread or on the
calling thread.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable

import uvicorn

from ..serving import GRACEFUL_STOP, TIMEOUTS, ConnectionTimeouts, ThreadedServer
from ..sites import LOCALHOST
from .app import MockApp
from .protocol import MockHttpProtocol
from .state import (
    ALL_PERMISSIONS,
    DEMO_API_KEY,
    DEMO_APP_KEY,
    DEMO_BEARER_TOKEN,
    MockState,
    Organisation,
)

#: An application key of the default organisation that may only read (no write permission):
#: ``serve`` registers it, and the suite checks with it that writes are refused.
READ_ONLY_APP_KEY_ENV = "DD_APP_KEY_READ_ONLY"
#: An OAuth2 access token (the contract's OAuth2 scheme) sent as a bearer token in place of
#: the two keys: the token of the default organisation for ``serve``, what a run sends.
BEARER_TOKEN_ENV = "DD_BEARER_TOKEN"
#: An OAuth2 access token of the default organisation without the write permission: ``serve``
#: registers it, and the suite checks with it that writes are refused (the bearer counterpart
#: of :data:`READ_ONLY_APP_KEY_ENV`).
READ_ONLY_BEARER_TOKEN_ENV = "DD_BEARER_TOKEN_READ_ONLY"


def default_keys() -> tuple[str, str, bool]:
    """The default organisation's keys: DD_API_KEY / DD_APP_KEY when set, else demo keys."""
    api, app = os.environ.get("DD_API_KEY"), os.environ.get("DD_APP_KEY")
    if api and app:
        return api, app, True
    return DEMO_API_KEY, DEMO_APP_KEY, False


class MockSite(ThreadedServer):
    """The embedded mock Datadog site, served on a background thread.

    Use as a context manager, or call :meth:`start` / :meth:`stop`. ``port=0`` picks a free port.
    """

    kind = "mock site"

    def __init__(
        self,
        host: str = LOCALHOST,
        port: int = 0,
        *,
        faults: Iterable[str] = (),
        rate_limit: int | None = None,
        rate_period: int = 60,
        api_key: str | None = None,
        app_key: str | None = None,
        bearer_token: str | None = None,
        timeouts: ConnectionTimeouts = TIMEOUTS,
    ) -> None:
        env_api, env_app, self.keys_from_environment = default_keys()
        if api_key or app_key:
            self.keys_from_environment = False
        self.api_key = api_key or env_api
        self.app_key = app_key or env_app
        read_only = os.environ.get(READ_ONLY_APP_KEY_ENV) if self.keys_from_environment else None
        #: The default organisation's OAuth2 access token, with every permission: the given
        #: one, else DD_BEARER_TOKEN, else the demo token.
        self.bearer_token = bearer_token or os.environ.get(BEARER_TOKEN_ENV) or DEMO_BEARER_TOKEN
        #: The default organisation's token that may only read (DD_BEARER_TOKEN_READ_ONLY).
        self.read_only_token = os.environ.get(READ_ONLY_BEARER_TOKEN_ENV) or None
        self.state = MockState(
            self.api_key, self.app_key, read_only, self.bearer_token, self.read_only_token
        )
        self.state.set_rate_limit(rate_limit, rate_period)
        self.app = MockApp(self.state, faults)
        self.timeouts = timeouts  # how long a client may take (statuspage_contract.serving)
        self._init_serving(host, port)

    # -- lifecycle (start, stop, bind: statuspage_contract.serving) --------------------------------
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
            http=MockHttpProtocol.configured(self.timeouts),
            loop="auto",  # uvloop when installed
            ws="none",
            lifespan="off",
            interface="asgi3",
            log_config=None,
            access_log=False,  # the app logs requests itself, escaped, when INFO is enabled
            proxy_headers=False,
            server_header=False,
            timeout_keep_alive=int(self.timeouts.keep_alive),  # the protocol's value counts
            timeout_graceful_shutdown=GRACEFUL_STOP,
        )
        self._server = uvicorn.Server(config)
        return self._server, self._socket

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

    def add_token(
        self, org: Organisation, token: str | None = None, scopes: Iterable[str] = ALL_PERMISSIONS
    ) -> str:
        """An OAuth2 access token of ``org`` with ``scopes``, sent as a bearer token."""
        return self.state.add_token(org, token, frozenset(scopes))

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

    def bearer_headers(self, token: str | None = None) -> dict[str, str]:
        """The bearer auth header for the default organisation's token (or ``token``)."""
        return self.app.contract.bearer.headers(token or self.bearer_token)
