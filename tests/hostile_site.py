"""A recording loopback site that imitates a live Datadog site, with switchable hostility.

It answers the account API as a correct site would (its own implementation, independent of
the mock), or leniently (accepting whatever a careless site might turn into an account), and
it can fail on the first or the Nth request: a 5xx, a 429 storm, a 401, a timeout, a reset
connection, a 200 with a body the contract does not accept, or slow answers. Every request
is logged with the effect it had on the account, so a test can say exactly what a run did.

Served by the standard library's threaded HTTP server on 127.0.0.1 (only loopback; used by the
tests only), with HTTP/1.1 keep-alive: a run's client keeps one connection, as with a real
site. (Werkzeug's development server, used before, closes every connection: each request cost
a new connection and thread, three times what the mock costs.)
"""

from __future__ import annotations

import json
import secrets
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from url_settings_site import UrlSettingsStore

PATH = "/api/v2/integration/statuspage/account"
TYPE = "statuspage-account"
#: The URL settings (a correct site keeps them apart from the account; a lenient one too).
SETTINGS_PATH = "/api/v2/integration/statuspage/url_settings"
SETTING_TYPE = "statuspage-url-setting"
SETTING_EFFECTS = {
    "POST": "setting created",
    "PATCH": "setting updated",
    "DELETE": "setting deleted",
}
MASK = "****"

#: The ways a request can fail; the status codes are sent as they are.
FAILURES = ("500", "503", "429", "401", "timeout", "reset", "bad-200")


@dataclass
class Behaviour:
    """How the site behaves; switch it per test."""

    exists: bool = False  # an account exists when the site starts
    lenient: bool = False  # accepts every write a careless site could turn into an account
    fail: str | None = None  # one of FAILURES
    fail_at: int = 1  # the first request (1-based) that fails
    fail_times: int | None = 1  # how many requests fail from fail_at on (None: all)
    delay: float = 0.0  # seconds before every answer
    stall: float = 5.0  # how long a "timeout" answer takes
    remaining: int | None = None  # X-RateLimit-Remaining (and Reset: 2) on every answer
    settings: tuple[str, ...] = ()  # the ids of the URL settings there when the site starts


@dataclass
class Logged:
    """One request and what it did to the account."""

    n: int
    method: str
    path: str
    body: bytes
    real_keys: bool
    status: int | str  # the status sent, or "timeout" / "reset"
    effect: str | None  # "created", "updated", "deleted" (the account or, with "setting ",
    # a URL setting), or None
    on_original: bool  # whether the effect touched the account there at the start


#: How often the server looks whether it should stop: ``shutdown`` waits up to this long (the
#: standard library's 0.5 s made each test that stops a site idle half a second).
STOP_POLL = 0.01


@dataclass
class HostileSite:
    behaviour: Behaviour = field(default_factory=Behaviour)
    api_key: str = field(default_factory=lambda: secrets.token_hex(16))
    app_key: str = field(default_factory=lambda: secrets.token_hex(20))

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.url_settings = UrlSettingsStore()
        self.log: list[Logged] = []
        self.account: dict[str, Any] | None = None
        self.original: dict[str, Any] | None = None
        if self.behaviour.exists:
            self.account = self.original = {"key": "pre-existing", "id": "original"}
        for setting_id in self.behaviour.settings:  # the URL settings there at the start
            url = f"https://{setting_id}.statuspage.io"
            self.url_settings.items[setting_id] = {"url": url, "custom_tags": "team:x"}
        self.original_settings = dict(self.settings)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.site = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- control --------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> HostileSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def env(self) -> dict[str, str]:
        return {"DD_API_KEY": self.api_key, "DD_APP_KEY": self.app_key}

    @property
    def original_intact(self) -> bool:
        return self.original is not None and self.account is self.original

    def effects(self) -> list[Logged]:
        return [entry for entry in self.log if entry.effect]

    # -- the site -------------------------------------------------------------------------
    def _serve(self, handler: _Handler, request: _Request) -> None:
        body = request.body
        b = self.behaviour
        with self.lock:
            n = len(self.log) + 1
            failing = b.fail is not None and n >= b.fail_at
            if failing and b.fail_times is not None:
                failing = n < b.fail_at + b.fail_times
            real = (
                request.headers.get("DD-API-KEY") == self.api_key
                and request.headers.get("DD-APPLICATION-KEY") == self.app_key
            )
            entry = Logged(n, request.method, request.path, body, real, 0, None, False)
            self.log.append(entry)
            if failing and b.fail in ("500", "503", "429", "401", "bad-200"):
                response = self._failure(str(b.fail))
            else:  # a timeout or a reset loses the answer after the site acted on the request
                response = self._answer(request, body, real, entry)
        if b.delay:
            time.sleep(b.delay)
        if failing and b.fail in ("timeout", "reset"):
            entry.status = str(b.fail)
            handler.close_connection = True
            if b.fail == "timeout":
                time.sleep(b.stall)
                handler.send(_Response(500, reason="LOST"))  # the client is gone by now
            else:
                _reset(handler.connection)
            return
        entry.status = response.status
        if b.remaining is not None and response.status != 429:
            response.headers["X-RateLimit-Remaining"] = str(b.remaining)
            response.headers["X-RateLimit-Reset"] = "2"
        handler.send(response)

    def _failure(self, kind: str) -> _Response:
        if kind == "bad-200":
            return _json(200, {"data": {"type": "not-an-account", "attributes": []}})
        status = int(kind)
        response = _json(status, {"errors": [f"injected {status}"]})
        if status == 429:
            for name, value in (("Limit", "1"), ("Period", "10"), ("Remaining", "0")):
                response.headers[f"X-RateLimit-{name}"] = value
            response.headers["X-RateLimit-Reset"] = "0"
            response.headers["X-RateLimit-Name"] = "statuspage"
        return response

    def _answer(self, request: _Request, body: bytes, real: bool, entry: Logged) -> _Response:
        method = request.method
        lenient = self.behaviour.lenient
        if self.url_settings.covers(request.path):  # a correct store: tests/url_settings_site.py
            if not real and not lenient:
                return _json(403, {"errors": ["Forbidden"]})
            return self._setting(request, body, entry)
        if request.path != PATH:
            return _json(404, {"errors": ["no such path"]})
        if not real and not lenient:
            return _json(403, {"errors": ["Forbidden"]})
        if method == "GET":
            return self._account(200) if self.account else _json(404, {"errors": ["Not found"]})
        if method == "DELETE":
            if not self.account:
                return _json(404, {"errors": ["Not found"]})
            self._effect(entry, "deleted", None)
            return _Response(204, headers={"Content-Type": "text/plain; charset=utf-8"})
        if method not in ("POST", "PATCH"):
            return _json(405, {"errors": ["Method not allowed"]})
        key = _submitted_key(body, json_only=not lenient, content_type=request.mimetype)
        if method == "POST" and self.account and not lenient:
            return _json(409, {"errors": ["Conflict"]})
        update = method == "PATCH" and _is_update(body, request.mimetype)
        if key is None and not (update and not lenient):
            return _json(400, {"errors": ["Bad request"]})
        if method == "PATCH" and not self.account and not lenient:
            return _json(404, {"errors": ["Not found"]})
        effect = "updated" if self.account else "created"
        self._effect(entry, effect, {"key": key or "kept", "id": f"by-request-{entry.n}"})
        return self._account(201 if method == "POST" else 200)

    def _effect(self, entry: Logged, effect: str, account: dict[str, Any] | None) -> None:
        entry.effect = effect
        entry.on_original = self.account is not None and self.account is self.original
        self.account = account

    def _account(self, status: int) -> _Response:
        return _json(status, {"data": {"type": TYPE, "attributes": {"api_key": MASK}}})

    @property
    def settings(self) -> dict[str, str]:
        """The URL settings now: id -> url."""
        with self.url_settings.lock:
            return {i: a["url"] for i, a in self.url_settings.items.items()}

    def _setting(self, request: _Request, body: bytes, entry: Logged) -> _Response:
        """The URL settings as a correct site keeps them (tests/url_settings_site.py), but a
        lenient site makes one of any create; each effect is logged."""
        method, store = request.method, self.url_settings
        item = request.path.rstrip("/")[len(SETTINGS_PATH) + 1 :] or None
        if self.behaviour.lenient and method == "POST" and item is None:
            url = _setting_url(body) or "https://lenient.statuspage.io"
            with store.lock:
                made = f"setting-{entry.n}"
                store.items[made] = {"url": url, "custom_tags": "team:x"}
            entry.effect = "setting created"
            return _json(201, {"data": _setting_data(made, url)})
        status, answer = store.answer(method, request.raw_path, body, request.mimetype)
        if 200 <= status < 300 and method in SETTING_EFFECTS:
            entry.effect = SETTING_EFFECTS[method]
        entry.on_original = item is not None and item in self.original_settings
        return _Response(status) if answer is None else _json(status, answer)


def _setting_data(setting_id: str, url: str) -> dict[str, Any]:
    attributes = {"url": url, "custom_tags": "team:x"}
    return {"type": SETTING_TYPE, "id": setting_id, "attributes": attributes}


def _setting_url(body: bytes) -> str | None:
    try:
        url = json.loads(body)["data"]["attributes"]["url"]
    except (ValueError, KeyError, TypeError, RecursionError, UnicodeDecodeError):
        return None
    return url if isinstance(url, str) and url else None


def _json(status: int, body: Any) -> _Response:
    return _Response(status, json.dumps(body).encode(), {"Content-Type": "application/json"})


def _submitted_key(body: bytes, *, json_only: bool, content_type: str) -> str | None:
    """The api_key of a create/update body; a lenient site ignores the Content-Type and the
    rest of the schema, a correct one insists on both."""
    if json_only and content_type != "application/json":
        return None
    try:
        data = json.loads(body)
        if json_only and data["data"]["type"] != TYPE:
            return None
        key = data["data"]["attributes"]["api_key"]
    except (ValueError, KeyError, TypeError, RecursionError, UnicodeDecodeError):
        return None
    return key if isinstance(key, str) and key else None


def _is_update(body: bytes, content_type: str) -> bool:
    """A valid update without a new key (the key is optional on update)."""
    if content_type != "application/json":
        return False
    try:
        data = json.loads(body)["data"]
        attributes = data["attributes"]
        return data["type"] == TYPE and isinstance(attributes, dict) and "api_key" not in attributes
    except (ValueError, KeyError, TypeError, RecursionError, UnicodeDecodeError):
        return False


def _reset(sock: socket.socket) -> None:
    """Drop the connection, the answer unsent (SO_LINGER 0: the close is a TCP reset)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.shutdown(socket.SHUT_RDWR)


# -- HTTP -------------------------------------------------------------------------------------
@dataclass
class _Request:
    method: str
    path: str  # decoded, without the query
    headers: Message
    body: bytes
    raw_path: str = ""  # as sent (a URL setting's id is decoded once, from here)

    @property
    def mimetype(self) -> str:
        """The Content-Type without its parameters, lower-case (as Werkzeug's ``mimetype``)."""
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()


@dataclass
class _Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    reason: str | None = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: HostileSite

    def serve_forever(self, poll_interval: float = STOP_POLL) -> None:
        super().serve_forever(poll_interval)


class _Handler(BaseHTTPRequestHandler):
    """Every method goes to the site; the connection stays open between requests."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once, as one answer
    server: _Server

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # any method, as a real site sees it
            return self._handle
        raise AttributeError(name)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        path = unquote(urlsplit(self.path).path)
        raw_path = urlsplit(self.path).path
        request = _Request(self.command, path, self.headers, body, raw_path)
        self.server.site._serve(self, request)

    def send(self, response: _Response) -> None:
        try:
            self.send_response(response.status, response.reason)
            for name, value in response.headers.items():
                self.send_header(name, value)
            if response.status != 204:
                self.send_header("Content-Length", str(len(response.body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if response.body:
                self.wfile.write(response.body)
        except OSError:  # the client went away (a timed-out request)
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # no access log
        pass
