"""A correct implementation of the URL settings for the test sites reached by URL
(tests/alt_server.py, tests/hostile_site.py), independent of the mock's: other ids and
messages, an unknown id looked for before a mismatched body id, no state shared with the
account. Bodies are judged by the contract's schemas.
"""

from __future__ import annotations

import itertools
import json
import threading
from typing import Any
from urllib.parse import unquote

from statuspage_contract.spec import load_contract
from statuspage_contract.spec.validators import schema_errors

COLLECTION = "/api/v2/integration/statuspage/url_settings"
TYPE = "statuspage-url-setting"


class UrlSettingsStore:
    """One organisation's URL settings, answered as (status, JSON body or None)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)

    @staticmethod
    def covers(path: str) -> bool:
        return path.rstrip("/") == COLLECTION or path.startswith(COLLECTION + "/")

    def answer(self, method: str, path: str, raw: bytes, content_type: str) -> tuple[int, Any]:
        """``path`` as sent (percent-encoded)."""
        rest = path.rstrip("/")[len(COLLECTION) :]
        item = unquote(rest[1:]) if rest.startswith("/") else None
        if item is not None and "/" in rest[1:]:
            return _error(404, "no such path")
        allowed = {"GET", "POST"} if item is None else {"PATCH", "DELETE"}
        if method not in allowed:
            return _error(405, "method not allowed here")
        body: Any = None
        if method in {"POST", "PATCH"}:
            try:
                if "json" not in content_type.lower():
                    raise ValueError("not json")
                body = json.loads(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError, RecursionError):
                return _error(400, "the body is not JSON")
            u = load_contract().url_settings
            schema = (u.create if method == "POST" else u.update).request_schema or {}
            try:
                if schema_errors(body, schema):
                    return _error(400, "the body breaks the schema")
            except RecursionError:
                return _error(400, "the body is nested too deeply")
        with self.lock:
            return self._stateful(method, item, body)

    def _stateful(self, method: str, item: str | None, body: Any) -> tuple[int, Any]:
        if method == "GET":
            return 200, {"data": [_data(i, a) for i, a in self.items.items()]}
        if method == "POST":
            attributes = body["data"]["attributes"]
            if self._taken(attributes["url"]):
                return _error(409, "url already configured")
            new = f"us-{next(self._ids)}"
            self.items[new] = {k: attributes[k] for k in ("url", "custom_tags")}
            return 201, {"data": _data(new, self.items[new])}
        assert item is not None
        if item not in self.items:  # before the body's id: the model allows either answer
            return _error(404, "unknown setting")
        if method == "DELETE":
            del self.items[item]
            return 204, None
        if body["data"]["id"] != item:
            return _error(409, "id mismatch")
        changes = {
            k: v for k, v in body["data"]["attributes"].items() if k in ("url", "custom_tags")
        }
        if "url" in changes and self._taken(changes["url"], but=item):
            return _error(409, "url used by another setting")
        self.items[item].update(changes)
        return 200, {"data": _data(item, self.items[item])}

    def _taken(self, url: str, but: str | None = None) -> bool:
        return any(a["url"] == url for i, a in self.items.items() if i != but)


def _data(setting_id: str, attributes: dict[str, Any]) -> dict[str, Any]:
    return {"type": TYPE, "id": setting_id, "attributes": dict(attributes)}


def _error(status: int, why: str) -> tuple[int, Any]:
    return status, {"errors": [f"url settings: {why}"]}
