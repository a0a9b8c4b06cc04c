"""The wire under :class:`statuspage_contract.http.client.ContractClient`: a request prepared as
requests prepares it, a transport failure named without secrets, a rate-limit header read,
the keys' auth headers."""

from __future__ import annotations

import functools
import sys
from urllib.parse import urlsplit

import requests

from ..spec import load_contract
from .exchange import Exchange


def address(url: str) -> str:
    """Where ``url`` leads, host and port (no credentials), for a transport failure's words."""
    host, port = urlsplit(url).hostname or "the site", urlsplit(url).port
    return f"{host}:{port}" if port else host


def failure_kind(exc: requests.RequestException) -> str:
    """A short, secret-free name for a transport failure."""
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed (SSLError; a plain-HTTP site, such as the mock, needs http://)"
    if isinstance(exc, requests.Timeout):
        return f"no answer in time ({type(exc).__name__})"
    if isinstance(exc, requests.ConnectionError):
        text = str(exc)
        if "reset" in text.lower() or "aborted" in text.lower():
            return "the connection was reset (ConnectionError)"
        if "refused" in text.lower():
            return "connection refused (ConnectionError)"
    return type(exc).__name__


def key_headers(api: str | None, app: str | None) -> dict[str, str]:
    """The two keys' auth headers, a key that is None left out."""
    contract = load_contract()
    headers = {}
    if api is not None:
        headers[contract.api_key_header] = api
    if app is not None:
        headers[contract.app_key_header] = app
    return headers


def to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@functools.lru_cache(maxsize=64)
def _prepared_url(url: str) -> str:
    """``url`` as requests prepares it (a client sends to one URL, or a few)."""
    prepared = requests.PreparedRequest()
    prepared.prepare_url(url, None)
    return str(prepared.url)


def prepare(
    session: requests.Session, method: str, url: str, headers: dict[str, str], body: bytes | None
) -> requests.PreparedRequest:
    """The request as Session.request prepares it (the session's headers and cookies under
    the call's own headers), without its per-call merging of settings: a quarter of the
    client's time per request on the mock."""
    prepared = requests.PreparedRequest()
    # PreparedRequest.prepare, step by step, with the URL's preparation (parsing, IDNA,
    # re-quoting: a tenth of the client's time per request) done once per URL.
    prepared.prepare_method(method)
    prepared.url = _prepared_url(url)
    prepared.prepare_headers({**session.headers, **headers})
    prepared.prepare_cookies(session.cookies)
    prepared.prepare_body(body, None)
    prepared.prepare_auth(None, url)
    prepared.prepare_hooks(session.hooks)
    return prepared


def rate_header(exchange: Exchange, suffix: str) -> int | None:
    """The rate-limit header whose name ends with ``suffix`` (remaining, reset), as a number."""
    for name in load_contract().rate_limit_headers:
        if name.lower().endswith(suffix):
            try:
                return int((exchange.header(name) or "").strip())
            except ValueError:
                return None
    return None
