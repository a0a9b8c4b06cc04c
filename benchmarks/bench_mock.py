"""Throughput of the embedded mock next to Stoplight Prism and bare servers, driven by wrk.

``wrk`` (a C load generator; Debian package ``wrk``) sends the contract's reference
``POST /api/v2/integration/statuspage/account`` (a Lua script sets method, body and the key
headers) over keep-alive connections, first 1 connection, then 16, to each of these servers,
measured side by side in one run:

* ``mock``    - the embedded mock, as ``MockSite`` serves it (uvicorn + httptools + its ASGI app);
* ``prism``   - Stoplight Prism's mock (npm ``@stoplight/prism-cli``) on the same contract;
* ``stdlib``  - a bare ``http.server`` ThreadingHTTPServer answering a fixed 201;
* ``asyncio`` - a bare asyncio server answering a fixed 201;
* ``uvicorn`` - uvicorn + httptools with a trivial ASGI app (the mock's server without its app).

Rounds are interleaved (every server once, then again, the order rotating) and medians are
reported with the targets: mock >= 2.5x Prism with 1 connection and >= 5x with 16; the mock's
server CPU per request <= 0.4x Prism's. Server CPU comes from /proc (the server's whole process
group). Without wrk, a slower Python client (http.client, one thread per connection) is used
and the run says so. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import re
import selectors
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from load import (
    BODY,
    CONNECTIONS,
    HOST,
    PATH,
    default_prism_dir,
    group_cpu,
    prism_binary,
    threaded_posts,
    wrk_figures,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
#: mock req/s / prism req/s must be at least this, by connection count.
TARGET_VS_PRISM = {1: 2.5, 16: 5.0}
#: mock server CPU per request / prism's must be at most this.
TARGET_CPU_VS_PRISM = 0.4
#: Statuses a server may answer (the mock: the first create 201, then 409: one per org).
EXPECTED = {"mock": {201, 409}, "prism": set(range(200, 300))}
PYTHON_KINDS = ("mock", "stdlib", "asyncio", "uvicorn")
CONTRACT_FILE = REPO / "contract" / "spec" / "openapi.yaml"
START_TIMEOUT, PRISM_START_TIMEOUT = 30.0, 60.0
LUA = """wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
{headers}
"""


class BenchError(Exception):
    """A reason to abort the run: printed as one message, exit code 2."""


@dataclass
class Server:
    name: str
    url: str
    headers: dict[str, str]
    version: str
    pid: int
    rps: dict[int, list[float]] = field(default_factory=dict)  # by connections, per round
    cpu: dict[int, list[float]] = field(default_factory=dict)  # server CPU us/request
    errors: int = 0  # socket errors and unexpected statuses seen by the client

    def median(self, conns: int) -> float:
        return statistics.median(self.rps[conns])

    def median_cpu(self, conns: int) -> float | None:
        return statistics.median(self.cpu[conns]) if self.cpu.get(conns) else None


# -- processes ----------------------------------------------------------------------------------
def _stop(proc: subprocess.Popen[Any]) -> None:
    """Terminate a server's whole process group (it runs in a session of its own)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)


@contextlib.contextmanager
def _process(argv: list[str], log: Any, **kwargs: Any) -> Iterator[subprocess.Popen[Any]]:
    proc = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stderr=log, start_new_session=True, **kwargs
    )
    try:
        yield proc
    finally:
        _stop(proc)


def _read_log(log: Any) -> str:
    log.flush()
    log.seek(0)
    return log.read().decode(errors="replace")[-2000:]


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


@contextlib.contextmanager
def python_server(kind: str) -> Iterator[Server]:
    argv = [sys.executable, str(HERE / "bench_servers.py"), kind, "0"]
    with tempfile.TemporaryFile() as log, _process(argv, log, stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        line = b""
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            if sel.select(timeout=START_TIMEOUT):
                line = proc.stdout.readline()
        if not line:
            raise BenchError(f"the {kind} server did not start:\n{_read_log(log)}")
        info = json.loads(line)
        server = ", ".join(f"{d} {_version(d)}" for d in ("uvicorn", "httptools", "uvloop"))
        version = {
            "mock": f"statuspage-contract {_version('statuspage-contract')}, {server}",
            "uvicorn": server,
        }.get(kind, f"Python {platform.python_version()}")
        yield Server(kind, info["url"], info["headers"], version, proc.pid)


@contextlib.contextmanager
def prism_server(binary: Path, headers: dict[str, str]) -> Iterator[Server]:
    version = subprocess.run(
        [str(binary), "--version"], capture_output=True, text=True, timeout=60
    ).stdout.strip()
    with contextlib.closing(__import__("socket").socket()) as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
    argv = [str(binary), "mock", "-h", HOST, "-p", str(port), "--errors", "false"]
    argv += ["--dynamic", "false", "--verboseLevel", "warn", str(CONTRACT_FILE)]
    with tempfile.TemporaryFile() as log, _process(argv, log, stdout=log) as proc:
        deadline = time.monotonic() + PRISM_START_TIMEOUT
        while _status(f"http://{HOST}:{port}", headers) is None:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"prism did not start:\n{_read_log(log)}")
            time.sleep(0.2)
        yield Server("prism", f"http://{HOST}:{port}", headers, f"prism {version}", proc.pid)


# -- measuring ----------------------------------------------------------------------------------
def _status(url: str, headers: dict[str, str]) -> int | None:
    """One POST with Python's client: its status, or None when nothing answers."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        conn.request("POST", PATH, BODY, {**headers, "Content-Type": "application/json"})
        return conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()


def _lua(headers: dict[str, str]) -> str:
    lines = "\n".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items())
    return LUA.format(body=json.dumps(BODY), headers=lines)


_WRK_TOTAL = re.compile(r"(\d+) requests in")
_WRK_NON2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")


def wrk(server: Server, conns: int, seconds: int, script: Path) -> tuple[float, int]:
    """req/s and the number of bad answers (socket errors; non-2xx unless 409 is expected)."""
    argv = ["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "-s", str(script), server.url + PATH]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60).stdout
    figures = wrk_figures(out)
    if figures is None:
        raise BenchError(f"wrk failed against {server.name}:\n{out}")
    rps, bad = figures
    non2xx = int(m.group(1)) if (m := _WRK_NON2XX.search(out)) else 0
    if server.name != "mock":  # the mock answers 409 after the first create, by design
        bad += non2xx
    return rps, bad


def python_client(server: Server, conns: int, seconds: int, _script: Path) -> tuple[float, int]:
    """Fallback without wrk: one keep-alive http.client connection per thread."""
    port = int(server.url.rsplit(":", 1)[1])
    headers = {**server.headers, "Content-Type": "application/json"}
    allowed = EXPECTED.get(server.name, {201})
    return threaded_posts(port, headers, conns, seconds, lambda status: status in allowed)


def run(servers: list[Server], args: argparse.Namespace, driver: Any, script: Path) -> None:
    for server in servers:
        status = _status(server.url, server.headers)
        if status not in EXPECTED.get(server.name, {201}):
            raise BenchError(f"{server.name} answered {status} to the reference POST")
    for conns in CONNECTIONS:
        for server in servers:  # warm up (node's JIT needs much longer than CPython)
            warm = args.warmup + (args.prism_warmup if server.name == "prism" else 0)
            driver(server, conns, warm, script)
            server.rps[conns], server.cpu[conns] = [], []
        for number in range(args.rounds):
            order = servers[number % len(servers) :] + servers[: number % len(servers)]
            for server in order:
                before = group_cpu(server.pid)
                rps, bad = driver(server, conns, args.duration, script)
                used = group_cpu(server.pid) - before
                server.errors += bad
                server.rps[conns].append(rps)
                server.cpu[conns].append(used / (rps * args.duration) * 1e6)
                print(
                    f"  {conns:>2} conn  round {number + 1}/{args.rounds}  {server.name:<8}"
                    f"{rps:>9.0f} req/s  {server.cpu[conns][-1]:>5.0f} us CPU/req",
                    flush=True,
                )


# -- reporting ----------------------------------------------------------------------------------
def report(servers: list[Server], args: argparse.Namespace) -> tuple[dict[str, Any], bool]:
    by_name = {s.name: s for s in servers}
    mock, prism = by_name["mock"], by_name.get("prism")
    print()
    print(f"{'server':<8} {'conns':>5} {'median req/s':>12} {'server CPU us/req':>17}  rounds")
    for conns in CONNECTIONS:
        for s in servers:
            rounds = ", ".join(f"{r:.0f}" for r in s.rps[conns])
            cpu = s.median_cpu(conns)
            print(
                f"{s.name:<8} {conns:>5} {s.median(conns):>12.0f} "
                f"{(f'{cpu:.0f}' if cpu is not None else '-'):>17}  {rounds}"
            )
    print()
    targets: dict[str, Any] = {}
    missed = False
    for conns in CONNECTIONS:
        for other in servers:
            if other is mock:
                continue
            ratio = mock.median(conns) / other.median(conns)
            line = f"mock/{other.name:<8} {conns:>2} conn  {ratio:>6.2f}x req/s"
            if other is prism:
                goal = TARGET_VS_PRISM[conns]
                ok = ratio >= goal
                missed |= not ok
                targets[f"req/s vs prism, {conns} conn"] = {
                    "ratio": round(ratio, 3),
                    "target": f">= {goal}",
                    "result": "PASS" if ok else "FAIL",
                }
                line += f"  (target >= {goal}x)  {'PASS' if ok else 'FAIL'}"
            print(line)
        if prism is not None:
            mine, theirs = mock.median_cpu(conns), prism.median_cpu(conns)
            if mine and theirs:
                cpu_ratio = mine / theirs
                ok = cpu_ratio <= TARGET_CPU_VS_PRISM
                missed |= not ok
                targets[f"CPU vs prism, {conns} conn"] = {
                    "ratio": round(cpu_ratio, 3),
                    "target": f"<= {TARGET_CPU_VS_PRISM}",
                    "result": "PASS" if ok else "FAIL",
                }
                print(
                    f"mock/prism    {conns:>2} conn  {cpu_ratio:>6.2f}x server CPU per request "
                    f"(target <= {TARGET_CPU_VS_PRISM}x)  {'PASS' if ok else 'FAIL'}"
                )
    if prism is None:
        print("(Prism not measured: the targets against it are not judged)")
    if any(s.errors for s in servers):
        print("errors: " + ", ".join(f"{s.name} {s.errors}" for s in servers if s.errors))
        missed = True
    load = [round(x, 2) for x in os.getloadavg()]
    results = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "loadavg_before": list(args.loadavg_before),
            "loadavg_after": load,
        },
        "client": args.client,
        "config": {k: getattr(args, k) for k in ("duration", "rounds", "warmup", "prism_warmup")},
        "servers": {
            s.name: {
                "version": s.version,
                "median_rps": {c: round(s.median(c), 1) for c in CONNECTIONS},
                "rounds_rps": {c: [round(r, 1) for r in s.rps[c]] for c in CONNECTIONS},
                "server_cpu_us_per_request": {
                    c: [round(x, 1) for x in s.cpu[c]] for c in CONNECTIONS
                },
                "errors": s.errors,
            }
            for s in servers
        },
        "targets": targets,
    }
    print(f"load average before {args.loadavg_before}, after {load} (2 CPUs are easily shared)")
    return results, missed


# -- command line -------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=3, help="seconds a round (%(default)s)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; medians count (%(default)s)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed seconds (%(default)s)")
    parser.add_argument(
        "--prism-warmup", type=int, default=10, help="more for Prism's JIT (%(default)s)"
    )
    parser.add_argument("--no-prism", action="store_true", help="leave Prism out")
    parser.add_argument(
        "--only", nargs="+", choices=PYTHON_KINDS, help="Python servers to run (default: all)"
    )
    parser.add_argument("--prism-dir", type=Path, default=default_prism_dir())
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if min(args.rounds, args.duration, args.warmup) < 1 or args.prism_warmup < 0:
        parser.error("--rounds, --duration and --warmup must be at least 1 (whole seconds)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    driver = wrk if shutil.which("wrk") else python_client
    args.client = "wrk -t1" if driver is wrk else "python http.client (wrk not installed)"
    if driver is not wrk:
        print("note: wrk not found (Debian: apt-get install wrk) - using a slower Python client")
    args.loadavg_before = [round(x, 2) for x in os.getloadavg()]
    print(
        f"{args.rounds} rounds x {args.duration:g} s a server, 1 then 16 keep-alive connections, "
        f"client {args.client}; {os.cpu_count()} CPUs, load average {args.loadavg_before}"
    )
    kinds = ["mock", *[k for k in (args.only or PYTHON_KINDS) if k != "mock"]]
    prism = None if args.no_prism else prism_binary(args.prism_dir)
    try:
        with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
            servers = [stack.enter_context(python_server(k)) for k in kinds]
            if prism is not None:
                try:
                    servers.append(stack.enter_context(prism_server(prism, servers[0].headers)))
                except BenchError as exc:
                    print(f"note: skipping Prism - {exc}")
            for s in servers:
                print(f"  {s.name:<8} {s.url}  ({s.version})")
            script = Path(tmp) / "post.lua"
            script.write_text(_lua(servers[0].headers))
            run(servers, args, driver, script)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    results, missed = report(servers, args)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"results written to {args.json}")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
