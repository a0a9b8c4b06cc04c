"""The HTTP/1.1 layer of the mock and the proxy: uvicorn's httptools protocol, with limits,
timeouts and error envelopes.

Parsing and framing are llhttp's (through httptools), which refuses what a lenient parser lets
through: conflicting or malformed ``Content-Length``, both ``Content-Length`` and
``Transfer-Encoding``, bad request lines. This subclass only adds policy on top:

* limits on the request head (URL length, header count, head size), so a client cannot make
  the server buffer an unbounded head;
* a timeout on every phase of a connection
(:class:`statuspage_contract.serving.ConnectionTimeouts`):
  idle before a request, the head, the start of the body, each pause in it, the whole body.
  A client past one is answered 408 inside a request, and closed when idle;
* HTTP/1.0 and HTTP/1.1 only;
* every refusal is a 4xx with a status line, the contract's error envelope (rendered by the
  app's ``error``) and ``Connection: close``, logged at INFO without request data, then a
  lingering close (what the client still sends is dropped), so that a reset never destroys
  the answer. A refusal of what follows a whole request (junk in the same packet, a stalled
  next head) waits until that request is answered; a refusal of a body never whole (a
  malformed chunk, a stall) answers that request instead of the app.

Timers cost a request almost nothing: one timer per connection, armed when the connection is
made and re-armed when it fires; a phase only notes its deadline (the wait for the next request
on a kept-alive connection too: uvicorn's own keep-alive timer, one a request, is not used).
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from ..serving import TIMEOUTS, ConnectionTimeouts
from ..spec import load_contract
from .logs import http_log

#: Malformed HTTP is answered as the contract answers any bad request.
_BAD_REQUEST = HTTPStatus(load_contract().status.invalid)

#: Longest request target accepted (414 above).
MAX_URL_BYTES = 8 * 1024
#: Most header fields accepted (431 above).
MAX_HEADERS = 100
#: Most bytes a request head (request line and headers) may take (431 above).
MAX_HEAD_BYTES = 64 * 1024
#: HTTP versions served; anything else is refused with 400.
VERSIONS = frozenset({"1.0", "1.1"})
#: After a refusal, how long the rest of what the client sends is read and dropped before the
#: connection closes (a "lingering close"): closing with unread input makes the kernel reset
#: the connection, and a reset can destroy the answer before the client reads it.
LINGER_SECONDS = 2.0

# The phases of a connection: what the server waits for.
_IDLE, _HEAD, _BODY, _BUSY = range(4)  # nothing yet; a head; a body; the app (no deadline)


class _Refused(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class _HeadWithBody:
    """An answer's transport as uvicorn's request cycle sees it: the head of the answer is
    held until the first bytes of its body are written, so both leave in one ``send`` (one
    segment on the wire, one wake-up of the client) instead of two. A ``100 Continue`` (written
    before the answer starts) and an answer to HEAD (no body follows) are written at once;
    closing writes what is held first."""

    __slots__ = ("_cycle", "_headed", "_held", "_transport")

    def __init__(self, transport: asyncio.Transport, cycle: Any) -> None:
        self._transport, self._cycle = transport, cycle
        self._held: bytes | None = None
        self._headed = False  # the answer's head went by (held or written)

    def write(self, data: bytes) -> None:
        if self._held is not None:
            data, self._held = self._held + data, None
        elif not self._headed and self._cycle.response_started:
            self._headed = True
            cycle, self._cycle = self._cycle, None  # no cycle of references: freed at once
            if cycle.scope["method"] != "HEAD":
                self._held = data
                return
        self._transport.write(data)

    def close(self) -> None:
        if self._held is not None:
            self.write(b"")
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class MockHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with head limits, timeouts and JSON refusals."""

    timeouts: ConnectionTimeouts = TIMEOUTS
    log = http_log  # refusals are logged here (uvicorn's own warnings too)
    max_url_bytes, max_headers, max_head_bytes = MAX_URL_BYTES, MAX_HEADERS, MAX_HEAD_BYTES

    @classmethod
    def configured(cls, timeouts: ConnectionTimeouts) -> type[MockHttpProtocol]:
        """This protocol with other timeouts (uvicorn makes one instance per connection)."""
        if timeouts == cls.timeouts:
            return cls
        return type(cls.__name__, (cls,), {"timeouts": timeouts})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.logger = self.log
        self.timeout_keep_alive = self.timeouts.keep_alive  # type: ignore[assignment]  # call_later takes a float
        self._in_head = True  # between two requests or inside a head
        self._head_bytes = 0  # bytes received since the head began (bounds unparsed input)
        self._lingering = False  # refused: what still arrives is dropped until the close
        self._phase = _IDLE
        self._deadline: float | None = None  # when the client's current wait runs out
        self._body_deadline = 0.0  # when the whole body must have arrived
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        self._refusal: tuple[HTTPStatus, str] | None = None  # sent once the answer in flight is

    # -- connection -------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._wait(_IDLE, self.timeouts.idle)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        super().connection_lost(exc)

    def eof_received(self) -> bool | None:  # type: ignore[override]  # asyncio allows True
        """The client closed its side (``printf ... | nc -N``): a whole request in flight is
        still answered, then the connection closes; otherwise it closes now."""
        cycle = self.cycle
        if (
            cycle is not None
            and not cycle.response_complete
            and (cycle.response_started or self._phase != _BODY)
            and not self._lingering
        ):
            cycle.keep_alive = False
            return True  # keep the transport open to write the answer
        return None

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return
        self._unset_keepalive_if_required()
        if self._in_head:
            self._head_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self.cycle is not None:  # served as a plain request, then the connection closes
                self.cycle.keep_alive = False
            return
        except httptools.HttpParserError as exc:
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, _Refused):
                self.refuse(cause.status, cause.message)
            elif cause is not None:  # e.g. a CONNECT authority uvicorn cannot parse as a URL
                self.refuse(_BAD_REQUEST, "Bad Request: malformed request target")
            else:
                reason = str(exc).strip() or "malformed request"
                self.refuse(_BAD_REQUEST, f"Bad Request: {reason[:100]}")
            return
        if self._in_head and self._head_bytes > self.max_head_bytes:
            self.refuse(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Request header too large")
        elif self._phase == _BODY:  # the body moves on: the next pause may be as long again
            now = self.loop.time()
            self._deadline = min(now + self.timeouts.body_stall, self._body_deadline)
            if self._timer is None or self._deadline < self._timer_at:  # a shorter pause
                self._arm(self._deadline)

    # -- parser callbacks -------------------------------------------------------------------
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._wait(_HEAD, self.timeouts.head)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head, self._head_bytes = True, 0  # the next bytes start the next head
        self._phase, self._deadline = _BUSY, None  # the app's turn: no client deadline

    def on_url(self, url: bytes) -> None:
        if len(self.url) + len(url) > self.max_url_bytes:
            raise _Refused(HTTPStatus.REQUEST_URI_TOO_LONG, "Request URI too long")
        super().on_url(url)

    def on_headers_complete(self) -> None:
        version = self.parser.get_http_version()
        if version not in VERSIONS:
            raise _Refused(_BAD_REQUEST, "Unsupported HTTP version; use HTTP/1.1")
        if len(self.headers) > self.max_headers or (  # a head in one big read: count its fields
            self._head_bytes > self.max_head_bytes
            and sum(len(n) + len(v) for n, v in self.headers) > self.max_head_bytes
        ):
            raise _Refused(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Request header too large")
        self._in_head, self._head_bytes = False, 0
        now = self.loop.time()
        self._body_deadline = now + self.timeouts.body
        self._wait(_BODY, min(self.timeouts.body_start, self.timeouts.body), now)
        super().on_headers_complete()
        if self.cycle is not None:  # head and body of its answer in one write
            self.cycle.transport = _HeadWithBody(self.transport, self.cycle)  # type: ignore[assignment]

    def on_response_complete(self) -> None:
        # uvicorn's, but the wait for the next request is a phase of the one timer: uvicorn
        # would schedule a keep-alive timer after every answer and cancel it on the next one.
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self._unset_keepalive_if_required()
        self.flow.resume_reading()
        if self.pipeline:  # a request that came in the meantime is served next
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
        elif self._phase == _BUSY:  # not when the next head has begun (its deadline stands)
            self._wait(_IDLE, self.timeouts.keep_alive)
        if (
            self._refusal is not None
            and not self.transport.is_closing()
            and not self.pipeline
            and (self.cycle is None or self.cycle.response_complete)
        ):
            self._answer(*self._refusal)

    # -- timeouts ---------------------------------------------------------------------------
    def _wait(self, phase: int, seconds: float, now: float | None = None) -> None:
        """Enter ``phase``: the client has ``seconds`` to see it through."""
        deadline = (self.loop.time() if now is None else now) + seconds
        self._phase, self._deadline = phase, deadline
        if self._timer is None or deadline < self._timer_at:  # the timer would fire too late
            self._arm(deadline)

    def _arm(self, at: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = at
        self._timer = self.loop.call_at(at, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        now, deadline = self.loop.time(), self._deadline
        if deadline is None or self.flow.read_paused:  # the app's turn, or the server's pause
            self._arm(now + self.timeouts.shortest)
        elif now < deadline:
            self._arm(deadline)
        elif self._phase == _IDLE:
            self.transport.close()  # nothing asked, nothing to answer
        elif self._phase == _HEAD:
            self.refuse(HTTPStatus.REQUEST_TIMEOUT, "Request head not received in time")
        else:
            self.refuse(HTTPStatus.REQUEST_TIMEOUT, "Request body not received in time")

    # -- refusals ---------------------------------------------------------------------------
    def send_400_response(self, msg: str) -> None:  # uvicorn's hook, kept for its callers
        self.refuse(_BAD_REQUEST, "Bad Request")

    def refuse(self, status: HTTPStatus, message: str) -> None:
        """Answer ``status`` with the error envelope and close the connection: at once, or
        after the answer to a whole request in flight."""
        self.log.info("refused with %d: %s", status, message)
        if self.transport.is_closing() or self._lingering:
            return
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            if cycle.response_started or self._phase != _BODY:
                # a whole request is being answered: the refusal of what follows comes next
                self._refusal = self._refusal or (status, message)
                self._lingering = True  # nothing after the refused part is read as a request
                return
            # the request in flight will never be whole: the refusal is its answer
            cycle.disconnected = True  # the app's receive() says so, and its send is dropped
            cycle.message_event.set()
        self._answer(status, message)

    def _answer(self, status: HTTPStatus, message: str) -> None:
        error = getattr(self.app, "error", None)
        if error is not None:
            reply = error(status, message)
            head, body = reply.head(close=True), reply.body
        else:  # pragma: no cover - the mock's and the proxy's apps have it
            head, body = [(b"content-length", b"0"), (b"connection", b"close")], b""
        content = [STATUS_LINE[status]]
        for name, value in [*self.server_state.default_headers, *head]:
            content += [name, b": ", value, b"\r\n"]
        content.append(b"\r\n")
        if not self._refusing_head():  # an answer to HEAD has no body (RFC 9110, 9.3.2)
            content.append(body)
        self.transport.write(b"".join(content))
        self._linger()

    def _refusing_head(self) -> bool:
        """Whether the refused request is a HEAD (known once its method is parsed)."""
        try:
            return bool(self.parser.get_method() == b"HEAD")
        except httptools.HttpParserError:  # pragma: no cover - httptools gives a default
            return False

    def _linger(self) -> None:
        """Close after the answer without losing it: send end-of-stream, drop what the client
        still sends, and close after :data:`LINGER_SECONDS` at most (at once when the client
        closes its side: the transport then closes itself)."""
        self._phase, self._deadline = _BUSY, None
        if not self.transport.can_write_eof():  # pragma: no cover - TCP transports can
            self.transport.close()
            return
        self._lingering = True
        self.flow.resume_reading()  # keep reading (and dropping) so the input never piles up
        self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)
