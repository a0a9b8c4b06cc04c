"""The mock's ASGI application: contract behaviour, auth, rate limiting, and the points where
fault modes act (:mod:`statuspage_contract.mock.hooks`)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from ..spec import JSON_MEDIA_TYPE, Contract, Operation, load_contract, value_at
from .faults import check_faults, hooks_of
from .hooks import Header
from .logs import access_log, printable
from .state import MockState, Organisation, RateDecision
from .url_settings import UrlSettingsHandler
from .validation import BodyProblem, parse_json_body, validate_body

#: Bodies larger than this are refused with 413 before they are read whole. (A body that
#: stops arriving is answered 408 by the HTTP layer: statuspage_contract.mock.protocol.)
MAX_BODY_BYTES = 32 * 1024 * 1024

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

_JSON = JSON_MEDIA_TYPE.encode()
_ENCODER = json.JSONEncoder(separators=(",", ":"))  # one encoder: json.dumps builds one a call

#: How long a fault that leaves a request unanswered keeps it before it lets the connection
#: go (uvicorn then closes it, still unanswered).
UNANSWERED_SECONDS = 120.0


@dataclass(slots=True)
class Request:
    """What the contract logic needs of one HTTP request (header names lower-case)."""

    method: str
    path: str
    headers: dict[bytes, bytes]  # as ASGI gives them: lower-case names, raw values
    body: bytes | bytearray = b""
    #: The path as sent, percent-encoded (``path`` is decoded): a URL setting's id is read
    #: from it, decoded once (an id may itself hold "%" or "/").
    raw_path: str = ""

    def take_body(self) -> bytes | bytearray:
        """The body, handed over: the request keeps none of it, so that the parser can let
        the raw bytes go before it builds the values (a 1 MiB body costs 2 MiB, not 3)."""
        body, self.body = self.body, b""
        return body

    def header(self, name: bytes) -> str | None:
        value = self.headers.get(name)
        return None if value is None else value.decode("latin-1")

    @property
    def content_type(self) -> str | None:
        return self.header(b"content-type")


@dataclass(slots=True)
class Reply:
    """One response: status, extra headers and an already-encoded body."""

    status: int
    body: bytes = b""
    media_type: bytes | None = None
    headers: list[Header] = field(default_factory=list)

    def head(self, close: bool = False) -> list[Header]:
        """The response headers as ASGI wants them (Content-Length except on a 204)."""
        out = [(b"content-type", self.media_type)] if self.media_type else []
        if self.body or self.media_type:  # a body-less answer (the delete's) has no length
            out.append((b"content-length", str(len(self.body)).encode()))
        if close:
            out.append((b"connection", b"close"))
        return out + self.headers


class _BodyTooLarge(Exception):
    pass


class MockApp:
    """An ASGI app that serves the contract's operations from :class:`MockState`."""

    def __init__(
        self, state: MockState, faults: Iterable[str] = (), contract: Contract | None = None
    ):
        self.contract = contract or load_contract()
        self.state = state
        self.faults = check_faults(faults)
        self.hooks = hooks_of(self.faults)  # resolved once: a healthy mock pays nothing
        self.errors_key = self.contract.error_schema["required"][0]
        self._api_header = self.contract.api_key_header.lower().encode()
        self._app_header = self.contract.app_key_header.lower().encode()
        self._bearer = self.contract.bearer
        self._bearer_header = self._bearer.header.lower().encode()
        self._allow = ", ".join(self.contract.methods)
        # facts read on every request, derived once (the contract's properties recompute them)
        self._path = self.contract.account_path
        self._secret = self.contract.secret_field
        self._secret_path = self.contract.secret_path
        self._mask = self.contract.mask
        self._type = self.contract.account_type
        self._rate_headers = self.contract.rate_limit_headers
        self._status = self.contract.status
        self._create_method = self.contract.create.method
        self.url_settings = UrlSettingsHandler(self.contract, state)
        self._settings = self.contract.url_settings
        self._envelopes: dict[tuple[tuple[str, ...], frozenset[str]], bytes] = {}

    def set_faults(self, faults: Iterable[str]) -> None:
        """Switch the fault modes (their hooks follow)."""
        self.faults = check_faults(faults)
        self.hooks = hooks_of(self.faults)
        self._envelopes.clear()

    # -- ASGI entry point ---------------------------------------------------------------
    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan is off; websockets are not served
            return
        headers = dict(scope["headers"])
        close = False
        try:
            body = await self.read_body(headers, receive)
            if body is None:  # the client went away mid-body: nobody to answer
                return
            unanswered = self.hooks.leaves_unanswered
            if unanswered and any(h(self.contract, scope["method"], body) for h in unanswered):
                await asyncio.sleep(UNANSWERED_SECONDS)  # past any client's patience
                return
            raw_path = scope.get("raw_path") or scope["path"].encode()
            request = Request(
                scope["method"], scope["path"], headers, body, raw_path.decode("latin-1")
            )
            del body  # the request holds it alone (Request.take_body)
            reply = self.dispatch(request)
        except _BodyTooLarge:
            close = True  # do not read what is left of the body
            reply = self.error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Request body too large")
        except Exception:  # never die: the contract wants envelopes, not tracebacks
            close = True
            reply = self.error(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error")
        if access_log.isEnabledFor(logging.INFO):  # before sending: logged once answered
            client = scope.get("client") or ("-", 0)
            access_log.info(
                '%s "%s %s" %s',
                client[0],
                printable(scope["method"]),
                printable(scope.get("raw_path", b"").decode("latin-1")),
                reply.status,
            )
        await send(
            {"type": "http.response.start", "status": reply.status, "headers": reply.head(close)}
        )
        await send({"type": "http.response.body", "body": reply.body})

    async def read_body(
        self, headers: dict[bytes, bytes], receive: Receive
    ) -> bytes | bytearray | None:
        """The whole body, or None when the client went away (or was answered 408 by the HTTP
        layer); refuses one over the limit."""
        length = headers.get(b"content-length")  # the parser checked it is a number
        if (length is None and b"transfer-encoding" not in headers) or length == b"0":
            return b""  # no body: nothing to wait for
        if length is not None and int(length) > MAX_BODY_BYTES:
            raise _BodyTooLarge
        message = await receive()  # usually the whole body, already parsed with the head
        if message["type"] != "http.request":
            return None
        if not message.get("more_body"):
            return message["body"]
        # One growing buffer: a list of chunks joined at the end held the body twice. A
        # sender that stalls is answered 408 by the HTTP layer, and receive() says so.
        body = bytearray(message["body"])
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None
            if len(body) + len(message["body"]) > MAX_BODY_BYTES:  # chunked: no length
                raise _BodyTooLarge
            body += message["body"]
            if not message.get("more_body"):
                return body

    # -- responses ----------------------------------------------------------------------
    def json(self, status: int, body: Any, headers: list[Header] | None = None) -> Reply:
        media = _JSON
        if 200 <= status < 300:
            for hook in self.hooks.success_media_type:
                media = hook(self.contract, media)
        data = _ENCODER.encode(body).encode()
        return Reply(int(status), data, media, headers or [])

    def error(self, status: int, *messages: str, headers: list[Header] | None = None) -> Reply:
        """An error reply with the contract's envelope (or a fault's broken one)."""
        cache_key = (messages, self.faults)
        data = self._envelopes.get(cache_key)
        if data is None:
            key = self.errors_key
            hooks = self.hooks.error_body
            body = hooks[0](self.contract, key, messages) if hooks else {key: list(messages)}
            data = _ENCODER.encode(body).encode()
            if len(self._envelopes) < 256 and not self.hooks.quotes:
                self._envelopes[cache_key] = data  # the usual few messages, never a quoted key
        return Reply(int(status), data, _JSON, headers or [])

    def account_body(self, stored_key: str) -> Any:
        body = self.contract.account_body({self._secret: self._mask}, self._type)
        for hook in self.hooks.account_body:
            body = hook(self.contract, body, stored_key)
        return body

    def say(self, secret: str | None, message: str) -> str:
        """An error message to a body that carried ``secret`` (a fault may quote it)."""
        if secret:
            for hook in self.hooks.quotes:
                message = hook(self.contract, secret, message)
        return message

    # -- request handling ---------------------------------------------------------------
    def dispatch(self, request: Request) -> Reply:
        settings = self._settings.covers(request.raw_path or request.path)
        if settings:
            request.path = request.raw_path or request.path  # ids: decoded once, from here
            operation = self.url_settings.operation(request.method, request.path)
            allow = self.url_settings.allowed(request.path)
        elif request.path.rstrip("/") != self._path:
            return self.error(self._status.not_found, f"Not Found: {request.path[:200]}")
        else:
            operation = self.contract.operations.get(request.method.upper())
            allow = self._allow
        if operation is None:
            return self.error(
                HTTPStatus.METHOD_NOT_ALLOWED,
                f"Method {request.method[:20]} not allowed; allowed: {allow}",
                headers=[(b"allow", allow.encode())],
            )
        found = self.authenticate(request, operation)
        if found is None:
            if self.hooks.refuses_keys_with:
                status = self.hooks.refuses_keys_with[0](self.contract)
                return self.error(status, status.phrase)
            return self.error(self._status.forbidden, "Forbidden")
        org, permissions = found
        decision = self.state.consume(org)
        headers = _encoded(self.rate_headers(decision))
        if decision is not None and not decision.allowed:
            for hook in self.hooks.rate_limited_headers:
                headers = hook(self.contract, headers)
            return self.error(self._status.rate_limited, "Too many requests", headers=headers)
        if not operation.permitted(permissions) and not any(
            h(self.contract, operation) for h in self.hooks.waives_permission
        ):
            return self.error(
                self._status.forbidden,
                f"Forbidden: the {operation.permission} permission is required",
                headers=headers,  # the request was counted: say so, like every other answer
            )
        if settings:
            reply = self.handle_url_setting(operation, request, org)
        else:
            reply = self.handle(operation, request, org)
        reply.headers.extend(headers)
        return reply

    def handle_url_setting(
        self, operation: Operation, request: Request, org: Organisation
    ) -> Reply:
        """A URL settings request: its body judged against the operation's schema, then
        answered from the organisation's settings (mock/url_settings.py)."""
        data, hooks = None, self.hooks
        if operation.request_schema is not None:
            data, problem = parse_json_body(request.take_body(), request.content_type)
            if problem is None:
                problem = validate_body(data, operation.request_schema)
            if problem is not None:
                if any(h(self.contract, operation, data) for h in hooks.stores_refused_url_setting):
                    self.url_settings.handle(operation, request.path, data, org)
                return self.error(self._status.invalid, str(problem))
            for answers in hooks.answers_url_setting:
                status = answers(self.contract, operation, data)
                if status is not None:
                    return self.error(status, status.phrase)
        skips = hooks.skips_url_setting_step
        answer = self.url_settings.handle(operation, request.path, data, org, skips)
        if answer.message is not None:
            return self.error(answer.status, answer.message)
        if answer.body is None:
            return Reply(answer.status)  # the delete's 204: no body, no media type
        return self.json(answer.status, answer.body)

    def authenticate(
        self, request: Request, operation: Operation
    ) -> tuple[Organisation, frozenset[str]] | None:
        api, app = request.header(self._api_header), request.header(self._app_header)
        if api is None and app is None and self._bearer_header in request.headers:
            # no key at all: the OAuth2 scheme's bearer token, in place of the two keys
            found = self.state.find_token(
                self._bearer.token_of(request.header(self._bearer_header))
            )
        else:
            found = self.state.find(api, app)
        if found is None and any(h(self.contract, operation) for h in self.hooks.lets_in):
            org = self.state.default
            return org, next(iter(org.app_keys.values()))
        return found

    def rate_headers(self, decision: RateDecision | None) -> dict[str, str]:
        """The rate-limit headers of an answer, by name (none when limiting is off)."""
        if decision is None:
            return {}
        return {
            name: decision.values[name.rsplit("-", 1)[-1].lower()] for name in self._rate_headers
        }

    def handle(self, operation: Operation, request: Request, org: Organisation) -> Reply:
        if operation.request_schema is not None:
            content_type = request.content_type
            data, problem = parse_json_body(request.take_body(), content_type)
            hooks = self.hooks
            if hooks.crashes_on and any(h(self.contract, data, problem) for h in hooks.crashes_on):
                return self.error(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error")
            if problem is None:
                problem = validate_body(data, operation.request_schema)
            if problem is None and operation.method == self._create_method:
                schema = operation.request_schema
                for refuses in hooks.refuses_create:
                    problem = problem or refuses(self.contract, content_type, data, schema)
            return self.with_body(operation, data, problem, org)
        if operation.method == "GET":
            with self.state.lock:
                stored = org.account_key
            if stored is None:
                return self.error(self._status.not_found, "Statuspage account not found")
            return self.json(operation.success.status, self.account_body(stored))
        with self.state.lock:  # DELETE
            if org.account_key is None:
                return self.error(self._status.not_found, "Statuspage account not found")
            keeps = self.hooks.keeps_deleted
            if not (keeps and any(h(self.contract) for h in keeps)):
                org.account_key = None
        return Reply(operation.success.status)  # 204: no body, no media type

    def with_body(
        self, operation: Operation, data: Any, problem: BodyProblem | None, org: Organisation
    ) -> Reply:
        secret = value_at(data, self._secret_path, None)
        secret = secret if isinstance(secret, str) else None
        hooks = self.hooks
        creates = operation.method == self._create_method
        if problem is not None and not any(
            h(self.contract, operation.method, problem, data) for h in hooks.accepts
        ):
            if creates and secret and hooks.after_refused_create:
                with self.state.lock:
                    for hook in hooks.after_refused_create:
                        hook(self.contract, org, secret)
            return self.error(self._status.invalid, self.say(secret, str(problem)))
        if creates:
            for answers in hooks.answers_create:
                answer = answers(self.contract, secret)
                if answer is not None:
                    return self.error(*answer)
            with self.state.lock:
                if org.account_key is not None and not (
                    hooks.replaces_account and any(h(self.contract) for h in hooks.replaces_account)
                ):
                    message = "A Statuspage account already exists for this organization"
                    return self.error(self._status.conflict, self.say(secret, message))
                org.account_key = secret if secret is not None else ""
                stored = org.account_key
            return self.json(operation.success.status, self.account_body(stored))
        with self.state.lock:  # PATCH
            if org.account_key is None:
                return self.error(self._status.not_found, "Statuspage account not found")
            if secret is not None:
                org.account_key = secret
            stored = org.account_key
        return self.json(operation.success.status, self.account_body(stored))


def _encoded(headers: dict[str, str]) -> list[Header]:
    """Header fields as ASGI wants them: bytes, latin-1 where possible (as clients decode)."""
    out = []
    for name, value in headers.items():
        try:
            raw = value.encode("latin-1")
        except UnicodeEncodeError:
            raw = value.encode()
        out.append((name.encode("latin-1"), raw))
    return out
