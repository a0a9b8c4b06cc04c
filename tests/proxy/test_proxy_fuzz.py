"""Fuzzed traffic through the proxy to the toolkit's own correct mock never yields a violation:
whatever a client sends (odd methods, paths, keys, media types, bodies in UTF-16, with a byte
order mark, not UTF-8, NaN, oversize heads and targets, junk after a request), every client is
answered, the site is never blamed, and no rule is broken."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from statuspage_contract import ContractProxy
from statuspage_contract.spec import JSON_MEDIA_TYPE, load_contract

CONTRACT = load_contract()
PATH = CONTRACT.account_path
VALID = CONTRACT.request_example()

METHODS = st.sampled_from([*CONTRACT.methods, "PUT", "HEAD", "OPTIONS", "get", "BREW"])
PATHS = st.sampled_from(
    [PATH, PATH, PATH + "/", PATH + "?a=%zz", PATH + "%2F", "/", "/api/v2/other", "/" + "a" * 9000]
)
KEYS = st.sampled_from(["good", "good", "none", "api-only", "wrong"])
CONTENT_TYPES = st.sampled_from(
    [
        JSON_MEDIA_TYPE,
        JSON_MEDIA_TYPE + "; charset=utf-8",
        JSON_MEDIA_TYPE + "; charset=utf-16",
        "application/vnd.api+json",
        "text/plain",
        None,
    ]
)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)


@st.composite
def bodies(draw: st.DrawFn) -> bytes | None:
    """A valid create body, or one broken in a way a lax judge would not see."""
    secret = draw(st.sampled_from(["k", "00000000-0000-0000-0000-000000000000", "é\u2028", ""]))
    valid = CONTRACT.with_secret(VALID, secret)
    kind = draw(st.sampled_from(["none", "valid", "encoded", "nan", "not-utf8", "junk", "json"]))
    if kind == "none":
        return None
    if kind == "valid":
        return json.dumps(valid).encode()
    if kind == "encoded":  # JSON, but not in the contract's encoding (RFC 8259: UTF-8)
        return json.dumps(valid).encode(draw(ENCODINGS))
    if kind == "nan":  # Python's json reads NaN; JSON has no such value
        return json.dumps({**valid, "x": float("nan")}).encode()
    if kind == "not-utf8":
        return json.dumps(CONTRACT.with_secret(VALID, "\udcff"), ensure_ascii=False).encode(
            "utf-8", "surrogateescape"
        )
    if kind == "junk":
        return draw(st.binary(max_size=40))
    return json.dumps(draw(JSON_VALUES)).encode()


@pytest.fixture(scope="module")
def fuzzed_proxy() -> Iterator[ContractProxy]:
    with ContractProxy(site="mock") as proxy:
        yield proxy


def _send(proxy: ContractProxy, data: bytes) -> bytes:
    port = int(proxy.base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _request(
    proxy: ContractProxy,
    method: str,
    path: str,
    keys: str,
    content_type: str | None,
    body: bytes | None,
    framing: str,
    extra_headers: int,
) -> bytes:
    mock = proxy.mock
    assert mock is not None
    headers: dict[str, Any] = {"Host": "x", "Connection": "close"}
    if keys != "none":
        headers[CONTRACT.api_key_header] = "wrong" if keys == "wrong" else mock.api_key
    if keys in {"good", "wrong"}:
        headers[CONTRACT.app_key_header] = mock.app_key
    if content_type is not None:
        headers["Content-Type"] = content_type
    payload = body or b""
    if body is not None and framing == "length":
        headers["Content-Length"] = len(payload)
    elif body is not None and framing == "chunked":
        headers["Transfer-Encoding"] = "chunked"
        payload = (b"%x\r\n%s\r\n" % (len(payload), payload) if payload else b"") + b"0\r\n\r\n"
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head += "".join(f"X-Extra-{i}: {i}\r\n" for i in range(extra_headers))
    return head.encode() + b"\r\n" + payload


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    method=METHODS,
    path=PATHS,
    keys=KEYS,
    content_type=CONTENT_TYPES,
    body=bodies(),
    framing=st.sampled_from(["length", "length", "chunked", "none"]),
    extra_headers=st.sampled_from([0, 0, 3, 120]),
)
@example(  # a valid body in UTF-16: the mock's 400 is right, not a valid-body-accepted failure
    method="POST",
    path=PATH,
    keys="good",
    content_type=JSON_MEDIA_TYPE,
    body=json.dumps(VALID).encode("utf-16"),
    framing="length",
    extra_headers=0,
)
@example(  # a UTF-8 byte order mark: not JSON by RFC 8259, refused by the mock
    method="POST",
    path=PATH,
    keys="good",
    content_type=JSON_MEDIA_TYPE,
    body=json.dumps(VALID).encode("utf-8-sig"),
    framing="length",
    extra_headers=0,
)
@example(  # the mock's protective 414 and 431 are no contract answers
    method="GET",
    path="/" + "a" * 9000,
    keys="good",
    content_type=None,
    body=None,
    framing="length",
    extra_headers=120,
)
def test_fuzzed_traffic_to_the_correct_mock_never_yields_a_violation(
    fuzzed_proxy: ContractProxy,
    method: str,
    path: str,
    keys: str,
    content_type: str | None,
    body: bytes | None,
    framing: str,
    extra_headers: int,
) -> None:
    proxy = fuzzed_proxy
    tally = proxy.server.judge.tally
    before = _bad(tally)
    request = _request(proxy, method, path, keys, content_type, body, framing, extra_headers)
    answer = _send(proxy, request)
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]  # every client is answered
    latest = proxy.exchanges[-1] if len(proxy.exchanges) else None
    assert _bad(tally) == before, latest  # no violation, the site never blamed


def _bad(tally: Any) -> tuple[int, int, int]:
    """What must never grow: violations, exchanges blamed on the site, exchanges not judged."""
    return (
        tally.violating,
        sum(tally.upstream_errors.values()),
        sum(tally.judge_errors.values()),
    )


def test_the_fuzzed_session_ends_with_a_clean_report(fuzzed_proxy: ContractProxy) -> None:
    """Runs after the property above (same module proxy): the report agrees with the tally."""
    report = fuzzed_proxy.report()
    assert report["decision"]["broken_rules"] == []
    proxy_run = report["run"]["proxy"]
    assert proxy_run["unanswered"]["requests"] == 0 and proxy_run["not_judged"] == 0
    assert proxy_run["forwarded"] == (
        proxy_run["judged"]
        + proxy_run["outside_contract"]["requests"]
        + proxy_run["transport_refusals"]["requests"]
    )
