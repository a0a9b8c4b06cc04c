"""An independent, correct implementation of the account API, different from the mock in
every detail the contract leaves open: other error messages, another mask, extra response
fields, conflict checked before validation, no charset, its own key handling.

It exists to prove that the contract suite does not depend on the mock's private helpers or
message texts. Run: ``python tests/alt_server.py API_KEY APP_KEY`` (prints its base URL).
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from url_settings_site import UrlSettingsStore

PATH = "/api/v2/integration/statuspage/account"
TYPE = "statuspage-account"


#: The URL settings: tests/url_settings_site.py, another implementation than the mock's.
URL_SETTINGS = UrlSettingsStore()


class State:
    lock = threading.Lock()
    account: str | None = None


def make_handler(api_key: str, app_key: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *args: object) -> None:
            pass

        def reply(self, status: int, body: object | None = None) -> None:
            data = b"" if body is None else json.dumps(body, indent=1).encode()
            self.send_response(status)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def fail(self, status: int, *why: str) -> None:
            self.reply(status, {"errors": [f"E{status}: {w}" for w in why] or [str(status)]})

        def body(self) -> object:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            # media types are case-insensitive (RFC 9110, 8.3.1): the edges caught this
            if "json" not in (self.headers.get("Content-Type") or "").lower():
                raise ValueError("unsupported media type")
            return json.loads(raw.decode("utf-8"))

        def account(self) -> dict[str, object]:
            return {
                "data": {
                    "id": "acct",
                    "type": TYPE,
                    "attributes": {"api_key": "********", "created_by": "alt"},
                }
            }

        def handle_any(self) -> None:
            if URL_SETTINGS.covers(self.path):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if (
                    self.headers.get("DD-API-KEY") != api_key
                    or self.headers.get("DD-APPLICATION-KEY") != app_key
                ):
                    return self.fail(403, "denied")
                content_type = self.headers.get("Content-Type") or ""
                path = urlsplit(self.path).path
                status, body = URL_SETTINGS.answer(self.command, path, raw, content_type)
                return self.reply(status, body)
            if self.path != PATH:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                return self.fail(404, "no such resource")
            if (
                self.headers.get("DD-API-KEY") != api_key
                or self.headers.get("DD-APPLICATION-KEY") != app_key
            ):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                return self.fail(403, "denied")
            method = self.command
            with State.lock:
                if method == "GET":
                    return self.reply(200, self.account()) if State.account else self.fail(404)
                if method == "DELETE":
                    if not State.account:
                        return self.fail(404)
                    State.account = None
                    return self.reply(204)
                if method == "POST" and State.account:  # conflict before validation
                    self.rfile.read(int(self.headers.get("Content-Length") or 0))
                    return self.fail(409, "exists")
                try:
                    body = self.body()
                    data = body["data"]  # type: ignore[index]
                    attrs = data["attributes"]
                    if data["type"] != TYPE or not isinstance(attrs, dict):
                        raise ValueError("bad type")
                    key = attrs.get("api_key") if method == "PATCH" else attrs["api_key"]
                    if method == "PATCH" and "api_key" not in attrs:
                        key = State.account
                    if not isinstance(key, str) or not key:
                        raise ValueError("bad key")
                except (ValueError, KeyError, TypeError, RecursionError, UnicodeDecodeError):
                    return self.fail(400, "invalid")
                if method == "PATCH" and not State.account:
                    return self.fail(404)
                State.account = key
                return self.reply(201 if method == "POST" else 200, self.account())

        do_GET = do_POST = do_PATCH = do_DELETE = handle_any

        def do_PUT(self) -> None:
            self.fail(405, "nope")

    return Handler


def main() -> None:
    api_key, app_key = sys.argv[1], sys.argv[2]
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(api_key, app_key))
    print(f"http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
