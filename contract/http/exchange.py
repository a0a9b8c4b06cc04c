"""One observed request/response pair, and its secret-free reproduction."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from contract.redact import REDACTED, redact
from contract.spec import loads_json

#: Response bodies longer than this are cut in reports and messages.
BODY_PREVIEW = 2000


@dataclass(frozen=True)
class Verdict:
    """One rule's judgement of one response."""

    rule: str
    passed: bool
    message: str = ""


@dataclass
class Exchange:
    """What was sent and what came back. ``submitted_key`` is the api_key sent, if any."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes | None
    status: int
    response_headers: dict[str, str]
    response_body: bytes
    operation: str | None = None  # "POST /api/v2/..." when the request matches the contract
    submitted_key: str | None = None
    elapsed: float = 0.0
    verdicts: list[Verdict] = field(default_factory=list)
    raw: Any = field(default=None, repr=False)  # the underlying requests.Response, if any
    #: The client's own (api key, application key): shown as ${DD_API_KEY} / ${DD_APP_KEY}
    #: in reproductions; any other key stays redacted, so it reproduces as an unknown key.
    own_keys: tuple[str | None, str | None] = field(default=(None, None), repr=False)

    def __repr__(self) -> str:  # short, and never shows headers (they carry the keys)
        return f"<Exchange {self.method} {self.url} -> {self.status}>"

    @property
    def violations(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.passed]

    @property
    def content_type(self) -> str:
        return self.header("Content-Type") or ""

    def header(self, name: str) -> str | None:
        lower = name.lower()
        for key, value in self.response_headers.items():
            if key.lower() == lower:
                return value
        return None

    @cached_property
    def text(self) -> str:
        return self.response_body.decode("utf-8", "replace")

    @cached_property
    def json(self) -> Any:
        """The parsed body; raises ValueError when it is not JSON in UTF-8 (RFC 8259)."""
        return loads_json(self.response_body)

    @property
    def is_json(self) -> bool:
        try:
            self.json  # noqa: B018
        except ValueError:
            return False
        return True

    def curl(self) -> str:
        """A copy-paste bash reproduction: the client's own keys as ``"${DD_API_KEY}"`` and
        ``"${DD_APP_KEY}"`` (double-quoted, so the shell expands them), other secrets redacted."""
        parts = ["curl", "-X", self.method, shlex.quote(self.url)]
        for name, value in self.request_headers.items():
            if name.lower() in {"content-length", "user-agent", "accept-encoding", "connection"}:
                continue
            variable = _own_key_variable(name, value, self.own_keys)
            if variable:
                parts += ["-H", f'"{name}: ${{{variable}}}"']
            else:
                parts += ["-H", shlex.quote(redact(f"{name}: {value}"))]
        if self.request_body is not None:
            body = self.request_body.decode("utf-8", "replace")
            parts += ["--data-raw", shlex.quote(redact(body))]
        return " ".join(parts)

    def summary(self) -> dict[str, Any]:
        """A redacted, JSON-ready view of the response for reports."""
        return {
            "status": self.status,
            "headers": {k: redact(v) for k, v in self.response_headers.items()},
            "body": _preview(redact(self.text), BODY_PREVIEW),
        }

    def describe(self) -> str:
        body = _preview(redact(self.text), 300)
        return f"{self.operation or self.method + ' ' + self.url} -> {self.status} {body}"


def _preview(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (cut after redaction, so no secret is split)."""
    return text[:limit] + ("…" if len(text) > limit else "")


def _own_key_variable(name: str, value: str, own_keys: tuple[str | None, str | None]) -> str | None:
    """The environment variable that holds this header's value, if it is the client's key."""
    from contract.spec import load_contract

    contract = load_contract()
    api, app = own_keys
    if name.lower() == contract.api_key_header.lower() and value and value == api:
        return "DD_API_KEY"
    if name.lower() == contract.app_key_header.lower() and value and value == app:
        return "DD_APP_KEY"
    return None


__all__ = ["REDACTED", "Exchange", "Verdict"]
