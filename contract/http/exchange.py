"""One observed request/response pair, and its secret-free reproduction."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from ..redact import REDACTED, SECRETS, SUBSTRING_MIN, redact
from ..spec import loads_json

#: Response bodies longer than this are cut in reports and messages.
BODY_PREVIEW = 2000
#: Request bodies longer than this are left out of reproductions (their size is said).
CURL_BODY_MAX = 1024 * 1024
#: Longer bodies are passed to curl through bash's printf (Linux refuses a program an
#: argument over 128 KiB).
CURL_ARGUMENT_MAX = 64 * 1024
#: Request headers a reproduction leaves out: curl sets them itself (Host from the URL: a
#: proxy's request carries the proxy's own), or they only describe one connection.
CURL_SKIPPED_HEADERS = frozenset(
    {
        "content-length",
        "user-agent",
        "accept-encoding",
        "connection",
        "host",
        "keep-alive",
        "transfer-encoding",
        "te",
        "upgrade",
        "proxy-connection",
    }
)


class RuleOutcome(Protocol):
    """What the judge (statuspage_contract.judging.Verdict) says of this exchange, as
    transport reads it: one rule, whether it held, what broke it."""

    @property
    def rule(self) -> str: ...
    @property
    def passed(self) -> bool: ...
    @property
    def message(self) -> str: ...


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
    #: Every rule's verdict on it, set by the judge (statuspage_contract.judging).
    verdicts: list[RuleOutcome] = field(default_factory=list)
    raw: Any = field(default=None, repr=False)  # the underlying requests.Response, if any
    #: The client's own (api key, application key): shown as ${DD_API_KEY} / ${DD_APP_KEY}
    #: in reproductions, wherever they occur in the request.
    own_keys: tuple[str | None, str | None] = field(default=(None, None), repr=False)
    #: The client's own OAuth2 bearer token: shown as ${DD_BEARER_TOKEN} in reproductions.
    own_token: str | None = field(default=None, repr=False)
    #: Other secrets of the request shown as shell variables in reproductions (value ->
    #: variable name), e.g. the api_key a proxy's client submitted. Any other registered
    #: secret is redacted; values the run generated (not registered) are shown as they are.
    secret_refs: dict[str, str] | None = field(default=None, repr=False)

    def __repr__(self) -> str:  # short, and never shows headers (they carry the keys)
        return f"<Exchange {self.method} {self.url} -> {self.status}>"

    @property
    def violations(self) -> list[RuleOutcome]:
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

    def curl(self, base: tuple[str, str] | None = None) -> str:
        """A copy-paste bash reproduction: the user's keys as ``"${DD_API_KEY}"`` and
        ``"${DD_APP_KEY}"``, a bearer token as ``"${DD_BEARER_TOKEN}"`` (double-quoted, so the
        shell expands them) wherever they occur,
        other registered secrets redacted, everything else (the run's own test data) as sent.
        ``base``: (the base URL reached, a shell expression to use instead), e.g. the embedded
        mock's URL and ``${SITE:-http://127.0.0.1:8899}``."""
        refs = self._refs()
        long_refs = {k: v for k, v in refs.items() if len(k) >= SUBSTRING_MIN}
        url = self.url
        if base is not None and base[0] and url.startswith(base[0]):
            url_word = f'"{base[1]}"' + _shell_word(url[len(base[0]) :], long_refs)
        else:
            url_word = _shell_word(url, long_refs)
        parts = ["curl", "-X", self.method, url_word]
        for name, value in self.request_headers.items():
            if name.lower() in CURL_SKIPPED_HEADERS:
                continue
            scheme, _, word = value.rpartition(" ")
            if value in refs:  # the whole value is a user's key (short ones only so)
                parts += ["-H", f'"{name}: ${{{refs[value]}}}"']
            elif word in refs and scheme.isalnum():  # an auth scheme's word, then the token
                parts += ["-H", f'"{name}: {scheme} ${{{refs[word]}}}"']
            else:
                parts += ["-H", _shell_word(f"{name}: {value}", long_refs)]
        if self.request_body is not None:
            if len(self.request_body) > CURL_BODY_MAX:
                size = len(self.request_body)
                parts += ["--data-raw", shlex.quote(f"(a body of {size} bytes, not kept)")]
            else:
                body = _shell_word(self.request_body.decode("utf-8", "replace"), long_refs)
                if len(body) <= CURL_ARGUMENT_MAX:
                    parts += ["--data-raw", body]
                else:  # longer than one argument of a program may be: printf is bash's own
                    parts += ["--data-binary", f"@<(printf %s {body})"]
        return " ".join(parts)

    def _refs(self) -> dict[str, str]:
        """The secrets of this request shown as shell variables: value -> variable name."""
        refs = dict(self.secret_refs or {})
        if self.own_token:
            refs[self.own_token] = "DD_BEARER_TOKEN"
        api, app = self.own_keys
        if app:
            refs[app] = "DD_APP_KEY"
        if api:
            refs[api] = "DD_API_KEY"
        return refs

    def summary(self) -> dict[str, Any]:
        """A redacted, JSON-ready view of the response for reports (the body cut, its size
        said)."""
        return {
            "status": self.status,
            "headers": {k: redact(v) for k, v in self.response_headers.items()},
            "body": self.body_preview(BODY_PREVIEW),
        }

    def describe(self) -> str:
        body = self.body_preview(300)
        return f"{self.operation or self.method + ' ' + self.url} -> {self.status} {body}"

    def body_preview(self, limit: int) -> str:
        """The body, redacted, cut to ``limit`` characters with its size said when cut. Only
        its start is decoded and redacted: ``limit`` characters and more than the longest
        spelling of any secret (so no secret is cut in two), whatever the body's size."""
        window = limit + SECRETS.longest + 1
        raw = self.response_body[: window * 4]  # at most 4 bytes a character in UTF-8
        text = raw.decode("utf-8", "replace")[:window]
        whole = len(raw) == len(self.response_body) and len(text) <= limit
        text = redact(text)
        if whole and len(text) <= limit:
            return text
        return f"{text[:limit]}… ({len(self.response_body):,} bytes in all)"


def _shell_word(text: str, refs: dict[str, str]) -> str:
    """``text`` as one shell word: each value of ``refs`` as ``"${NAME}"``, the rest with
    every registered secret redacted, single-quoted."""
    if not text:
        return "''"
    pieces: list[str] = []
    at = 0
    if refs:
        ordered = sorted(refs, key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(v) for v in ordered))
        for match in pattern.finditer(text):
            if match.start() > at:
                pieces.append(shlex.quote(redact(text[at : match.start()])))
            pieces.append(f'"${{{refs[match.group()]}}}"')
            at = match.end()
    if at < len(text):
        pieces.append(shlex.quote(redact(text[at:])))
    return "".join(pieces)


__all__ = ["REDACTED", "Exchange", "RuleOutcome"]
