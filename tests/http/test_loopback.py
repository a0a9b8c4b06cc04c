"""The embedded mock's transport (statuspage_contract.http.loopback) against requests' own
(urllib3).

Whatever a site sees, and whatever a caller gets back, must be the same through either: the
request on the wire, the ``requests.Response`` (and what Schemathesis reads of it), the
failures' wording. Sites here are the embedded mock, the tests' hostile site, and small
hand-written servers for what neither does (closing idle connections, compressing).
"""

from __future__ import annotations

import gzip
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from hostile_site import STOP_POLL, Behaviour, HostileSite
from schemathesis.core.transport import Response as SchemathesisResponse

from statuspage_contract.errors import SiteUnreachable
from statuspage_contract.http.loopback import LoopbackAdapter
from statuspage_contract.judging import judged_client
from statuspage_contract.sites import resolve_site
from statuspage_contract.target import Target, open_target

TRANSPORTS = {"urllib3": lambda: None, "loopback": LoopbackAdapter}


def session_for(base_url: str, transport: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    adapter = TRANSPORTS[transport]()
    if adapter is not None:
        session.mount(base_url + "/", adapter)
    return session


# -- a recording server ---------------------------------------------------------------------
class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        self.server.seen.append((self.requestline, list(self.headers.items()), body))
        payload = self.server.payload
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Set-Cookie", "visit=1; Path=/")
        self.send_header("X-Twice", "a")
        self.send_header("X-Twice", "b")
        if self.server.gzip:
            payload = gzip.compress(payload)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        self.close_connection = self.server.close_after_each  # without saying so

    do_GET = do_POST = do_PATCH = do_DELETE = _any

    def log_message(self, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    payload = b'{"ok": true}'
    gzip = False
    close_after_each = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Recorder)
        self.seen: list[tuple[str, list[tuple[str, str]], bytes]] = []
        self.connections = self.closed = 0
        self.closing = threading.Condition()

    def get_request(self) -> tuple[socket.socket, Any]:
        self.connections += 1
        return super().get_request()

    def shutdown_request(self, request: Any) -> None:
        super().shutdown_request(request)
        with self.closing:
            self.closed += 1
            self.closing.notify_all()

    def wait_closed(self, count: int) -> None:
        with self.closing:
            assert self.closing.wait_for(lambda: self.closed >= count, timeout=5)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def recording() -> Iterator[_Server]:
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, args=(STOP_POLL,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _exchange(session: requests.Session, base_url: str) -> list[requests.Response]:
    headers = {"DD-API-KEY": "k" * 32, "Accept": "application/json"}
    return [
        session.get(base_url + "/account", headers=headers, timeout=5),
        session.post(base_url + "/account", json={"data": {"a": "é"}}, headers=headers, timeout=5),
        session.delete(base_url + "/account", headers=headers, timeout=5),
        session.patch(base_url + "/account", data='{"a": "é ✓"}', headers=headers, timeout=5),
    ]


def test_the_site_sees_the_same_requests_through_either_transport(recording: _Server) -> None:
    for transport in TRANSPORTS:
        _exchange(session_for(recording.base_url, transport), recording.base_url)
    by_urllib3, by_loopback = recording.seen[:4], recording.seen[4:]
    assert by_loopback == by_urllib3
    assert [line.split()[0] for line, _, _ in by_loopback] == ["GET", "POST", "DELETE", "PATCH"]
    assert by_loopback[-1][2] == '{"a": "é ✓"}'.encode()  # a text body goes as UTF-8


def test_the_caller_gets_the_same_responses_through_either_transport(
    recording: _Server,
) -> None:
    answers = {
        transport: _exchange(session_for(recording.base_url, transport), recording.base_url)
        for transport in TRANSPORTS
    }
    for theirs, ours in zip(answers["urllib3"], answers["loopback"], strict=True):
        assert isinstance(ours.connection, LoopbackAdapter)
        seen = [
            (r.status_code, r.reason, r.url, r.content, r.encoding, r.json(), r.cookies.items())
            for r in (theirs, ours)
        ]
        assert seen[0] == seen[1]
        assert ours.headers["x-twice"] == theirs.headers["x-twice"] == "a, b"
        assert {k: v for k, v in ours.headers.items() if k != "Date"} == {
            k: v for k, v in theirs.headers.items() if k != "Date"
        }
        assert ours.raw.headers.getlist("X-Twice") == ["a", "b"]
        assert ours.raw.version == theirs.raw.version == 11
        assert ours.elapsed.total_seconds() > 0
        ours_st = SchemathesisResponse.from_requests(ours, verify=True)
        theirs_st = SchemathesisResponse.from_requests(theirs, verify=True)
        assert (ours_st.status_code, ours_st.content, ours_st.http_version) == (
            theirs_st.status_code,
            theirs_st.content,
            theirs_st.http_version,
        )
        assert {k: v for k, v in ours_st.headers.items() if k != "date"} == {
            k: v for k, v in theirs_st.headers.items() if k != "date"
        }


def test_the_session_keeps_the_sites_cookie_through_either_transport(
    recording: _Server,
) -> None:
    for transport in TRANSPORTS:
        session = session_for(recording.base_url, transport)
        _exchange(session, recording.base_url)
        assert session.cookies.get("visit") == "1", transport
    assert all(("Cookie", "visit=1") in headers for _, headers, _ in recording.seen[1:4])


def test_a_compressed_answer_is_decoded(recording: _Server) -> None:
    recording.gzip = True
    session = session_for(recording.base_url, "loopback")
    response = session.get(recording.base_url + "/account", timeout=5)
    assert response.content == recording.payload
    assert response.headers["Content-Encoding"] == "gzip"


def test_one_connection_is_kept_for_many_requests(recording: _Server) -> None:
    session = session_for(recording.base_url, "loopback")
    for _ in range(3):
        _exchange(session, recording.base_url)
    assert len(recording.seen) == 12
    assert recording.connections == 1


def test_a_connection_the_site_closed_while_idle_is_opened_again(recording: _Server) -> None:
    """The site closes each connection after its answer without saying so (no
    ``Connection: close``): the next request must not fail on the dead connection. (A close
    that crosses a request on the wire fails it, through urllib3 too: neither retries.)"""
    recording.close_after_each = True
    session = session_for(recording.base_url, "loopback")
    for n in range(1, 4):
        assert session.get(recording.base_url + "/account", timeout=5).status_code == 200
        recording.wait_closed(n)  # the site's close has reached the client
    assert recording.connections == 3


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1:9/account",
        "http://api.datadoghq.com/account",
        "http://127.0.0.2.example/account",
    ],
)
def test_it_refuses_anything_but_plain_http_to_a_loopback_address(url: str) -> None:
    session = requests.Session()
    session.mount(url.rsplit("/", 1)[0] + "/", LoopbackAdapter())
    with pytest.raises(requests.exceptions.InvalidURL, match="plain HTTP to"):
        session.get(url, timeout=1)


# -- failures, worded as requests' own transport words them ----------------------------------
def _client(base_url: str, transport: str, keys: tuple[str, str] = ("k" * 32, "a" * 40)):
    return judged_client(
        base_url, *keys, transport=TRANSPORTS[transport](), timeout=0.5, raise_on_violation=False
    )


@pytest.mark.parametrize("fail", ["timeout", "reset"])
def test_a_lost_answer_is_worded_as_by_requests_own_transport(fail: str) -> None:
    messages = {}
    for transport in TRANSPORTS:
        behaviour = Behaviour(fail=fail, stall=1.0)
        with HostileSite(behaviour) as site:
            client = _client(site.base_url, transport, (site.api_key, site.app_key))
            with pytest.raises(SiteUnreachable) as caught:
                client.get()
            messages[transport] = str(caught.value).split(":", 2)[-1]
    assert messages["loopback"] == messages["urllib3"]
    assert ("no answer in time" if fail == "timeout" else "reset") in messages["loopback"]


def test_a_closed_port_is_worded_as_by_requests_own_transport() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    messages = {}
    for transport in TRANSPORTS:
        with pytest.raises(SiteUnreachable) as caught:
            _client(f"http://127.0.0.1:{port}", transport).get()
        messages[transport] = str(caught.value)
    assert messages["loopback"] == messages["urllib3"]
    assert "connection refused" in messages["loopback"]


def test_after_a_failure_the_next_request_opens_a_new_connection() -> None:
    with HostileSite(Behaviour(fail="reset")) as site:
        client = _client(site.base_url, "loopback", (site.api_key, site.app_key))
        with pytest.raises(SiteUnreachable):
            client.get()
        assert client.get().status == 404  # the site's second answer: no account


# -- who sends through it ---------------------------------------------------------------------
def test_only_the_embedded_mock_is_reached_through_it() -> None:
    embedded = open_target("mock")
    embedded.stop()
    assert isinstance(embedded.transport(), LoopbackAdapter)
    by_url = Target(resolve_site(embedded.base_url), embedded.base_url, "k", "a")
    assert by_url.transport() is None
