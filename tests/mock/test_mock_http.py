"""The mock's HTTP layer, over raw sockets: strict framing, 4xx refusals, bounded input.

Every refusal must be a 4xx with a status line and the error envelope, the connection must be
closed after it, nothing after the refused head may be served as a request, and no traceback
may be printed.
"""

from __future__ import annotations

import gc
import json
import logging
import socket
import time

import pytest

from statuspage_contract.mock import MockSite
from statuspage_contract.mock.app import MAX_BODY_BYTES
from statuspage_contract.mock.logs import printable
from statuspage_contract.mock.protocol import (
    MAX_HEAD_BYTES,
    MAX_HEADERS,
    MAX_URL_BYTES,
    _HeadWithBody,
)
from statuspage_contract.serving import ConnectionTimeouts
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
PATH = CONTRACT.account_path.encode()
ERRORS_KEY = CONTRACT.error_schema["required"][0]


@pytest.fixture(scope="module")
def mock_http_site():
    with MockSite() as site:
        yield site


@pytest.fixture
def site(mock_http_site):
    mock_http_site.reset()
    return mock_http_site


def auth(site) -> bytes:
    return (
        f"{CONTRACT.api_key_header}: {site.api_key}\r\n"
        f"{CONTRACT.app_key_header}: {site.app_key}\r\n"
    ).encode()


def exchange(site, data: bytes, timeout: float = 10) -> tuple[bytes, bool]:
    """Send ``data`` (keeping our side open); return all the server sent and whether it closed.

    The server must close by itself: we never shut our side, so a server that waits for more
    (a second, hidden request) is caught by the timeout.
    """
    received, closed = b"", False
    with socket.create_connection((site.host, site.port), timeout=timeout) as sock:
        sock.sendall(data)
        try:
            while chunk := sock.recv(65536):
                received += chunk
            closed = True
        except TimeoutError:
            pass
        except ConnectionResetError:
            closed = True
    return received, closed


def responses(raw: bytes) -> list[tuple[int, dict[str, str], bytes]]:
    """Split what a server sent into (status, headers, body) triples, by Content-Length."""
    out = []
    while raw:
        head, _, rest = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        assert lines[0].startswith("HTTP/1.1 "), lines[0]
        headers = dict(line.split(": ", 1) for line in lines[1:])
        headers = {k.lower(): v for k, v in headers.items()}
        length = int(headers.get("content-length", "0"))
        out.append((int(lines[0].split(" ")[1]), headers, rest[:length]))
        raw = rest[length:]
    return out


def assert_refused(site, data: bytes, status: int, capfd) -> None:
    raw, closed = exchange(site, data)
    answers = responses(raw)
    assert len(answers) == 1, answers  # one answer: nothing after the head was served
    code, headers, body = answers[0]
    assert code == status, (code, body)
    assert headers["connection"] == "close"
    assert headers["content-type"] == "application/json"
    envelope = json.loads(body)
    assert list(envelope) == [ERRORS_KEY] and all(isinstance(m, str) for m in envelope[ERRORS_KEY])
    assert closed
    assert "Traceback" not in capfd.readouterr().err


def hidden_delete(site) -> bytes:
    return b"DELETE " + PATH + b" HTTP/1.1\r\nHost: x\r\n" + auth(site) + b"\r\n"


# -- request smuggling ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lengths",
    [pytest.param((0, None), id="0-then-N"), pytest.param((None, 0), id="N-then-0")],
)
def test_conflicting_content_lengths_are_refused_and_the_hidden_request_never_runs(
    site, capfd, lengths
):
    site.default_organisation.account_key = "existing"
    hidden = hidden_delete(site)
    first, second = (str(n if n is not None else len(hidden)).encode() for n in lengths)
    head = b"GET " + PATH + b" HTTP/1.1\r\nHost: x\r\n" + auth(site)
    head += b"Content-Length: " + first + b"\r\nContent-Length: " + second + b"\r\n\r\n"
    assert_refused(site, head + hidden, 400, capfd)
    assert site.default_organisation.account_key == "existing"  # the DELETE never ran


def test_content_length_with_chunked_transfer_encoding_is_refused(site, capfd):
    site.default_organisation.account_key = "existing"
    hidden = hidden_delete(site)
    head = b"POST " + PATH + b" HTTP/1.1\r\nHost: x\r\n" + auth(site)
    head += b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    assert_refused(site, head + hidden, 400, capfd)
    assert site.default_organisation.account_key == "existing"


def test_a_body_is_framed_by_content_length_and_a_pipelined_request_is_answered_in_turn(site):
    body = json.dumps(CONTRACT.request_example("POST")).encode()
    post = b"POST " + PATH + b" HTTP/1.1\r\nHost: x\r\n" + auth(site)
    post += b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    get = b"GET " + PATH + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + auth(site) + b"\r\n"
    raw, closed = exchange(site, post + get)
    assert [code for code, _, _ in responses(raw)] == [201, 200]
    assert closed


# -- malformed Content-Length, request lines, versions ----------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("²".encode(), id="superscript-two"),
        pytest.param(b"9" * 5000, id="5000-nines"),
        pytest.param(b"-1", id="negative"),
        pytest.param(b"1e3", id="exponent"),
        pytest.param(b"12abc", id="trailing-letters"),
        pytest.param(b"0x10", id="hex"),
        pytest.param(b"", id="empty"),
        pytest.param(b"1, 2", id="list"),
    ],
)
def test_a_malformed_content_length_is_refused_with_400(site, capfd, value):
    head = b"POST " + PATH + b" HTTP/1.1\r\nHost: x\r\n" + auth(site)
    assert_refused(site, head + b"Content-Length: " + value + b"\r\n\r\n{}", 400, capfd)
    assert site.default_organisation.account_key is None


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(b"GET / HTTP/1.1 extra", id="extra-word"),
        pytest.param(b"GET /", id="no-version"),
        pytest.param(b"GET / HTTX/1.1", id="bad-protocol"),
        pytest.param(b"G@T / HTTP/1.1", id="bad-method"),
        pytest.param(b"GET /\x1b[31m HTTP/1.1", id="control-in-target"),
        pytest.param(b"NOT HTTP AT ALL", id="not-http"),
        pytest.param(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", id="tls-hello"),
    ],
)
def test_a_bad_request_line_is_refused_with_400(site, capfd, line):
    assert_refused(site, line + b"\r\nHost: x\r\n\r\n", 400, capfd)


@pytest.mark.parametrize("version", [b"2.0", b"3.0", b"1.2", b"0.9", b"9.9"])
def test_an_unsupported_http_version_is_refused_with_400(site, capfd, version):
    assert_refused(site, b"GET " + PATH + b" HTTP/" + version + b"\r\nHost: x\r\n\r\n", 400, capfd)


def test_http_1_0_is_served_and_closed(site):
    raw, closed = exchange(site, b"GET " + PATH + b" HTTP/1.0\r\n" + auth(site) + b"\r\n")
    assert [code for code, _, _ in responses(raw)] == [404]
    assert closed


# -- oversized heads --------------------------------------------------------------------------


def test_too_many_headers_are_refused_with_431(site, capfd):
    head = b"GET " + PATH + b" HTTP/1.1\r\n" + b"X-A: b\r\n" * (MAX_HEADERS + 1) + b"\r\n"
    assert_refused(site, head, 431, capfd)


def test_one_huge_header_is_refused_with_431(site, capfd):
    head = b"GET " + PATH + b" HTTP/1.1\r\nX-Big: " + b"a" * (MAX_HEAD_BYTES + 1) + b"\r\n\r\n"
    assert_refused(site, head, 431, capfd)


def test_a_head_that_never_ends_is_refused_with_431_before_it_is_buffered(site, capfd):
    # 1 MiB of one header value, never terminated: refused once the limit is passed.
    head = b"GET " + PATH + b" HTTP/1.1\r\nX-Big: " + b"a" * (1024 * 1024)
    assert_refused(site, head, 431, capfd)


def test_a_huge_request_target_is_refused_with_414(site, capfd):
    assert_refused(site, b"GET /" + b"a" * MAX_URL_BYTES + b" HTTP/1.1\r\n\r\n", 414, capfd)


def test_headers_just_under_the_limits_are_served(site):
    head = b"GET " + PATH + b" HTTP/1.1\r\nConnection: close\r\n" + auth(site)
    head += b"X-A: b\r\n" * (MAX_HEADERS - 4) + b"\r\n"
    raw, _ = exchange(site, head)
    assert [code for code, _, _ in responses(raw)] == [404]


# -- bodies over the limit --------------------------------------------------------------------


def test_a_body_announced_over_the_limit_is_refused_before_it_is_sent(site, capfd):
    head = b"POST " + PATH + b" HTTP/1.1\r\nHost: x\r\n" + auth(site)
    head += b"Content-Type: application/json\r\n"
    head += b"Content-Length: %d\r\n\r\n" % (MAX_BODY_BYTES + 1)
    assert_refused(site, head, 413, capfd)  # answered without waiting for the body


def test_a_chunked_body_over_the_limit_is_refused(site, capfd):
    head = b"POST " + PATH + b" HTTP/1.1\r\nHost: x\r\n" + auth(site)
    head += b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = b"%x\r\n" % (1024 * 1024) + b"a" * (1024 * 1024) + b"\r\n"
    with socket.create_connection((site.host, site.port), timeout=10) as sock:
        sock.sendall(head)
        try:
            for _ in range(MAX_BODY_BYTES // (1024 * 1024) + 2):
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: fine
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert site.default_organisation.account_key is None
    assert "Traceback" not in capfd.readouterr().err


# -- logs -------------------------------------------------------------------------------------


def test_printable_escapes_control_characters_and_backslashes():
    assert printable("/a\x1b[31m\x07\\b\x9b\n") == "/a\\x1b[31m\\x07\\x5cb\\x9b\\x0a"
    assert printable("x" * 300, limit=10) == "x" * 10 + "..."


def test_requests_are_not_logged_unless_info_is_enabled(site, caplog):
    with caplog.at_level(logging.WARNING, logger="statuspage_contract.mock"):
        exchange(site, b"GET " + PATH + b" HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert not [r for r in caplog.records if r.name.startswith("statuspage_contract")]


def test_refusals_are_logged_at_info_without_request_data(site, caplog):
    with caplog.at_level(logging.INFO, logger="statuspage_contract.mock"):
        exchange(site, b"GET /\x1b[2J-secret HTTP/1.1\r\n\r\n")
    logged = [r.getMessage() for r in caplog.records if r.name == "statuspage_contract.mock.http"]
    assert logged and all("\x1b" not in m and "secret" not in m for m in logged)


def test_a_body_that_stops_arriving_is_answered_408_and_closed(capfd):
    with MockSite(timeouts=ConnectionTimeouts(body_stall=0.3)) as site:
        head = b"POST " + PATH + b" HTTP/1.1\r\nHost: x\r\n" + auth(site)
        head += b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
        started = time.monotonic()
        assert_refused(site, head + b'{"data": ', 408, capfd)
        # the pause's own 0.3 s, not the 10 s the body's start may take
        assert time.monotonic() - started < 5
        assert site.default_organisation.account_key is None


# -- junk after a request, malformed chunks -----------------------------------------------------


def _assert_envelope(headers: dict[str, str], body: bytes) -> None:
    assert headers["content-type"] == "application/json"
    envelope = json.loads(body)
    assert list(envelope) == [ERRORS_KEY] and all(isinstance(m, str) for m in envelope[ERRORS_KEY])


@pytest.mark.parametrize(
    "junk",
    [
        pytest.param(b'{"data": {"type": "x"}}', id="a-body-without-content-length"),
        pytest.param(b"\x00\x01\x02 binary", id="binary"),
        pytest.param(b"GET / HTTP/1.1 extra\r\n\r\n", id="a-malformed-second-request"),
    ],
)
def test_junk_after_a_request_in_the_same_packet_keeps_its_answer_and_gets_400(site, capfd, junk):
    """The request is answered, then what follows it is refused: nothing is lost to a close."""
    head = b"POST " + PATH + b" HTTP/1.1\r\nHost: x\r\n" + auth(site)
    head += b"Content-Type: application/json\r\n\r\n"  # no Content-Length: no body
    raw, closed = exchange(site, head + junk)
    answers = responses(raw)
    assert [code for code, _, _ in answers] == [CONTRACT.status.invalid] * 2, raw[:400]
    for _, headers, body in answers:
        _assert_envelope(headers, body)
    assert "close" not in answers[0][1].get("connection", "")
    assert answers[1][1]["connection"] == "close"
    assert closed
    assert "Traceback" not in capfd.readouterr().err
    assert site.default_organisation.account_key is None


@pytest.mark.parametrize(
    "chunks",
    [
        pytest.param(b"zz\r\n{}\r\n0\r\n\r\n", id="a-size-that-is-no-number"),
        pytest.param(b"2\r\n{}}}\r\n0\r\n\r\n", id="data-longer-than-its-size"),
        pytest.param(b"2\r\n{}0\r\n\r\n", id="no-crlf-after-the-data"),
        pytest.param(b"2;\x01=x\r\n{}\r\n0\r\n\r\n", id="a-control-character-in-an-extension"),
        pytest.param(b"2\r\n{}\r\n0\r\nX: \x01\r\n\r\n", id="a-malformed-trailer"),
    ],
)
def test_a_malformed_chunk_is_answered_400_with_the_envelope(site, capfd, chunks):
    head = b"POST " + PATH + b" HTTP/1.1\r\nHost: x\r\n" + auth(site)
    head += b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert_refused(site, head + chunks, CONTRACT.status.invalid, capfd)
    assert site.default_organisation.account_key is None


def test_junk_after_pipelined_requests_is_refused_after_every_one_is_answered(site, capfd):
    request = b"GET " + PATH + b" HTTP/1.1\r\nHost: x\r\n" + auth(site) + b"\r\n"
    raw, closed = exchange(site, request * 3 + b"JUNK\r\n\r\n")
    answers = responses(raw)
    assert [code for code, _, _ in answers] == [CONTRACT.status.not_found] * 3 + [
        CONTRACT.status.invalid
    ]
    _assert_envelope(*answers[-1][1:])
    assert closed and "Traceback" not in capfd.readouterr().err


# -- an answer's head and body leave in one write ----------------------------------------------


class _Transport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


class _Cycle:
    def __init__(self, method: str) -> None:
        self.scope = {"method": method}
        self.response_started = False


def test_an_answers_head_is_written_with_its_body_in_one_write():
    transport, cycle = _Transport(), _Cycle("POST")
    joined = _HeadWithBody(transport, cycle)  # type: ignore[arg-type]
    joined.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # before the answer starts: at once
    cycle.response_started = True
    joined.write(b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n")
    assert len(transport.writes) == 1  # the head waits for its body
    joined.write(b"{}")
    joined.write(b"more")  # a later chunk of a streamed body goes as it comes
    assert transport.writes[1:] == [b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}", b"more"]
    assert not joined.is_closing()  # everything else is the transport's


@pytest.mark.parametrize("method", ["HEAD", "GET"])
def test_a_head_with_no_body_to_follow_is_not_held(method):
    transport, cycle = _Transport(), _Cycle(method)
    joined = _HeadWithBody(transport, cycle)  # type: ignore[arg-type]
    cycle.response_started = True
    joined.write(b"HTTP/1.1 200 OK\r\n\r\n")
    if method != "HEAD":  # held: closing (the app failed) writes it first
        assert transport.writes == []
        joined.close()
    assert transport.writes == [b"HTTP/1.1 200 OK\r\n\r\n"]


def test_answered_requests_leave_no_reference_cycles(site):
    """A request's objects are freed as soon as it is answered, not by the cycle collector:
    garbage left for it costs CPU on every request (the memory is not reused while hot)."""
    count = 200
    request = b"POST " + PATH + b" HTTP/1.1\r\nHost: x\r\n" + auth(site)
    body = json.dumps(CONTRACT.request_example("POST")).encode()
    request += b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    with socket.create_connection((site.host, site.port), timeout=10) as sock:
        sock.sendall(request)  # the connection's own objects first
        assert sock.recv(65536).startswith(b"HTTP/1.1 201 ")
        gc.collect()
        gc.disable()
        try:
            for _ in range(count):
                sock.sendall(request)
                assert sock.recv(65536).startswith(b"HTTP/1.1 409 ")
            left = gc.collect()
        finally:
            gc.enable()
    assert left < count // 4, f"{left} objects in reference cycles after {count} requests"
