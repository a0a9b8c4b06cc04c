"""The proxy's upstream client: HTTP/1.1 to one site over pooled keep-alive connections on the
server's own event loop, each an ``asyncio.Protocol`` reading with httptools' response parser
(llhttp, strict: the parser uvicorn serves with).

It sends exactly the head it is given (plus ``Host`` and the body's ``Content-Length``) and
hands back the site's status, raw headers and raw body: no automatic headers, no cookies, no
content decoding, no redirects. Interim 1xx answers are skipped (not 101), an answer to HEAD
has no body, a body without framing ends with the connection, and a reused connection the site
had already closed is retried once on a fresh one for an idempotent method (RFC 9110, 9.2.2);
one idle over ``KEEP_IDLE`` seconds is closed.
TLS for https sites; for a site other than loopback the environment's proxy (``HTTPS_PROXY``,
``HTTP_PROXY``, ``NO_PROXY``) is used, through ``CONNECT`` for https. Failures raise
:class:`UpstreamError` (the site could not be reached, the answer was broken) or
:class:`Unforwardable` (the answer came, but HTTP/1.1 cannot carry it as it is); the caller's
time limit covers a whole exchange (waiting for a connection included).
"""

from __future__ import annotations

import asyncio
import base64
import ssl
import time
import urllib.request
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote, urlsplit

import httptools

from ..sites import LOCALHOST, LOOPBACK_HOSTS

#: Headers of one connection (RFC 9110, 7.6.1), never forwarded; Host is set to the site's.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
    }
)
#: Connections the proxy keeps to the site at most.
MAX_CONNECTIONS = 128
#: Seconds a kept-alive connection may stay idle in the pool before it is closed.
KEEP_IDLE = 15.0
#: The longest response head (status line and fields) the proxy reads from the site.
MAX_HEAD = 256 * 1024
#: Methods a client may repeat without changing the outcome (RFC 9110, 9.2.2).
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
_OWS = (b" ", b"\t")

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


class UpstreamError(Exception):
    """The site could not be reached, or broke off or garbled its answer."""


class Unforwardable(Exception):
    """An answer of the site that HTTP/1.1 cannot carry to the client as it is."""


def _parse_error(exc: httptools.HttpParserError) -> Exception:
    """What a parser error means for the client: a field the proxy cannot forward, or no
    HTTP answer at all."""
    reason = str(exc)
    if "header value" in reason.lower():
        return Unforwardable("a header value with a control character")
    if "header" in reason.lower() and "token" in reason.lower():
        return Unforwardable("a header name with a character HTTP does not allow")
    return UpstreamError(f"not a valid HTTP answer: {reason[:60]}")


class _Connection(asyncio.Protocol):
    """One connection to the site, one exchange at a time (``send``, then await its answer)."""

    def __init__(self) -> None:
        self.transport: Any = None  # uvloop's transports are no asyncio.Transport subclasses
        self.answer: asyncio.Future[Answer] | None = None
        self.closed = False
        self.reused = False
        self.keep = False
        self.idle_since = 0.0

    # -- one exchange ---------------------------------------------------------------------
    def send(self, data: bytes, body: bytes, head_only: bool) -> asyncio.Future[Answer]:
        """Write a request; the future of its answer."""
        self.parser = httptools.HttpResponseParser(self)
        self.head_only, self.head_done, self.interim = head_only, False, False
        self.received = 0  # bytes of this answer so far (0: nothing came)
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.answer = answer = asyncio.get_running_loop().create_future()
        if len(body) <= 65536:
            self.transport.write(data + body)  # one segment: the site wakes up once
        else:
            self.transport.write(data)
            self.transport.write(body)
        return answer

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    # -- asyncio --------------------------------------------------------------------------
    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        answer = self.answer
        if answer is None or answer.done():  # bytes nobody asked for: this connection is spent
            self.abort()
            return
        self.received += len(data)
        if not self.head_done and self.received > MAX_HEAD:
            self._fail(UpstreamError(f"an answer head over {MAX_HEAD // 1024} KiB"))
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:  # 101 (the caller refuses it); never reused
            self._complete(keep=False)
        except httptools.HttpParserError as exc:
            self._fail(_parse_error(exc))

    def eof_received(self) -> bool:
        self._ended(None)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._ended(exc)

    def _ended(self, exc: Exception | None) -> None:
        self.closed = True
        answer = self.answer
        if answer is None or answer.done():
            return
        if self.head_done and not self._framed():  # a body that ends with the connection
            self._complete(keep=False)
            return
        what = "before the answer was whole" if self.received else "without an answer"
        cause = f" ({type(exc).__name__})" if exc is not None else ""
        self._fail(UpstreamError(f"the site closed the connection {what}{cause}"))

    def _framed(self) -> bool:
        """Whether the answer's length is known from its head (else the close ends it; an
        answer without a body by its status, 1xx, 204, 304, is complete with its head)."""
        return any(
            name.lower() in (b"content-length", b"transfer-encoding") for name, _ in self.headers
        )

    # -- httptools' callbacks -------------------------------------------------------------
    def on_message_begin(self) -> None:
        self.headers, self.body = [], []

    def on_header(self, name: bytes, value: bytes) -> None:
        if value[-1:] in _OWS:  # optional whitespace is not part of a value (RFC 9110, 5.5)
            value = value.rstrip(b" \t")
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        self.interim = 100 <= status < 200 and status != HTTPStatus.SWITCHING_PROTOCOLS
        if not self.interim:
            self.head_done = True
            if self.head_only:  # an answer to HEAD has no body, whatever its head says
                self._complete(keep=self.parser.should_keep_alive())

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if not self.interim:
            self._complete(keep=self.parser.should_keep_alive())

    def _complete(self, keep: bool) -> None:
        if self.answer is not None and not self.answer.done():
            self.keep = keep
            status = self.parser.get_status_code()
            self.answer.set_result((status, self.headers, b"".join(self.body)))

    def _fail(self, exc: Exception) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(exc)
        self.abort()


class Upstream:
    """Pooled keep-alive connections to the site at ``url`` (http or https, a path prefix
    allowed); ``request`` sends one request and returns its answer."""

    def __init__(self, url: str, max_connections: int = MAX_CONNECTIONS) -> None:
        parts = urlsplit(url)
        self.https = parts.scheme == "https"
        self.host = parts.hostname or LOCALHOST
        self.port = parts.port or (443 if self.https else 80)
        self.prefix = parts.path.rstrip("/").encode("latin-1")
        self.host_header = parts.netloc.rpartition("@")[2].encode("idna")
        self.ssl: ssl.SSLContext | None = ssl.create_default_context() if self.https else None
        via = None if self.host in LOOPBACK_HOSTS else _environment_proxy(parts.scheme, self.host)
        self.via: tuple[str, int] | None = via[0] if via else None
        self.via_auth = via[1] if via else b""
        self.extra = b""  # fields of the proxy in each head (plain HTTP through a proxy)
        if self.via is not None and not self.https:  # a plain-HTTP proxy gets absolute targets
            self.prefix = f"http://{parts.netloc}".encode("idna") + self.prefix
            if self.via_auth:
                self.extra = b"\r\nProxy-Authorization: " + self.via_auth
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(max_connections)

    def head(
        self, method: str, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> bytes:
        """The request head as sent: the client's headers less the hop-by-hop ones (values
        without surrounding whitespace), Host the site's, a Content-Length for any body."""
        parts = [method.encode("latin-1"), b" ", self.prefix, target]
        parts += [b" HTTP/1.1\r\nHost: ", self.host_header, self.extra]
        sized = bool(body)
        for name, value in headers:
            low = name.lower()
            if low in HOP_BY_HOP or low == b"content-length":
                sized = sized or low in (b"content-length", b"transfer-encoding")
                continue
            if value[-1:] in _OWS or value[:1] in _OWS:
                value = value.strip(b" \t")
            parts += (b"\r\n", name, b": ", value)
        if sized:
            parts.append(b"\r\nContent-Length: %d" % len(body))
        parts.append(b"\r\n\r\n")
        return b"".join(parts)

    async def request(
        self, method: str, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> Answer:
        """Send a request (``target``: the client's, after the site's path prefix); its answer.
        UpstreamError, Unforwardable or OSError when there is none to forward."""
        data = self.head(method, target, headers, body)
        async with self._slots:
            for attempt in (1, 2):
                connection = self._pooled() or await self._connect()
                answer = connection.send(data, body, method == "HEAD")
                try:
                    result = await answer
                except (UpstreamError, OSError):
                    connection.abort()
                    # a kept-alive connection the site had closed meanwhile: once more, fresh
                    stale = connection.reused and not connection.received
                    if stale and attempt == 1 and method in IDEMPOTENT:
                        continue
                    raise
                except BaseException:  # cancelled (the time limit), or a parse we refuse
                    connection.abort()
                    raise
                if connection.keep and not connection.closed:
                    connection.reused, connection.idle_since = True, time.monotonic()
                    self._idle.append(connection)
                else:
                    connection.transport.close()
                return result
        raise AssertionError("unreachable")  # pragma: no cover

    def _pooled(self) -> _Connection | None:
        """An idle kept-alive connection (the most recently used: the least likely stale);
        one idle longer than KEEP_IDLE is closed (a site or a NAT may have dropped it)."""
        oldest = time.monotonic() - KEEP_IDLE
        while self._idle:
            connection = self._idle.pop()
            if connection.closed:
                continue
            if connection.idle_since >= oldest:
                return connection
            connection.closed = True
            connection.transport.close()
        return None

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        if self.via is None:
            _, connection = await loop.create_connection(
                _Connection, self.host, self.port, ssl=self.ssl, server_hostname=self._sni()
            )
            return connection
        host, port = self.via
        if not self.https:
            _, connection = await loop.create_connection(_Connection, host, port)
            return connection
        return await self._tunnel(host, port)

    async def _tunnel(self, host: str, port: int) -> _Connection:
        """A TLS connection to the site through an HTTP proxy's CONNECT tunnel."""
        reader, writer = await asyncio.open_connection(host, port)
        try:
            authority = b"%s:%d" % (self.host.encode("idna"), self.port)
            auth = b"\r\nProxy-Authorization: " + self.via_auth if self.via_auth else b""
            writer.write(b"CONNECT %s HTTP/1.1\r\nHost: %s" % (authority, authority))
            writer.write(auth + b"\r\n\r\n")
            head = await reader.readuntil(b"\r\n\r\n")
            status = head.split(b" ", 2)[1] if head.count(b" ") >= 1 else b""
            if not head.startswith(b"HTTP/1.") or status != b"200":
                raise UpstreamError(f"the environment's proxy refused the tunnel ({status!r})")
            connection = _Connection()
            assert self.ssl is not None
            loop = asyncio.get_running_loop()
            tls = await loop.start_tls(
                writer.transport,
                writer.transport.get_protocol(),
                self.ssl,
                server_hostname=self.host,
            )
        except BaseException:
            writer.transport.abort()
            raise
        if tls is None:  # pragma: no cover - start_tls returns None only when closing
            raise UpstreamError("the tunnel closed during the TLS handshake")
        tls.set_protocol(connection)
        connection.connection_made(tls)
        return connection

    def _sni(self) -> str | None:
        return self.host if self.ssl is not None else None

    def close(self) -> None:
        """Close the idle connections (on shutdown)."""
        while self._idle:
            self._idle.pop().transport.close()


def _environment_proxy(scheme: str, host: str) -> tuple[tuple[str, int], bytes] | None:
    """The proxy the environment names for ``scheme`` and its Proxy-Authorization value (None:
    none, or NO_PROXY covers ``host``); only http:// proxies are used."""
    proxies = urllib.request.getproxies_environment()
    url = proxies.get(scheme)
    if not url or urllib.request.proxy_bypass_environment(  # type: ignore[attr-defined]
        host, proxies
    ):
        return None
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme != "http" or not parts.hostname:
        return None
    auth = b""
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        auth = b"Basic " + base64.b64encode(pair)
    return (parts.hostname, parts.port or 80), auth
