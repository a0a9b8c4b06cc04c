"""The mock's HTTP/1.1 layer: uvicorn's httptools protocol, with limits and error envelopes.

Parsing and framing are llhttp's (through httptools), which refuses what a lenient parser lets
through: conflicting or malformed ``Content-Length``, both ``Content-Length`` and
``Transfer-Encoding``, bad request lines. This subclass only adds policy on top:

* limits on the request head (URL length, header count, head size), so a client cannot make
  the server buffer an unbounded head;
* HTTP/1.0 and HTTP/1.1 only;
* every refusal is a 4xx with a status line, the contract's error envelope (rendered by the
  app) and ``Connection: close``, logged at INFO without request data, then a lingering close
  (what the client still sends is dropped), so that a reset never destroys the answer.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from contract.mock.logs import http_log
from contract.spec import load_contract

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


class _Refused(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class MockHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with head limits, a version check and JSON refusals."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.logger = http_log  # uvicorn's own warnings go to the mock's logger
        self._in_head = True  # between two requests or inside a head
        self._head_bytes = 0  # bytes received since the head began (bounds unparsed input)
        self._lingering = False  # refused: what still arrives is dropped until the close

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
        if self._in_head and self._head_bytes > MAX_HEAD_BYTES:
            self.refuse(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Request header too large")

    # -- parser callbacks -------------------------------------------------------------------
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head, self._head_bytes = True, 0  # the next bytes start the next head

    def on_url(self, url: bytes) -> None:
        if len(self.url) + len(url) > MAX_URL_BYTES:
            raise _Refused(HTTPStatus.REQUEST_URI_TOO_LONG, "Request URI too long")
        super().on_url(url)

    def on_headers_complete(self) -> None:
        version = self.parser.get_http_version()
        if version not in VERSIONS:
            raise _Refused(_BAD_REQUEST, "Unsupported HTTP version; use HTTP/1.1")
        if len(self.headers) > MAX_HEADERS or (  # a head in one big read: count its fields
            self._head_bytes > MAX_HEAD_BYTES
            and sum(len(n) + len(v) for n, v in self.headers) > MAX_HEAD_BYTES
        ):
            raise _Refused(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Request header too large")
        self._in_head, self._head_bytes = False, 0
        super().on_headers_complete()

    # -- refusals ---------------------------------------------------------------------------
    def send_400_response(self, msg: str) -> None:  # uvicorn's hook, kept for its callers
        self.refuse(_BAD_REQUEST, "Bad Request")

    def refuse(self, status: HTTPStatus, message: str) -> None:
        """Answer ``status`` with the error envelope and close the connection."""
        http_log.info("refused with %d: %s", status, message)
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            self.transport.close()  # never inside another response
            return
        error = getattr(self.app, "error", None)
        if error is not None:
            reply = error(status, message)
            head, body = reply.head(close=True), reply.body
        else:  # pragma: no cover - the mock's app always has it
            head, body = [(b"content-length", b"0"), (b"connection", b"close")], b""
        content = [STATUS_LINE[status]]
        for name, value in [*self.server_state.default_headers, *head]:
            content += [name, b": ", value, b"\r\n"]
        content += [b"\r\n", body]
        self.transport.write(b"".join(content))
        self._linger()

    def _linger(self) -> None:
        """Close after the answer without losing it: send end-of-stream, drop what the client
        still sends, and close after :data:`LINGER_SECONDS` at most (at once when the client
        closes its side: the transport then closes itself)."""
        if not self.transport.can_write_eof():  # pragma: no cover - TCP transports can
            self.transport.close()
            return
        self._lingering = True
        self.flow.resume_reading()  # keep reading (and dropping) so the input never piles up
        self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)
