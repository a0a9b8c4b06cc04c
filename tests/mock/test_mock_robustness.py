"""The mock survives hostile and broken requests, and serialises concurrent creates."""

from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from statuspage_contract.mock import MockSite
from statuspage_contract.serving import ConnectionTimeouts
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
TEN_MB = 10 * 1024 * 1024


def create_body(api_key="00000000-0000-0000-0000-000000000000"):
    return CONTRACT.with_secret(CONTRACT.request_example("POST"), api_key)


def raw_request(site, head: bytes, body: bytes = b"", *, read: bool = True) -> bytes:
    """Send bytes on a raw socket, close our side, and return whatever the server answered."""
    with socket.create_connection((site.host, site.port), timeout=10) as sock:
        sock.sendall(head + body)
        if not read:
            return b""
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def post_head(site, content_length: int) -> bytes:
    return (
        f"POST {CONTRACT.account_path} HTTP/1.1\r\n"
        f"Host: {site.host}:{site.port}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {content_length}\r\n"
        f"DD-API-KEY: {site.api_key}\r\n"
        f"DD-APPLICATION-KEY: {site.app_key}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()


@pytest.fixture(scope="module")
def mock_robust_site():
    """One site for the whole module: the point is that it survives everything in turn."""
    with MockSite() as site:
        yield site


@pytest.fixture
def mock_robust_api(mock_robust_site, mock_client):
    mock_robust_site.reset()
    return mock_client(mock_robust_site)


def assert_still_serving(api):
    """The site answers a normal lifecycle correctly."""
    api.site.reset()
    assert api.get().status_code == 404
    assert api.post(create_body()).status_code == 201
    assert api.get().status_code == 200
    assert api.delete().status_code == 204


def test_a_valid_10_mb_create_is_not_a_server_error(mock_robust_api):
    response = mock_robust_api.post(create_body("k" * TEN_MB), timeout=30)
    assert response.status_code < 500
    assert response.status_code == 201
    assert len(response.content) < 1000  # the key is not echoed back


def test_an_invalid_10_mb_body_is_rejected_with_400(mock_robust_api):
    response = mock_robust_api.post(raw=b'{"data": "' + b"x" * TEN_MB, timeout=30)
    assert response.status_code == 400
    assert list(response.json()) == ["errors"]
    assert len(response.content) < 1000


def test_a_10_mb_body_of_the_wrong_media_type_is_rejected_with_400(mock_robust_api):
    response = mock_robust_api.post(raw=b"x" * TEN_MB, content_type="text/plain", timeout=30)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="arrays"),
        pytest.param(b'{"a":' * 100_000 + b"1" + b"}" * 100_000, id="objects"),
        pytest.param(
            b'{"data":{"attributes":{"api_key":' + b"[" * 100_000 + b"]" * 100_000 + b"}}}",
            id="inside-api-key",
        ),
        pytest.param(b"[" * 100_000, id="unclosed"),
    ],
)
def test_json_nested_100000_deep_is_rejected_with_400(mock_robust_api, raw):
    response = mock_robust_api.post(raw=raw, timeout=30)
    assert response.status_code == 400
    assert response.json()["errors"]


def test_moderately_deep_json_in_an_unknown_field_is_accepted(mock_robust_api):
    body = create_body()
    body["data"]["meta"] = json.loads("[" * 500 + "]" * 500)
    assert mock_robust_api.post(body).status_code == 201


@pytest.mark.parametrize(
    "raw", [b"\xff", b'{"data": "\xc3\x28"}', b"\xed\xa0\x80", b'{"k": "\x80"}'], ids=repr
)
def test_invalid_utf8_is_rejected_with_400(mock_robust_api, raw):
    response = mock_robust_api.post(raw=raw)
    assert response.status_code == 400
    assert any("UTF-8" in m for m in response.json()["errors"])


def test_an_empty_body_is_rejected_with_400(mock_robust_api):
    response = mock_robust_api.post(raw=b"")
    assert response.status_code == 400
    assert response.json()["errors"]


def test_a_truncated_body_does_not_take_the_server_down(mock_robust_site, mock_robust_api):
    # Announce 100 bytes, send 10, hang up.
    raw_request(mock_robust_site, post_head(mock_robust_site, 100), b'{"data": {', read=False)
    assert mock_robust_api.get().status_code == 404
    assert mock_robust_site.default_organisation.account_key is None


def test_a_truncated_body_whose_sender_waits_is_answered_without_a_server_error(
    mock_robust_site, mock_robust_api
):
    answer = raw_request(mock_robust_site, post_head(mock_robust_site, 100), b'{"data": {')
    if answer:  # the server may answer 400 or simply close; it must never answer 5xx
        status = int(answer.split(b" ", 2)[1])
        assert status < 500
    assert mock_robust_api.get().status_code == 404


@pytest.mark.parametrize(
    ("garbage", "expected"),
    [
        pytest.param(b"NOT HTTP AT ALL\r\n\r\n", b"400", id="not-http"),
        pytest.param(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", b"400", id="tls-hello"),
        pytest.param(b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n", b"431", id="headers"),
        pytest.param(b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", b"414", id="long-uri"),
    ],
)
def test_a_malformed_request_gets_a_4xx_answer_and_no_traceback(
    mock_robust_site, mock_robust_api, capsys, garbage, expected
):
    answer = raw_request(mock_robust_site, garbage)
    assert expected in answer[:400]
    assert "Traceback" not in capsys.readouterr().err
    assert mock_robust_api.get().status_code == 404


def test_a_refusal_reaches_a_client_that_is_still_sending(mock_robust_site, mock_robust_api):
    """A lingering close: the answer is sent, then what the client still sends is read and
    dropped. Closed at once with unread input, the server's kernel resets the connection,
    and the reset can destroy the answer before the client reads it (a flaky failure of the
    long-uri case above under load)."""
    with socket.create_connection(
        (mock_robust_site.host, mock_robust_site.port), timeout=10
    ) as sock:
        sock.sendall(b"GET /" + b"a" * 9_000)  # over the URL limit: refused at once
        assert sock.recv(12, socket.MSG_PEEK)  # the answer has arrived (not yet read)
        try:  # the rest of a huge request line, which the server has stopped parsing
            for _ in range(8):
                sock.sendall(b"a" * 65_536)
        except OSError:  # the server reset the connection: the failure this test is about
            pass
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    assert b"".join(chunks).startswith(b"HTTP/1.1 414 ")
    assert mock_robust_api.get().status_code == 404


def test_a_client_that_connects_and_hangs_up_does_not_take_the_server_down(
    mock_robust_site, mock_robust_api
):
    assert raw_request(mock_robust_site, b"") == b""
    assert mock_robust_api.get().status_code == 404


def test_the_server_still_answers_normally_after_all_of_that(mock_robust_api):
    assert_still_serving(mock_robust_api)


# -- concurrency ----------------------------------------------------------------------------

THREADS = 32


def _race_creates(api, barrier):
    def one(index):
        body = create_body(f"racer-{index}")
        barrier.wait(timeout=10)
        return api.post(body, timeout=20).status_code

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return sorted(pool.map(one, range(THREADS)))


@pytest.mark.parametrize("round_", range(5))
def test_concurrent_creates_in_one_organisation_yield_exactly_one_account(mock_robust_api, round_):
    mock_robust_api.site.reset()
    statuses = _race_creates(mock_robust_api, threading.Barrier(THREADS))
    assert statuses.count(201) == 1
    assert statuses.count(409) == THREADS - 1
    stored = mock_robust_api.site.default_organisation.account_key
    assert stored is not None and stored.startswith("racer-")


def test_concurrent_requests_in_many_organisations_do_not_interfere(
    mock_robust_site, mock_robust_api
):
    orgs = [mock_robust_site.new_organisation() for _ in range(8)]
    apis = [mock_robust_api.as_keys(api_key, app_key) for _, api_key, app_key in orgs]
    barrier = threading.Barrier(len(apis) * 4)

    def one(index):
        api = apis[index % len(apis)]
        barrier.wait(timeout=10)
        return index % len(apis), api.post(create_body(), timeout=20).status_code

    with ThreadPoolExecutor(max_workers=len(apis) * 4) as pool:
        results = list(pool.map(one, range(len(apis) * 4)))
    for org_index in range(len(apis)):
        statuses = sorted(s for i, s in results if i == org_index)
        assert statuses == [201, 409, 409, 409]
    assert all(org.account_key is not None for org, _, _ in orgs)


def test_requests_from_a_dead_client_do_not_block_other_clients(mock_robust_site, mock_robust_api):
    # A client that announces a body and never sends it holds one thread, not the server.
    with socket.create_connection((mock_robust_site.host, mock_robust_site.port)) as stalled:
        stalled.sendall(post_head(mock_robust_site, 100))
        assert mock_robust_api.get(timeout=5).status_code == 404


# -- slow clients ---------------------------------------------------------------------------

#: Short timeouts, so that the slow clients below are dealt with in well under a second.
SHORT = ConnectionTimeouts(
    idle=0.4, keep_alive=0.4, head=0.4, body_start=0.4, body_stall=0.4, body=1.2
)
#: How late past its timeout a stalled client may be answered or closed (a loaded machine).
SLACK = 1.5


@pytest.fixture(scope="module")
def mock_impatient_site():
    with MockSite(timeouts=SHORT) as site:
        yield site


def _post_head(site, framing: str) -> bytes:
    return (
        f"POST {CONTRACT.account_path} HTTP/1.1\r\nHost: x\r\n"
        f"Content-Type: application/json\r\n{framing}\r\n\r\n"
    ).encode()


def _stalled(site) -> dict[str, tuple[bytes, float]]:
    """What each kind of slow client sends before it stalls, and the timeout it meets."""
    get = f"GET {CONTRACT.account_path} HTTP/1.1\r\n".encode()
    return {
        "sends-nothing": (b"", SHORT.idle),
        "partial-request-line": (get[:8], SHORT.head),
        "head-never-ends": (get + b"Host: x\r\n", SHORT.head),
        "content-length-and-no-body": (_post_head(site, "Content-Length: 10"), SHORT.body_start),
        "chunked-and-nothing": (_post_head(site, "Transfer-Encoding: chunked"), SHORT.body_start),
        "body-stops-midway": (
            _post_head(site, "Content-Length: 100") + b'{"data"',
            SHORT.body_stall,
        ),
        "chunk-stops-midway": (
            _post_head(site, "Transfer-Encoding: chunked") + b'10\r\n{"da',
            SHORT.body_stall,
        ),
    }


def _read_until_closed(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _assert_timed_out(answer: bytes, kind: str) -> None:
    """Idle: closed without a word; inside a request: 408 with the envelope, then closed."""
    if kind == "sends-nothing":
        assert answer == b""
        return
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert b"connection: close" in head.lower()
    assert list(json.loads(body)) == [CONTRACT.errors_field]


@pytest.mark.parametrize(
    "kind",
    [
        "sends-nothing",
        "partial-request-line",
        "head-never-ends",
        "content-length-and-no-body",
        "chunked-and-nothing",
        "body-stops-midway",
        "chunk-stops-midway",
    ],
)
def test_a_stalled_client_is_answered_408_or_closed_on_time(mock_impatient_site, capfd, kind):
    site = mock_impatient_site
    data, timeout = _stalled(site)[kind]
    with socket.create_connection((site.host, site.port), timeout=timeout + 5) as sock:
        started = time.monotonic()
        sock.sendall(data)
        answer = _read_until_closed(sock)
        waited = time.monotonic() - started
    assert timeout * 0.9 <= waited <= timeout + SLACK, waited
    _assert_timed_out(answer, kind)
    assert "Traceback" not in capfd.readouterr().err
    assert site.default_organisation.account_key is None


def test_a_trickling_body_meets_the_whole_body_timeout(mock_impatient_site):
    """One byte at a time, each pause under the stall timeout: the body's own limit ends it."""
    site = mock_impatient_site
    with socket.create_connection((site.host, site.port), timeout=10) as sock:
        sock.sendall(_post_head(site, "Content-Length: 1000"))
        started = time.monotonic()
        answer = b""
        while time.monotonic() - started < SHORT.body + SLACK:
            try:
                sock.sendall(b" ")
            except OSError:
                break
            sock.settimeout(SHORT.body_stall / 2)
            try:
                answer += sock.recv(65536)
            except TimeoutError:
                continue
            if answer:
                break
        waited = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:100]
    assert SHORT.body * 0.9 <= waited <= SHORT.body + SLACK


def test_an_idle_kept_alive_connection_is_closed_after_its_timeout(mock_impatient_site):
    site = mock_impatient_site
    with socket.create_connection((site.host, site.port), timeout=10) as sock:
        sock.sendall(f"GET {CONTRACT.account_path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        first = sock.recv(65536)
        started = time.monotonic()
        rest = _read_until_closed(sock)
        waited = time.monotonic() - started
    assert first.startswith(b"HTTP/1.1 403 ") and rest == b""
    assert SHORT.keep_alive * 0.9 <= waited <= SHORT.keep_alive + SLACK


def test_an_answer_schedules_no_keep_alive_timer_of_its_own():
    """The wait for the next request is a phase of the connection's one timer: uvicorn's
    keep-alive timer, scheduled after every answer and cancelled by the next request, cost
    CPU on each request (the test above shows the wait still times out)."""
    request = f"GET {CONTRACT.account_path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    with MockSite() as site, socket.create_connection((site.host, site.port), timeout=10) as sock:
        for _ in range(3):
            sock.sendall(request)
            assert sock.recv(65536).startswith(b"HTTP/1.1 403 ")
        assert site._server is not None
        (protocol,) = site._server.server_state.connections
        assert protocol.timeout_keep_alive_task is None
        assert protocol._timer is not None  # the connection's one timer watches the wait


def test_a_client_that_keeps_sending_requests_is_never_timed_out(mock_impatient_site):
    """The timeouts bound each phase, not the connection: a busy client keeps it."""
    site = mock_impatient_site
    request = f"GET {CONTRACT.account_path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    with socket.create_connection((site.host, site.port), timeout=10) as sock:
        started = time.monotonic()
        while time.monotonic() - started < SHORT.idle * 3:
            sock.sendall(request)
            assert sock.recv(65536).startswith(b"HTTP/1.1 403 ")
            time.sleep(SHORT.keep_alive / 4)


#: Stalled connections in the flood (each costs two descriptors here: keep under `ulimit -n`).
FLOOD = 200


def test_a_flood_of_slow_clients_does_not_delay_normal_requests(capfd):
    timeouts = ConnectionTimeouts(
        idle=1.5, keep_alive=1.5, head=1.5, body_start=1.5, body_stall=1.5, body=3
    )
    with MockSite(timeouts=timeouts) as site, requests.Session() as session:
        kinds = list(_stalled(site).values())
        stalled = []
        for i in range(FLOOD):
            sock = socket.create_connection((site.host, site.port), timeout=10)
            sock.sendall(kinds[i % len(kinds)][0])
            stalled.append(sock)
        flood_started = time.monotonic()
        try:
            for _ in range(20):  # normal clients, while the flood holds its connections
                started = time.monotonic()
                reply = session.get(site.base_url + CONTRACT.account_path, headers=site.headers())
                assert reply.status_code == 404 and time.monotonic() - started < 1.0
            assert time.monotonic() - flood_started < timeouts.idle  # the flood still stalls
            for sock in stalled:  # then every stalled client is answered or closed in time
                sock.settimeout(
                    max(0.1, timeouts.body_stall + SLACK - (time.monotonic() - flood_started))
                )
                _read_until_closed(sock)
        finally:
            for sock in stalled:
                sock.close()
    assert "Traceback" not in capfd.readouterr().err


def test_a_client_that_closes_its_side_after_its_request_still_gets_the_answer(
    mock_robust_site,
):
    """``printf 'GET ...' | nc -N``: the request is whole, so it is answered, then closed."""
    head = f"GET {CONTRACT.account_path} HTTP/1.1\r\nHost: x\r\n".encode()
    head += f"{CONTRACT.api_key_header}: {mock_robust_site.api_key}\r\n".encode()
    head += f"{CONTRACT.app_key_header}: {mock_robust_site.app_key}\r\n\r\n".encode()
    answer = raw_request(mock_robust_site, head)  # sends, shuts its side, reads until closed
    assert answer.startswith(b"HTTP/1.1 404 ")
