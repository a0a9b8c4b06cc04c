"""The proxy's upstream client (statuspage_contract.proxy.upstream) against scripted loopback
sites: interim, bodiless, close-delimited and chunked answers, kept-alive connections the site
closed, oversized heads, and the environment's proxy."""

from __future__ import annotations

import json
import shutil
import socket
import socketserver
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from hostile_site import STOP_POLL
from raw_http import read_request

from statuspage_contract import ContractProxy
from statuspage_contract.proxy import upstream
from statuspage_contract.proxy.upstream import MAX_HEAD, Upstream
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
PATH = CONTRACT.account_path

#: (connection number, request number on it, the raw request) -> (answer or None, close after)
Script = Callable[[int, int, bytes], tuple[bytes | None, bool]]


class ScriptedSite(socketserver.ThreadingTCPServer):
    """A loopback site whose every answer a test's script decides; records what arrives."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, script: Script, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script, self.tls = script, tls
        self.requests: list[bytes] = []
        self.connections = 0
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.server_address[1]}"

    def get_request(self) -> tuple[Any, Any]:
        sock, address = super().get_request()
        if self.tls is None:
            return sock, address
        try:
            return self.tls.wrap_socket(sock, server_side=True), address
        except (OSError, ssl.SSLError):  # a client that refused the certificate
            sock.close()
            raise


class _Handler(socketserver.StreamRequestHandler):
    server: ScriptedSite

    def handle(self) -> None:
        with self.server.lock:
            self.server.connections += 1
            number = self.server.connections
        for count in range(1, 1000):
            request = read_request(self.rfile)
            if request is None:
                return
            self.server.requests.append(request)
            answer, close = self.server.script(number, count, request)
            if answer is None:
                return
            self.wfile.write(answer)
            self.wfile.flush()
            if close:
                return


@pytest.fixture
def site(request: pytest.FixtureRequest) -> Iterator[ScriptedSite]:
    server = ScriptedSite(request.param)
    threading.Thread(target=server.serve_forever, args=(STOP_POLL,), daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _always(answer: bytes, close: bool = False) -> Script:
    return lambda _conn, _count, _request: (answer, close)


OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


def _raw(proxy: ContractProxy, request: bytes) -> bytes:
    port = int(proxy.base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    "site",
    [_always(b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + OK)],
    indirect=True,
)
def test_an_interim_answer_is_skipped(site: ScriptedSite) -> None:
    with ContractProxy(site=site.base_url, timeout=5) as proxy:
        reply = requests.get(proxy.base_url + PATH, timeout=10)
    assert (reply.status_code, reply.content) == (200, b"{}")
    assert "link" not in reply.headers


@pytest.mark.parametrize(
    "site", [_always(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")], indirect=True
)
def test_an_answer_to_head_has_no_body_and_the_connection_is_kept(site: ScriptedSite) -> None:
    with ContractProxy(site=site.base_url, timeout=5) as proxy, requests.Session() as session:
        replies = [session.head(proxy.base_url + PATH, timeout=10) for _ in range(3)]
    assert [r.status_code for r in replies] == [200, 200, 200]
    assert replies[0].headers["content-length"] == "100"
    assert site.connections == 1


@pytest.mark.parametrize(
    "site",
    [_always(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{}", close=True)],
    indirect=True,
)
def test_a_body_ended_by_the_close_is_forwarded_whole(site: ScriptedSite) -> None:
    with ContractProxy(site=site.base_url, timeout=5) as proxy:
        replies = [requests.get(proxy.base_url + PATH, timeout=10) for _ in range(2)]
    assert [(r.status_code, r.content) for r in replies] == [(200, b"{}")] * 2
    assert replies[0].headers["content-length"] == "2"
    assert site.connections == 2  # a connection the site closed is not used again


CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n1\r\n}\r\n0\r\n\r\n"


@pytest.mark.parametrize("site", [_always(CHUNKED)], indirect=True)
def test_a_chunked_answer_is_forwarded_with_its_length(site: ScriptedSite) -> None:
    with ContractProxy(site=site.base_url, timeout=5) as proxy:
        answer = _raw(
            proxy, f"GET {PATH} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
        )
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ") and body == b"{}"
    assert b"content-length: 2" in head.lower() and b"transfer-encoding" not in head.lower()


@pytest.mark.parametrize("site", [_always(OK)], indirect=True)
def test_a_connection_idle_too_long_is_not_used_again(
    site: ScriptedSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upstream, "KEEP_IDLE", 0.3)
    with ContractProxy(site=site.base_url, timeout=5) as proxy:
        statuses = [requests.get(proxy.base_url + PATH, timeout=10).status_code]
        statuses.append(requests.get(proxy.base_url + PATH, timeout=10).status_code)
        time.sleep(0.5)
        statuses.append(requests.get(proxy.base_url + PATH, timeout=10).status_code)
    assert statuses == [200, 200, 200]
    assert site.connections == 2  # kept alive, then closed after 0.3 s idle


def _second_request_dropped(conn: int, count: int, _request: bytes) -> tuple[bytes | None, bool]:
    """Each connection answers once, then closes on the next request without a word: a
    kept-alive connection the site gave up while the proxy held it."""
    return (OK, False) if count == 1 else (None, True)


@pytest.mark.parametrize("site", [_second_request_dropped], indirect=True)
def test_a_stale_connection_is_retried_once_for_an_idempotent_method_only(
    site: ScriptedSite,
) -> None:
    with ContractProxy(site=site.base_url, timeout=5) as proxy:
        gets = [requests.get(proxy.base_url + PATH, timeout=10).status_code for _ in range(3)]
        post = requests.post(proxy.base_url + PATH, data=b"{}", timeout=10)
        report = proxy.report()
    assert gets == [200, 200, 200]  # each reused connection failed, a fresh one answered
    assert post.status_code == 502  # a POST may have had its effect: never sent twice
    assert "closed the connection without an answer" in post.json()[CONTRACT.errors_field][0]
    assert report["run"]["proxy"]["unanswered"]["requests"] == 1
    assert sum(r.startswith(b"POST ") for r in site.requests) == 1


@pytest.mark.parametrize(
    "site",
    [
        _always(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n"),
        _always(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * MAX_HEAD + b"\r\n\r\n"),
    ],
    ids=["101", "oversized-head"],
    indirect=True,
)
def test_an_upgrade_or_an_oversized_head_is_a_502(site: ScriptedSite) -> None:
    with ContractProxy(site=site.base_url, timeout=5) as proxy:
        reply = requests.get(proxy.base_url + PATH, timeout=10)
        report = proxy.report()
    assert reply.status_code == 502
    (message,) = reply.json()[CONTRACT.errors_field]
    assert "status 101 is not a final" in message or "answer head over" in message
    assert report["run"]["proxy"]["unanswered"]["requests"] == 1


def test_the_request_head_is_the_clients_less_hop_by_hop_with_the_sites_host() -> None:
    client = Upstream("http://127.0.0.1:8080/base/")
    headers = [
        (b"x-a", b"  padded \t"),
        (b"connection", b"keep-alive"),
        (b"host", b"client.example"),
        (b"content-length", b"0"),
    ]
    assert client.head("POST", b"/p?q=%zz", headers, b"") == (
        b"POST /base/p?q=%zz HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nx-a: padded"
        b"\r\nContent-Length: 0\r\n\r\n"
    )
    assert (
        client.head("GET", b"/", [], b"") == b"GET /base/ HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"
    )


@pytest.mark.parametrize("site", [_always(OK)], indirect=True)
def test_a_site_not_on_loopback_is_reached_through_the_environments_proxy(
    site: ScriptedSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The environment's proxy (here the scripted site) gets the request in absolute form;
    the site's name is never resolved (.invalid)."""
    monkeypatch.setenv("HTTP_PROXY", "http://user:pw@" + site.base_url.split("//")[1])
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # the test's own client goes straight
    monkeypatch.delenv("no_proxy", raising=False)
    with ContractProxy(site="http://site.invalid:81", timeout=5) as proxy:
        reply = requests.get(proxy.base_url + PATH, timeout=10)
    assert (reply.status_code, reply.content) == (200, b"{}")
    (arrived,) = site.requests
    assert arrived.startswith(f"GET http://site.invalid:81{PATH} HTTP/1.1\r\n".encode())
    assert b"\r\nHost: site.invalid:81\r\n" in arrived
    assert b"\r\nProxy-Authorization: Basic dXNlcjpwdw==\r\n" in arrived


@pytest.mark.parametrize("site", [_always(b"HTTP/1.1 403 Forbidden\r\n\r\n")], indirect=True)
def test_an_https_site_is_tunnelled_and_a_refused_tunnel_is_a_502(
    site: ScriptedSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", site.base_url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # the test's own client goes straight
    monkeypatch.delenv("no_proxy", raising=False)
    with ContractProxy(site="https://site.invalid", timeout=5) as proxy:
        reply = requests.get(proxy.base_url + PATH, timeout=10)
    assert reply.status_code == 502
    assert "refused the tunnel" in json.dumps(reply.json())
    assert site.requests[0].startswith(b"CONNECT site.invalid:443 HTTP/1.1\r\n")


def test_no_proxy_and_loopback_sites_never_use_the_environments_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "site.invalid")
    assert Upstream("https://site.invalid").via is None
    assert Upstream("http://127.0.0.1:8080").via is None
    assert Upstream("https://other.invalid").via == ("127.0.0.1", 9)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (made by the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    argv = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    argv += ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
    subprocess.run(
        [*argv, "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize("trusted", [True, False], ids=["trusted", "untrusted"])
def test_an_https_site_is_reached_over_verified_tls(
    certificate: tuple[Path, Path], trusted: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = certificate
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    server = ScriptedSite(_always(OK), tls)
    threading.Thread(target=server.serve_forever, args=(STOP_POLL,), daemon=True).start()
    if trusted:  # OpenSSL's default verify paths read it: the only authority trusted here
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    try:
        with ContractProxy(site=server.base_url, timeout=5) as proxy:
            replies = [requests.get(proxy.base_url + PATH, timeout=10) for _ in range(2)]
    finally:
        server.shutdown()
        server.server_close()
    if trusted:
        assert [(r.status_code, r.content) for r in replies] == [(200, b"{}")] * 2
        assert server.connections == 1  # kept alive over TLS
    else:
        assert [r.status_code for r in replies] == [502, 502]
        assert "SSLCertVerificationError" in replies[0].json()[CONTRACT.errors_field][0]
        assert server.requests == []
