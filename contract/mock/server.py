"""Serve the mock over real HTTP on loopback: ``with MockSite() as site: site.base_url``."""

from __future__ import annotations

import io
import logging
import os
import socket
import threading
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from contract.mock.app import MockApp
from contract.mock.faults import check_faults
from contract.mock.state import ALL_PERMISSIONS, DEMO_API_KEY, DEMO_APP_KEY, MockState, Organisation

log = logging.getLogger("statuspage_contract.mock")

#: Requests with a Content-Length body up to this size are read whole before the app runs, so
#: the connection can be kept alive. Larger, chunked or ``Expect`` requests take Werkzeug's own
#: path, which closes the connection after the response (and drains what is left of the body).
KEEP_ALIVE_MAX_BODY = 1024 * 1024


class _Handler(WSGIRequestHandler):
    """Werkzeug's handler with TCP_NODELAY (no 40 ms Nagle stalls) and a socket timeout."""

    disable_nagle_algorithm = True
    timeout = 30  # seconds a stalled or truncated request may hold a thread

    def run_wsgi(self) -> None:
        length = self._keep_alive_body_length()
        if length is None:
            super().run_wsgi()  # closes the connection after the response
            return
        body = self.rfile.read(length) if length else b""
        if len(body) != length:  # the client went away mid-body
            self.close_connection = True
            return
        self.environ = environ = self.make_environ()
        environ["wsgi.input"] = io.BytesIO(body)
        started: list[Any] = []
        chunks: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            started[:] = [status, headers]
            return chunks.append

        try:
            app_iter = self.server.app(environ, start_response)
            try:
                chunks.extend(app_iter)
            finally:
                if hasattr(app_iter, "close"):
                    app_iter.close()
            status, headers = started
        except Exception:  # the app guards itself; never leave a half-answered connection open
            log.exception("mock app failed")
            self.close_connection = True
            status, headers = "500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")]
            chunks = [b"Internal Server Error"]
        data = b"".join(chunks)
        code_text, _, reason = status.partition(" ")
        code = int(code_text)
        self.send_response(code, reason)
        framed = False
        for key, value in headers:
            framed = framed or key.lower() == "content-length"
            self.send_header(key, value)
        if not framed and code >= 200 and code not in (204, 304):
            self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)

    def _keep_alive_body_length(self) -> int | None:
        """The request body's length when the connection can stay open after it, else None."""
        if self.close_connection or self.request_version != "HTTP/1.1":
            return None
        if "Transfer-Encoding" in self.headers or "Expect" in self.headers:
            return None
        length = self.headers.get("Content-Length")
        if length is None:
            return 0
        if not length.isdigit() or int(length) > KEEP_ALIVE_MAX_BODY:
            return None
        return int(length)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # command and path are unset when the request line itself could not be parsed
        command, path = self.command or "-", getattr(self, "path", "-")
        log.info('%s "%s %s" %s', self.address_string(), command, path, code)

    def log(self, type: str, message: str, *args: Any) -> None:
        log.debug(message, *args)


def default_keys() -> tuple[str, str, bool]:
    """The default organisation's keys: DD_API_KEY / DD_APP_KEY when set, else demo keys."""
    api, app = os.environ.get("DD_API_KEY"), os.environ.get("DD_APP_KEY")
    if api and app:
        return api, app, True
    return DEMO_API_KEY, DEMO_APP_KEY, False


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
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> MockSite:
        if self._thread is not None:
            return self
        self.bind()
        assert self._server is not None
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"mock-site:{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def bind(self) -> MockSite:
        """Open the listening socket (raises OSError when the port is taken)."""
        if self._server is None:
            # Bind here: werkzeug's server prints to stderr and calls sys.exit(1) when it
            # cannot bind, where this method promises an OSError.
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            with socket.socket(family, socket.SOCK_STREAM) as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((self.host, self.port))
                sock.listen(128)
                self._server = make_server(  # werkzeug keeps a duplicate of the descriptor
                    self.host,
                    self.port,
                    self.app,
                    threaded=True,
                    request_handler=_Handler,
                    fd=sock.fileno(),
                )
            self._server.daemon_threads = True  # type: ignore[attr-defined]
            self.port = self._server.server_address[1]
        return self

    def serve_forever(self) -> None:
        """Serve on the calling thread until interrupted (used by ``statuspage-contract serve``)."""
        server = self.bind()._server
        assert server is not None
        try:
            server.serve_forever()
        finally:
            server.server_close()
            self._server = None

    def __enter__(self) -> MockSite:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    # -- state and behaviour ------------------------------------------------------------
    @property
    def faults(self) -> frozenset[str]:
        return self.app.faults

    def set_faults(self, faults: Iterable[str]) -> None:
        self.app.faults = check_faults(faults)

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
