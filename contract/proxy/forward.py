"""The proxy's ASGI app: forward each request to the site as it came, hand the exchange to
the judge, and return the site's answer byte for byte.

The upstream client is ``upstream.Upstream`` (pooled keep-alive connections on the server's
own event loop, httptools' parser): the site sees the client's own headers (less the
hop-by-hop ones, with ``Host`` set to the site) and the client gets the site's bytes.
Nothing else is ever sent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, MutableMapping
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from uvicorn.protocols.http.httptools_impl import HEADER_RE, HEADER_VALUE_RE

from ..mock.app import Reply
from ..spec import JSON_MEDIA_TYPE, load_contract
from .judge import JudgedExchange, ProxyJudge
from .upstream import HOP_BY_HOP, MAX_CONNECTIONS, Unforwardable, Upstream, UpstreamError

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

#: A request body larger than this is refused by the proxy (413) instead of buffered.
MAX_BODY = 64 * 1024 * 1024
#: Seconds the proxy waits for the site's answer by default.
DEFAULT_TIMEOUT = 30.0
#: Every answer the proxy gives itself names it.
SELF = "statuspage-contract proxy"
_JSON = JSON_MEDIA_TYPE.encode()


class ProxyApp:
    """Forward, answer, judge. ``after`` is called with every judged exchange."""

    def __init__(
        self,
        upstream: str,
        judge: ProxyJudge,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        after: Callable[[JudgedExchange], None] | None = None,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.judge = judge
        self.timeout = timeout
        self.after = after
        self.contract = load_contract()
        self._client: Upstream | None = None

    def client(self) -> Upstream:
        """The pooled upstream client, made on the server's event loop when first needed."""
        if self._client is None:
            self._client = Upstream(self.upstream, MAX_CONNECTIONS)
        return self._client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        method: str = scope["method"]
        raw_target: bytes = scope.get("raw_path") or scope["path"].encode("latin-1")
        if scope.get("query_string"):
            raw_target += b"?" + scope["query_string"]
        target = raw_target.decode("latin-1")
        if not target.startswith("/"):  # "*" or an authority: nothing of the site's
            why = f"request target {target[:40]!r} is not a path; nothing was forwarded"
            await self._refuse(send, self.contract.status.invalid, why)
            return
        url = self.upstream + target
        raw_headers: list[tuple[bytes, bytes]] = scope["headers"]
        headers = _as_dict(raw_headers)
        body = await _read_body(receive)
        if body is None:  # the client went away before its request was whole
            return
        ticket = self.judge.begin(method, headers, body or b"", target.partition("?")[0])
        request = (method, url, headers, body or b"")
        if len(body) > MAX_BODY:
            why = f"request body over the proxy's limit of {MAX_BODY // 2**20} MiB, not forwarded"
            self._judged(ticket, request, None, started, why)
            await self._refuse(send, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, why)
            return
        try:
            async with asyncio.timeout(self.timeout):  # the whole exchange, a connection's wait too
                answer = await self.client().request(method, raw_target, raw_headers, body)
            status, resp_headers, raw = answer
            out = _answered_headers(status, resp_headers, len(raw), method)
        except TimeoutError:
            why = f"the site did not answer within {self.timeout:g} s"
            self._judged(ticket, request, None, started, why)
            await self._refuse(send, HTTPStatus.GATEWAY_TIMEOUT, why)
            return
        except (UpstreamError, OSError, ValueError) as exc:
            why = f"the site could not be reached ({_failure(exc)})"
            self._judged(ticket, request, None, started, why)
            await self._refuse(send, HTTPStatus.BAD_GATEWAY, why)
            return
        except Unforwardable as exc:
            why = f"the site's answer cannot be forwarded ({exc})"
            self._judged(ticket, request, None, started, why)
            await self._refuse(send, HTTPStatus.BAD_GATEWAY, why)
            return
        # judged before it is answered: a client that got its answer finds it in the report,
        # and a client's next call is judged after this one
        self._judged(ticket, request, (status, _as_dict(resp_headers), raw), started, None)
        try:
            await send({"type": "http.response.start", "status": status, "headers": out})
            await send({"type": "http.response.body", "body": raw})
        except Exception as exc:  # a last guard: never a traceback; the report names it
            self.judge.failed_to_judge(method, f"answer not sent: {type(exc).__name__}")

    def _judged(
        self,
        ticket: Any,
        request: tuple[str, str, dict[str, str], bytes],
        response: tuple[int, dict[str, str], bytes] | None,
        started: float,
        error: str | None,
    ) -> None:
        try:
            judged = self.judge.judge(
                ticket, request, response, time.perf_counter() - started, upstream_error=error
            )
        except Exception as exc:  # a judging bug must never cost the client its answer
            self.judge.failed_to_judge(request[0], type(exc).__name__)
            return
        if self.after is not None:
            self.after(judged)

    def error(self, status: int, message: str) -> Reply:
        """The proxy's own answer: the contract's error envelope, naming the proxy (also the
        HTTP layer's refusals: statuspage_contract.mock.protocol)."""
        body = self.contract.error_envelope(f"{SELF}: {message}")
        return Reply(int(status), body, _JSON)

    async def _refuse(self, send: Send, status: int, message: str) -> None:
        """The proxy's own answer when the site gave none: the contract's error envelope."""
        reply = self.error(status, message)
        await send({"type": "http.response.start", "status": reply.status, "headers": reply.head()})
        await send({"type": "http.response.body", "body": reply.body})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._client is not None:
                    self._client.close()
                    self._client = None
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body (None: the client disconnected). Reading stops past MAX_BODY."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_BODY + 1:
            chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _as_dict(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Headers as one str per lower-cased name (repeated ones joined with ', ')."""
    out = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in headers}
    if len(out) == len(headers):  # no name repeated: the common case, in one pass
        return out
    out = {}
    for key, value in headers:
        name, text = key.decode("latin-1").lower(), value.decode("latin-1")
        out[name] = f"{out[name]}, {text}" if name in out else text
    return out


def _answered_headers(
    status: int, headers: list[tuple[bytes, bytes]], length: int, method: str
) -> list[tuple[bytes, bytes]]:
    """The site's headers as the client gets them: less the hop-by-hop ones, with a
    Content-Length (the body is sent whole). Unforwardable when HTTP/1.1 cannot carry the
    answer: a status that is no final three-digit one, a control character in a field."""
    if not 200 <= status <= 599:
        raise Unforwardable(f"status {status} is not a final HTTP status")
    out = []
    sized = None
    for key, value in headers:
        name = key.lower()
        if name not in HOP_BY_HOP:
            out.append((key, value))
            if name == b"content-length":
                sized = value
    # one search of all names and one of all values: uvicorn refuses what these find
    if HEADER_RE.search(b"".join(k for k, _ in out)):
        raise Unforwardable("a header name with a character HTTP does not allow")
    if HEADER_VALUE_RE.search(b"\t".join(v for _, v in out)):
        raise Unforwardable("a header value with a control character")
    if sized is None:
        out.append((b"content-length", b"%d" % length))
    elif method != "HEAD" and sized.strip() != b"%d" % length:
        # a bodiless answer (1xx, 204, 304) sized for what a GET would get: what is sent is
        # framed by what it has (none), as uvicorn cannot send a length it does not send
        if length:
            raise Unforwardable("a body that is not as long as its Content-Length")
        out = [(k, v) for k, v in out if k.lower() != b"content-length"]
    return out


def _failure(exc: BaseException) -> str:
    """A short, secret-free name for a transport failure."""
    if isinstance(exc, UpstreamError):
        return str(exc)  # the client's own words: no secret in them
    text = str(exc).lower()
    if "refused" in text:
        return "connection refused"
    if "reset" in text:
        return "connection reset"
    return type(exc).__name__


def upstream_host(url: str) -> str:
    """host:port of a site URL, for messages."""
    parts = urlsplit(url)
    return parts.netloc.rpartition("@")[2]
