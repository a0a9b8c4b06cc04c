"""The mock's memory stays bounded under a fuzz run of malformed requests with 10 MB bodies.

The mock is served by ``statuspage-contract serve`` in its own process, whose resident set
(``VmRSS``) and peak (``VmHWM``) are read from /proc. The full run of the acceptance criterion
(10,000 requests, 100 of them with a 10 MB body) is marked ``slow``; a tenth of it runs by default.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from statuspage_contract.mock import DEMO_API_KEY, DEMO_APP_KEY
from statuspage_contract.spec import load_contract

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTRACT = load_contract()
PATH = CONTRACT.account_path.encode()
TEN_MB = 10 * 1024 * 1024
RSS_LIMIT_KB = 150 * 1024

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")

AUTH = (
    f"{CONTRACT.api_key_header}: {DEMO_API_KEY}\r\n{CONTRACT.app_key_header}: {DEMO_APP_KEY}\r\n"
).encode()


def post(body: bytes, content_type: bytes = b"application/json", length: bytes | None = None):
    size = str(len(body)).encode() if length is None else length
    return (
        b"POST " + PATH + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + AUTH
        + b"Content-Type: " + content_type + b"\r\nContent-Length: " + size + b"\r\n\r\n" + body
    )  # fmt: skip


#: Small malformed requests: bad framing, bad heads, bad bodies.
SMALL: list[bytes] = [
    post(b"not json"),
    post(b'{"data": '),
    post(b'{"data": {"attributes": {}, "type": "statuspage-account"}}'),
    post(b'{"data": {"attributes": {"api_key": 7}, "type": "x"}}'),
    post(b"\xff\xfe{", content_type=b"application/json"),
    post(b"{}", content_type=b"text/plain"),
    post(b"{}", length="²".encode()),
    post(b"{}", length=b"9" * 5000),
    post(b"{}", length=b"0\r\nContent-Length: 2"),
    post(b"", length=b"999999999"),  # over the limit, no body: refused at once
    post(b"[" * 5000 + b"]" * 5000),
    b"GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",
    b"GET " + PATH + b" HTTP/2.0\r\nHost: x\r\n\r\n",
    b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nX-Big: " + b"b" * 70000 + b"\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 150 + b"\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64),
    b"DELETE " + PATH + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",  # no keys
]


def big(index: int) -> bytes:
    """A 10 MB request: invalid JSON, a valid create with a 10 MB key, or the wrong type."""
    kind = index % 3
    if kind == 0:
        return post(b'{"data": "' + b"x" * TEN_MB)
    if kind == 1:
        body = CONTRACT.with_secret(CONTRACT.request_example("POST"), "k" * TEN_MB)
        return post(json.dumps(body).encode())
    return post(b"x" * TEN_MB, content_type=b"text/plain")


def send(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)  # may be refused before we finished sending
        try:
            return sock.recv(64)
        except ConnectionResetError:
            return b""


def memory_kb(pid: int) -> dict[str, int]:
    text = Path(f"/proc/{pid}/status").read_text()
    return {k: int(v) for k, v in re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", text, re.M)}


@pytest.fixture
def served_mock() -> Iterator[tuple[int, subprocess.Popen[str]]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "statuspage_contract.cli", "serve", "--port", "0", "--quiet"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.search(r":(\d+)\s*$", first)
        assert match, first
        yield int(match.group(1)), process
    finally:
        process.kill()
        process.communicate(timeout=10)


def fuzz(port: int, total: int, big_every: int, on_big: Callable[[], None]) -> dict[bytes, int]:
    statuses: dict[bytes, int] = {}
    for index in range(total):
        if index % big_every == big_every - 1:
            answer = send(port, big(index // big_every))
            on_big()
        else:
            answer = send(port, SMALL[index % len(SMALL)])
        status = answer[9:12]
        statuses[status] = statuses.get(status, 0) + 1
    return statuses


def run_and_measure(served: tuple[int, subprocess.Popen[str]], total: int, bigs: int) -> None:
    port, process = served
    before = memory_kb(process.pid)
    samples: list[int] = []
    statuses = fuzz(
        port, total, total // bigs, lambda: samples.append(memory_kb(process.pid)["VmRSS"])
    )
    after = memory_kb(process.pid)
    report = f"before {before}, after {after}, max sampled RSS {max(samples)} kB, {statuses}"
    assert not any(s.startswith(b"5") for s in statuses), report
    assert set(statuses) <= {b"201", b"400", b"403", b"409", b"413", b"414", b"431"}, report
    assert after["VmHWM"] < RSS_LIMIT_KB, report  # the peak, not only the end
    assert after["VmRSS"] < RSS_LIMIT_KB, report
    assert send(port, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n").startswith(b"HTTP/1.1 404")
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert "Traceback" not in err and "Error" not in err, err[-2000:]


def test_memory_stays_bounded_over_1000_malformed_requests_with_10_bodies_of_10_mb(
    served_mock,
):
    run_and_measure(served_mock, 1_000, 10)


@pytest.mark.slow
def test_memory_stays_bounded_over_10000_malformed_requests_with_100_bodies_of_10_mb(
    served_mock,
):
    run_and_measure(served_mock, 10_000, 100)
