"""The proxy under stress: byte-identical answers, an upstream that is down or slow, 32
concurrent clients, large and malformed requests, a bounded live list."""

from __future__ import annotations

import gzip
import http.client
import json
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from hostile_site import STOP_POLL

from contract import ContractProxy
from contract.spec import JSON_MEDIA_TYPE as CONTRACT_JSON
from contract.spec import load_contract

CONTRACT = load_contract()
PATH = CONTRACT.account_path


class RawSite(socketserver.ThreadingTCPServer):
    """A loopback site that records each raw request and answers with fixed raw bytes."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, answer: bytes, delay: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), _RawHandler)
        self.answer, self.delay = answer, delay
        self.requests: list[bytes] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _RawHandler(socketserver.StreamRequestHandler):
    server: RawSite

    def handle(self) -> None:
        while True:
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                line = self.rfile.readline()
                if not line:
                    return
                head += line
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            self.server.requests.append(head + self.rfile.read(length))
            time.sleep(self.server.delay)
            self.wfile.write(self.server.answer)
            self.wfile.flush()


@pytest.fixture
def raw_site(request: pytest.FixtureRequest) -> Iterator[RawSite]:
    answer, delay = request.param
    site = RawSite(answer, delay)
    thread = threading.Thread(target=site.serve_forever, args=(STOP_POLL,), daemon=True)
    thread.start()
    yield site
    site.shutdown()
    site.server_close()


def _raw_answer(body: bytes, *headers: bytes) -> bytes:
    head = b"HTTP/1.1 200 OK\r\n" + b"".join(h + b"\r\n" for h in headers)
    return head + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body


ODD_BODY = gzip.compress(
    json.dumps({"data": {"attributes": {CONTRACT.secret_field: CONTRACT.mask}}}).encode()
)
ODD_ANSWER = _raw_answer(
    ODD_BODY,
    b"Content-Type: application/json",
    b"Content-Encoding: gzip",
    b"X-Odd-Header:   spaced   value",
    b"Set-Cookie: a=1",
    b"Set-Cookie: b=2",
    b"Date: Mon, 01 Jan 2024 00:00:00 GMT",
)


@pytest.mark.parametrize("raw_site", [(ODD_ANSWER, 0.0)], indirect=True)
def test_the_answer_is_byte_identical_and_the_request_arrives_as_sent(raw_site: RawSite) -> None:
    body = b'{"data": {"type": "x", "attributes": {"api_key": "\xff\xfe not utf-8"}}}'
    target = PATH + "?q=%41%zz"
    sent = {"X-Client-Thing": "kept  as  is", "Content-Type": "text/weird; charset=latin-1"}
    with ContractProxy(site=raw_site.base_url) as proxy:
        conn = http.client.HTTPConnection("127.0.0.1", int(proxy.base_url.rsplit(":", 1)[1]))
        conn.request("POST", target, body=body, headers=sent)  # http.client sends it as it is
        reply = conn.getresponse()
        got = reply.read()  # http.client never decodes the content coding
        conn.close()
        exchanges = proxy.exchanges
    assert got == ODD_BODY  # still gzip-compressed: the bytes the site sent
    end_to_end = [(k.lower(), v) for k, v in reply.getheaders() if k.lower() != "connection"]
    site_headers = ODD_ANSWER.split(b"\r\n\r\n")[0].decode().split("\r\n")[1:]
    expected = [(k.lower(), v.strip()) for k, v in (h.split(":", 1) for h in site_headers)]
    assert end_to_end == expected  # every header of the site, in order, nothing added
    (arrived,) = raw_site.requests
    head, _, payload = arrived.partition(b"\r\n\r\n")
    assert payload == body
    assert head.startswith(f"POST {target} HTTP/1.1\r\n".encode())
    lines = {line for line in head.lower().split(b"\r\n")[1:] if not line.startswith(b"host:")}
    assert lines == {  # what http.client sent, nothing added (Host is the site's)
        b"accept-encoding: identity",
        b"x-client-thing: kept  as  is",
        b"content-type: text/weird; charset=latin-1",
        b"content-length: %d" % len(body),
    }
    assert exchanges[0].status == 200 and exchanges[0].operation is not None


def test_answers_of_the_mock_are_identical_through_the_proxy() -> None:
    with ContractProxy(site="mock") as proxy:
        mock = proxy.mock
        headers = {**mock.headers(), "Content-Type": CONTRACT_JSON}
        body = json.dumps(CONTRACT.request_example()).encode()
        pairs = []
        for method, data in (("POST", body), ("POST", body), ("GET", None), ("PUT", b"{")):
            via = requests.request(method, proxy.base_url + PATH, data=data, headers=headers)
            direct = requests.request(method, mock.base_url + PATH, data=data, headers=headers)
            pairs.append((via, direct))
    for via, direct in pairs[2:]:  # same state on both sides: one account
        assert (via.status_code, via.content) == (direct.status_code, direct.content)
        same = {k: v for k, v in via.headers.items() if k.lower() != "date"}
        assert same == {k: v for k, v in direct.headers.items() if k.lower() != "date"}
    assert pairs[0][0].status_code == 201 and pairs[0][1].status_code == 409


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    return port


def test_an_upstream_that_is_down_gives_502_with_the_envelope_and_the_report_says_so() -> None:
    with ContractProxy(site=f"http://127.0.0.1:{_closed_port()}") as proxy:
        reply = requests.get(proxy.base_url + PATH)
        report = proxy.report()
    assert reply.status_code == 502
    assert CONTRACT.error_envelope and list(reply.json()) == [CONTRACT.errors_field]
    assert "could not be reached" in reply.json()[CONTRACT.errors_field][0]
    assert report["run"]["proxy"]["unanswered"]["requests"] == 1
    decision = report["decision"]
    assert decision["verdict"] == "ABORTED" and "got no answer from the site" in decision["reason"]


@pytest.mark.parametrize("raw_site", [(_raw_answer(b"{}"), 2.0)], indirect=True)
def test_a_slow_upstream_gives_504_with_the_envelope_and_the_report_says_so(
    raw_site: RawSite,
) -> None:
    with ContractProxy(site=raw_site.base_url, timeout=0.3) as proxy:
        started = time.monotonic()
        reply = requests.get(proxy.base_url + PATH)
        waited = time.monotonic() - started
        report = proxy.report()
    assert reply.status_code == 504 and waited < 1.5
    assert "did not answer within 0.3 s" in reply.json()[CONTRACT.errors_field][0]
    assert report["decision"]["verdict"] == "ABORTED"
    assert "did not answer within" in report["tests"]["errors_without_rule"][0]


def test_32_concurrent_clients_each_with_its_own_keys() -> None:
    with ContractProxy(site="mock") as proxy:
        organisations = [proxy.mock.new_organisation() for _ in range(32)]
        body = json.dumps(CONTRACT.request_example()).encode()
        barrier = threading.Barrier(32)

        def client(keys: tuple[Any, str, str]) -> list[int]:
            _, api, app = keys
            headers = {**proxy.mock.headers(api, app), "Content-Type": CONTRACT_JSON}
            with requests.Session() as session:
                barrier.wait()
                statuses = []
                for method, data in (("POST", body), ("POST", body), ("GET", None)) * 1 + (
                    ("DELETE", None),
                    ("GET", None),
                ):
                    url = proxy.base_url + PATH
                    statuses.append(
                        session.request(method, url, data=data, headers=headers).status_code
                    )
                return statuses

        with ThreadPoolExecutor(32) as pool:
            results = list(pool.map(client, organisations))
        report = proxy.report()
    assert results == [[201, 409, 200, 204, 404]] * 32
    assert report["decision"]["broken_rules"] == []
    assert report["tests"]["total"] == 32 * 5 and report["tests"]["failed"] == 0
    for rule in ("single-account", "lifecycle-effects", "rejected-call-no-effect"):
        assert report["rules"][rule]["passed"] == 32


def test_concurrent_calls_with_one_set_of_keys_raise_no_false_alarm() -> None:
    with ContractProxy(site="mock") as proxy:
        headers = {**proxy.mock.headers(), "Content-Type": CONTRACT_JSON}
        body = json.dumps(CONTRACT.request_example()).encode()

        def call(i: int) -> int:
            method = ("POST", "GET", "DELETE")[i % 3]
            data = body if method == "POST" else None
            return requests.request(
                method, proxy.base_url + PATH, data=data, headers=headers
            ).status_code

        with ThreadPoolExecutor(16) as pool:
            list(pool.map(call, range(300)))
        report = proxy.report()
    assert report["decision"]["broken_rules"] == []


def test_large_and_malformed_requests_are_forwarded_as_they_are() -> None:
    with ContractProxy(site="mock") as proxy:
        url, headers = (
            proxy.base_url + PATH,
            {**proxy.mock.headers(), "Content-Type": CONTRACT_JSON},
        )
        big = b'{"data": "' + b"x" * (8 * 2**20) + b'"}'
        cases = [
            requests.post(url, data=big, headers=headers),
            requests.post(url, data=b"{not json", headers=headers),
            requests.post(url, data=b"\xff\xfe\x00", headers={**headers, "Content-Type": "x/y"}),
            requests.post(url, data=(c for c in [b'{"a":', b" 1}"]), headers=headers),  # chunked
            requests.post(url, data=b"[]", headers={k: v + "\t" for k, v in headers.items()}),
        ]
        report = proxy.report()
    assert [r.status_code for r in cases] == [400, 400, 400, 400, 400]
    assert report["decision"]["broken_rules"] == []
    assert report["run"]["proxy"]["forwarded"] == 5
    assert report["tests"]["total"] == 5


def test_a_body_the_site_refuses_before_reading_it_gets_the_sites_answer() -> None:
    """The mock answers 413 to a body over 32 MiB before reading it, and closes."""
    with ContractProxy(site="mock") as proxy:
        headers = {**proxy.mock.headers(), "Content-Type": CONTRACT_JSON}
        huge = b"x" * (33 * 2**20)
        direct = requests.post(proxy.mock.base_url + PATH, data=huge, headers=headers)
        via = requests.post(proxy.base_url + PATH, data=huge, headers=headers)
        report = proxy.report()
    assert direct.status_code == 413
    assert (via.status_code, via.content) == (direct.status_code, direct.content)
    # a protective answer is reported as what it is, and judged by no rule
    assert report["run"]["proxy"]["judged"] == 0
    assert report["run"]["proxy"]["transport_refusals"] == {"requests": 1, "by_status": {"413": 1}}
    assert report["decision"]["broken_rules"] == []


def test_the_live_list_is_bounded() -> None:
    with ContractProxy(site="mock", live_limit=10) as proxy:
        with requests.Session() as session:
            for _ in range(50):
                session.get(proxy.base_url + PATH, headers=proxy.mock.headers())
        exchanges = proxy.exchanges
        report = proxy.report()
    assert len(exchanges) == 10 and exchanges[0].number == 41
    assert report["run"]["proxy"]["judged"] == 50


def test_a_judging_error_never_costs_the_client_its_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    with ContractProxy(site="mock") as proxy:

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("a bug")

        monkeypatch.setattr(proxy.server.judge, "judge", broken)
        direct = requests.get(proxy.mock.base_url + PATH, headers=proxy.mock.headers())
        via = requests.get(proxy.base_url + PATH, headers=proxy.mock.headers())
        report = proxy.report()
    assert (via.status_code, via.content) == (direct.status_code, direct.content)
    assert report["run"]["proxy"]["not_judged"] == 1
    assert report["decision"]["verdict"] == "ABORTED"
    assert "not judged (a proxy error: GET: RuntimeError)" in report["decision"]["reason"]
