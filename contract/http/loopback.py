"""A requests transport adapter for the embedded mock: plain HTTP/1.1 to a loopback address,
over the standard library's ``http.client``.

requests' own adapter sends through urllib3, which does on every request what a keep-alive
connection to a server in the same process never needs: a pool keyed by scheme, host and
port, retry and timeout objects, a response wrapper that streams and decodes. That costs
about half of the client's CPU per request against the mock (benchmarks/README.md). This
adapter keeps the rest of requests (the session, its prepared requests, hooks, cookies and
``requests.Response``, built by :meth:`HTTPAdapter.build_response`) and swaps only the wire:
``http.client`` writes the request and parses the answer, as it does under urllib3.

Only the embedded mock's client mounts it. Every site reached by URL, loopback ones included
(the tests' hostile sites, a mock started with ``serve``), keeps urllib3: the path a live site
takes. It refuses any URL that is not ``http://`` to a loopback address.
"""

from __future__ import annotations

import http.client
import io
import socket
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPHeaderDict, HTTPResponse
from urllib3.exceptions import ProtocolError
from urllib3.util import wait_for_read

from ..sites import LOOPBACK_HOSTS  # the hosts this adapter sends to

__all__ = ["LOOPBACK_HOSTS", "LoopbackAdapter"]


Timeout = float | tuple[float | None, float | None] | None


def _timeouts(timeout: Timeout) -> tuple[float | None, float | None]:
    """(connect, read) seconds, as requests accepts them: one number or a pair."""
    if isinstance(timeout, tuple):
        return timeout
    return timeout, timeout


class LoopbackAdapter(HTTPAdapter):
    """Sends plain HTTP to a loopback address over kept-alive ``http.client`` connections.

    Mount it on one base URL: ``session.mount(base_url + "/", LoopbackAdapter())``. The
    answer is read whole (``stream`` is ignored); a dropped idle connection is reopened, as
    urllib3's pool does; failures raise requests' own exceptions (``ConnectTimeout``,
    ``ReadTimeout``, ``ConnectionError``, ``ChunkedEncodingError``).
    """

    def __init__(self) -> None:
        super().__init__()
        self._idle: dict[tuple[str, int], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Timeout = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        address = self._address(request)
        connect_timeout, read_timeout = _timeouts(timeout)
        conn = self._checkout(address)
        try:
            if conn.sock is None:
                conn.timeout = connect_timeout
                conn.connect()
        except OSError as exc:
            conn.close()
            if isinstance(exc, TimeoutError):
                raise requests.ConnectTimeout(exc, request=request) from exc
            raise requests.ConnectionError(
                f"Failed to establish a new connection: {exc}", request=request
            ) from exc
        try:
            assert conn.sock is not None
            conn.sock.settimeout(read_timeout)
            body = request.body
            if isinstance(body, str):  # as urllib3 sends it (http.client would use Latin-1)
                body = body.encode("utf-8")
            conn.request(str(request.method), request.path_url, body, dict(request.headers))
            answer = conn.getresponse()
            content = answer.read()
        except http.client.IncompleteRead as exc:
            conn.close()
            broken = ProtocolError(f"Connection broken: {exc!r}", exc)
            raise requests.exceptions.ChunkedEncodingError(broken, request=request) from exc
        except TimeoutError as exc:
            conn.close()
            raise requests.ReadTimeout(exc, request=request) from exc
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            aborted = ProtocolError("Connection aborted.", exc)
            raise requests.ConnectionError(aborted, request=request) from exc
        self._checkin(address, conn)
        headers = HTTPHeaderDict(answer.getheaders())
        raw = HTTPResponse(
            body=io.BytesIO(content),
            headers=headers,
            status=answer.status,
            version=answer.version,
            reason=answer.reason,
            preload_content=False,
            # requests reads cookies from the original response; without one it skips the
            # cookie jar's parsing, which is all an answer without cookies would cost.
            original_response=answer if "set-cookie" in headers else None,
            request_method=request.method,
            request_url=request.url,
        )
        response = self.build_response(request, raw)
        # The body is in hand; urllib3 decodes it only when the site compressed it.
        compressed = "content-encoding" in raw.headers
        response._content = raw.read(decode_content=True) if compressed else content
        return response

    def close(self) -> None:
        with self._lock:
            idle = [conn for conns in self._idle.values() for conn in conns]
            self._idle.clear()
        for conn in idle:
            conn.close()
        super().close()

    # -- connections ------------------------------------------------------------------
    @staticmethod
    def _address(request: requests.PreparedRequest) -> tuple[str, int]:
        parts = urlsplit(str(request.url))
        if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS:
            raise requests.exceptions.InvalidURL(
                f"the loopback transport sends plain HTTP to {', '.join(sorted(LOOPBACK_HOSTS))}"
                f" only, not to {parts.scheme}://{parts.hostname}",
                request=request,
            )
        return parts.hostname, parts.port or 80

    def _checkout(self, address: tuple[str, int]) -> http.client.HTTPConnection:
        """An idle connection to ``address`` that the site has not closed, or a new one."""
        with self._lock:
            idle = self._idle.get(address, [])
            conn = idle.pop() if idle else None
        if conn is None:
            return http.client.HTTPConnection(*address)
        if conn.sock is not None and _dropped(conn.sock):
            conn.close()  # the next request connects again
        return conn

    def _checkin(self, address: tuple[str, int], conn: http.client.HTTPConnection) -> None:
        with self._lock:
            self._idle.setdefault(address, []).append(conn)


def _dropped(sock: socket.socket) -> bool:
    """Whether an idle connection has something to read: the site closed it (or sent what no
    request asked for). urllib3's pool checks the same before reusing a connection."""
    return wait_for_read(sock, timeout=0.0)
