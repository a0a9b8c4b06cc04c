"""Throughput of the embedded mock next to a bare Python HTTP server and Stoplight Prism.

One client process sends sequential keep-alive ``POST /api/v2/integration/statuspage/account``
requests (the contract's reference body) from one ``requests.Session`` per server, and measures
requests per second against, in the same run:

* ``mock``    - the embedded mock (``contract.mock.MockSite``: auth, JSON-schema validation,
                state), served from its own subprocess;
* ``minimal`` - a bare ``http.server`` handler that reads the body and answers a fixed 201 JSON
                body: the floor for a Python server on loopback, also in its own subprocess;
* ``prism``   - Stoplight Prism's mock (``@stoplight/prism-cli`` from npm) serving the same
                contract file, when node and npm are available (``--no-prism`` to skip).

Rounds are interleaved (round 1 of every server, then round 2, ...) and the median of the
rounds is reported, with the ratios mock/prism and mock/minimal against the targets
(mock >= 2x Prism, mock >= 0.7x minimal). Also reported, for diagnosis: the CPU time per
request of each server process and of the client (Linux), and how many TCP connections the
client had to open (a server that answers ``Connection: close`` costs one per request).
Run ``python benchmarks/bench_mock.py --help``; see benchmarks/README.md.

The file is also the entry point of the two Python servers:
``python benchmarks/bench_mock.py --serve mock|minimal --port 0`` prints one JSON line
``{"url": ..., "headers": {...}}`` and serves until terminated.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if (REPO / "contract" / "__init__.py").is_file() and str(REPO) not in sys.path:
    # Benchmark this checkout's mock. (Run as a script, sys.path[0] is benchmarks/, and the
    # editable install's finder can then resolve ``contract`` to an empty namespace package.)
    sys.path.insert(0, str(REPO))

HOST = "127.0.0.1"
PATH = "/api/v2/integration/statuspage/account"
BODY = json.dumps(
    {
        "data": {
            "attributes": {"api_key": "00000000-0000-0000-0000-000000000000"},
            "type": "statuspage-account",
        }
    },
    separators=(",", ":"),
).encode()
#: What the minimal server answers: the contract's 201 example.
MINIMAL_RESPONSE = b'{"data":{"attributes":{"api_key":"*****"},"type":"statuspage-account"}}'

#: Targets: mock req/s divided by the other server's req/s must be at least this.
TARGETS = {"prism": 2.0, "minimal": 0.7}
#: Statuses each server may answer; anything else aborts the run.
EXPECTED = {
    "mock": {201, 409},  # the first create answers 201, every later one 409 (one per org)
    "minimal": {201},
    "prism": set(range(200, 300)),
}

PRISM_PACKAGE = "@stoplight/prism-cli@5"
CONTRACT_FILE = REPO / "contract" / "openapi.yaml"
SERVER_START_TIMEOUT = 30.0
PRISM_START_TIMEOUT = 60.0
NPM_INSTALL_TIMEOUT = 300.0
#: Untimed requests before every measured round (re-opens a connection a server closed idle).
REWARM = 20


class BenchError(Exception):
    """A reason to abort the benchmark: printed as one message, exit code 2."""


# -- the servers under test (subprocess entry points) -------------------------------------------
class _MinimalHandler(BaseHTTPRequestHandler):
    """Reads the body, answers a fixed 201 JSON body: no routing, auth or validation."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(MINIMAL_RESPONSE)))
        self.end_headers()
        self.wfile.write(MINIMAL_RESPONSE)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve(kind: str, port: int) -> int:
    """Serve one server on HOST:port until SIGTERM; announce it as one JSON line on stdout."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    from contract.mock import DEMO_API_KEY, DEMO_APP_KEY, MockSite

    # Explicit demo keys: never pick up (and print) DD_API_KEY / DD_APP_KEY. The minimal server
    # gets the same headers, so every server parses the same request.
    site = MockSite(HOST, port, api_key=DEMO_API_KEY, app_key=DEMO_APP_KEY)
    headers = site.headers()
    if kind == "minimal":
        minimal = ThreadingHTTPServer((HOST, port), _MinimalHandler)
        minimal.daemon_threads = True
        _announce(minimal.server_port, headers)
        try:
            minimal.serve_forever()
        finally:
            minimal.server_close()
    else:
        site.bind()
        _announce(site.port, headers)
        site.serve_forever()  # closes its socket when it ends
    return 0


def _announce(port: int, headers: dict[str, str]) -> None:
    print(json.dumps({"url": f"http://{HOST}:{port}", "headers": headers}), flush=True)


# -- process handling ---------------------------------------------------------------------------
@dataclass
class Server:
    name: str
    url: str
    headers: dict[str, str]
    version: str
    pid: int | None = None
    rounds: list[float] = field(default_factory=list)
    #: CPU time per request, in microseconds, of the server process and of the client, by round.
    server_cpu: list[float] = field(default_factory=list)
    client_cpu: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    #: TCP connections the client opened during the measured requests (0: all kept alive).
    connections: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.rounds)


def _stop(proc: subprocess.Popen[Any]) -> None:
    """Terminate a server's whole process group (it was started in a session of its own)."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


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


@contextlib.contextmanager
def python_server(kind: str) -> Iterator[Server]:
    """Start ``--serve KIND`` in a subprocess and wait for its announcement."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--serve", kind, "--port", "0"]
    with (
        tempfile.TemporaryFile() as log,
        _process(argv, log, stdout=subprocess.PIPE) as proc,
    ):
        assert proc.stdout is not None
        line = b""
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            if sel.select(timeout=SERVER_START_TIMEOUT):
                line = proc.stdout.readline()
        if not line:
            raise BenchError(f"the {kind} server did not start:\n{_read_log(log)}")
        info = json.loads(line)
        version = (
            f"statuspage-contract {_version('statuspage-contract')}, "
            f"Werkzeug {_version('werkzeug')}, jsonschema {_version('jsonschema')}"
            if kind == "mock"
            else f"http.server (Python {platform.python_version()})"
        )
        yield Server(kind, info["url"], info["headers"], version, pid=proc.pid)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def prism_binary(prism_dir: Path) -> Path | None:
    """Prism's CLI in ``prism_dir``, installed there with npm first when missing."""
    binary = prism_dir / "node_modules" / ".bin" / "prism"
    if binary.exists():
        return binary
    if not (shutil.which("npm") and shutil.which("node")):
        print("note: node/npm not found - skipping Prism (install Node.js to compare with it)")
        return None
    print(f"installing {PRISM_PACKAGE} into {prism_dir} (once) ...", flush=True)
    prism_dir.mkdir(parents=True, exist_ok=True)
    cmd = ["npm", "install", "--prefix", str(prism_dir), "--no-audit", "--no-fund", PRISM_PACKAGE]
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=NPM_INSTALL_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"note: npm install failed ({exc}) - skipping Prism")
        return None
    if done.returncode != 0 or not binary.exists():
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        print("note: npm install failed - skipping Prism:\n  " + "\n  ".join(tail))
        return None
    return binary


@contextlib.contextmanager
def prism_server(binary: Path, contract: Path, headers: dict[str, str]) -> Iterator[Server]:
    """``prism mock`` on a free loopback port, static examples, warnings-only logging."""
    version = subprocess.run(
        [str(binary), "--version"], capture_output=True, text=True, timeout=60, check=False
    ).stdout.strip()
    port = _free_port()
    argv = [str(binary), "mock", "-h", HOST, "-p", str(port)]
    argv += ["--errors", "false", "--dynamic", "false", "--verboseLevel", "warn", str(contract)]
    with tempfile.TemporaryFile() as log, _process(argv, log, stdout=log) as proc:
        deadline = time.monotonic() + PRISM_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise BenchError(f"prism exited with {proc.returncode}:\n{_read_log(log)}")
            with contextlib.suppress(OSError), socket.create_connection((HOST, port), 0.5):
                break
            if time.monotonic() > deadline:
                raise BenchError(f"prism did not listen within {PRISM_START_TIMEOUT:.0f} s")
            time.sleep(0.1)
        yield Server(
            "prism", f"http://{HOST}:{port}", headers, f"@stoplight/prism-cli {version}", proc.pid
        )


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


# -- measuring ----------------------------------------------------------------------------------
def _session(server: Server) -> tuple[Any, list[int]]:
    """A keep-alive session for ``server`` and a live count of the TCP connects it made."""
    import requests

    session = requests.Session()
    session.trust_env = False  # no proxies or .netrc: loopback only, and no per-request lookups
    session.headers.update(server.headers)
    session.headers["Content-Type"] = "application/json"
    connects = [0]
    manager = session.get_adapter(server.url).poolmanager  # type: ignore[attr-defined]
    pool_class = manager.pool_classes_by_scheme["http"]

    class CountingConnection(pool_class.ConnectionCls):  # type: ignore[name-defined]
        def connect(self) -> None:  # also runs when a closed connection is re-opened
            connects[0] += 1
            super().connect()

    class CountingPool(pool_class):  # type: ignore[misc,valid-type]
        ConnectionCls = CountingConnection

    manager.pool_classes_by_scheme = {**manager.pool_classes_by_scheme, "http": CountingPool}
    return session, connects


def _process_cpu(pid: int | None) -> float | None:
    """User + system CPU seconds of a process, all threads (Linux /proc; else None)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _post(session: Any, server: Server, count: int) -> float:
    """``count`` sequential POSTs; returns the seconds they took. Aborts on a wrong status."""
    url, ok, seen = server.url + PATH, EXPECTED[server.name], server.statuses
    post = session.post
    start = time.perf_counter()
    for _ in range(count):
        status = post(url, data=BODY).status_code
        if status not in ok:
            raise BenchError(
                f"{server.name} answered {status} (expected {sorted(ok)[0]}"
                f"{'-' + str(sorted(ok)[-1]) if len(ok) > 1 else ''})"
            )
        seen[status] += 1
    return time.perf_counter() - start


def _cpu() -> float:
    """This process's CPU seconds (the client; the servers run in other processes)."""
    return time.process_time()


def run(servers: list[Server], requests_: int, warmup: dict[str, int], rounds: int) -> None:
    sessions = {s.name: _session(s) for s in servers}
    try:
        for server in servers:
            _post(sessions[server.name][0], server, warmup.get(server.name, 0))
        for number in range(rounds):
            # Interleave the servers, rotating who goes first, so drift hits them alike.
            order = servers[number % len(servers) :] + servers[: number % len(servers)]
            for server in order:
                session, connects = sessions[server.name]
                _post(session, server, REWARM)
                opened, server_cpu, client_cpu = connects[0], _process_cpu(server.pid), _cpu()
                seconds = _post(session, server, requests_)
                server.connections += connects[0] - opened
                server.rounds.append(requests_ / seconds)
                server.client_cpu.append((_cpu() - client_cpu) / requests_ * 1e6)
                if server_cpu is not None and (now := _process_cpu(server.pid)) is not None:
                    server.server_cpu.append((now - server_cpu) / requests_ * 1e6)
                print(
                    f"  round {number + 1}/{rounds} {server.name:<8} "
                    f"{server.rounds[-1]:>8.0f} req/s",
                    flush=True,
                )
    finally:
        for session, _ in sessions.values():
            session.close()


# -- reporting ----------------------------------------------------------------------------------
def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def _loadavg() -> tuple[float, ...]:
    with contextlib.suppress(OSError, AttributeError):
        return tuple(round(x, 2) for x in os.getloadavg())
    return ()


def _node_version() -> str | None:
    if not shutil.which("node"):
        return None
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        return subprocess.run(
            ["node", "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout.strip()
    return None


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):.0f}" if values else "-"


def _statuses(server: Server) -> str:
    return ", ".join(f"{count}x{status}" for status, count in sorted(server.statuses.items()))


def report(servers: list[Server], args: argparse.Namespace) -> tuple[dict[str, Any], bool]:
    by_name = {s.name: s for s in servers}
    print()
    measured = args.requests * args.rounds
    print(
        f"{'server':<8} {'median req/s':>12} {'wall us/req':>11} {'server CPU':>10} "
        f"{'client CPU':>10}  {'rounds (req/s)':<20} {'new conns':>9}"
    )
    for s in servers:
        rounds = ", ".join(f"{r:.0f}" for r in s.rounds)
        print(
            f"{s.name:<8} {s.median:>12.0f} {1e6 / s.median:>11.0f} {_median(s.server_cpu):>10} "
            f"{_median(s.client_cpu):>10}  {rounds:<20} {s.connections:>9}"
        )
    print(
        f"(CPU columns: median us of CPU per request, all threads; {measured} measured requests "
        "per server; new conns: TCP connections the client had to open while measuring)"
    )
    print("statuses: " + "; ".join(f"{s.name} {_statuses(s)}" for s in servers))
    if any(s.connections > args.rounds for s in servers):
        print("note: a server answering 'Connection: close' costs a new TCP connection a request")
    print()
    targets: dict[str, Any] = {}
    missed = False
    mock = by_name["mock"]
    for other, minimum in TARGETS.items():
        if other not in by_name:
            targets[other] = {"target": minimum, "ratio": None, "result": "SKIP"}
            print(f"mock/{other:<8}      -   (target >= {minimum}x)  SKIP (not measured)")
            continue
        ratio = mock.median / by_name[other].median
        result = "PASS" if ratio >= minimum else "FAIL"
        missed |= result == "FAIL"
        targets[other] = {"target": minimum, "ratio": round(ratio, 3), "result": result}
        print(f"mock/{other:<8} {ratio:>6.2f}x  (target >= {minimum}x)  {result}")
    if "minimal" in by_name and "prism" in by_name:
        ceiling = by_name["minimal"].median / by_name["prism"].median
        targets["prism"]["minimal_over_prism"] = round(ceiling, 3)
        print(
            f"(for information: minimal/prism {ceiling:.2f}x - a Python server on http.server "
            "cannot beat the minimal one, so this bounds mock/prism with this client)"
        )
    for peer in servers:
        if peer is mock or not (peer.server_cpu and mock.server_cpu):
            continue
        cpu_ratio = statistics.median(peer.server_cpu) / statistics.median(mock.server_cpu)
        targets.setdefault(peer.name, {})["server_cpu_ratio"] = round(cpu_ratio, 3)
        print(
            f"(for information: {peer.name} spends {cpu_ratio:.2f}x the mock's server CPU "
            "per request)"
        )
    results = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "cpu": _cpu_model(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "node": _node_version(),
            "loadavg_before": list(args.loadavg_before),
            "loadavg_after": list(_loadavg()),
        },
        "versions": {
            name: _version(name)
            for name in ("statuspage-contract", "werkzeug", "jsonschema", "requests", "urllib3")
        },
        "config": {
            "requests": args.requests,
            "warmup": args.warmup,
            "prism_extra_warmup": args.prism_warmup,
            "rounds": args.rounds,
            "rewarm_per_round": REWARM,
            "prism": not args.no_prism,
        },
        "servers": {
            s.name: {
                "url": s.url,
                "version": s.version,
                "median_rps": round(s.median, 1),
                "rounds_rps": [round(r, 1) for r in s.rounds],
                "server_cpu_us_per_request": [round(c, 1) for c in s.server_cpu],
                "client_cpu_us_per_request": [round(c, 1) for c in s.client_cpu],
                "statuses": {str(k): v for k, v in sorted(s.statuses.items())},
                "connections_opened": s.connections,
            }
            for s in servers
        },
        "targets": targets,
    }
    return results, missed


# -- command line -------------------------------------------------------------------------------
def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _default_prism_dir() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "statuspage-contract" / "prism"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Requests/second of the embedded mock vs a minimal http.server and Prism.",
    )
    parser.add_argument(
        "--requests", type=_positive, default=2000, help="measured POSTs a round (%(default)s)"
    )
    parser.add_argument(
        "--warmup", type=_count, default=200, help="untimed POSTs first (%(default)s)"
    )
    parser.add_argument(
        "--rounds", type=_positive, default=3, help="rounds; the median counts (%(default)s)"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument("--no-prism", action="store_true", help="skip Stoplight Prism")
    parser.add_argument(
        "--prism-warmup",
        type=_count,
        default=3000,
        help="extra untimed POSTs for Prism, whose JIT (node) needs ~2,000 to settle (%(default)s)",
    )
    parser.add_argument(
        "--prism-dir",
        type=Path,
        default=_default_prism_dir(),
        help="where Prism is (or gets) npm-installed (default: %(default)s)",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--serve", choices=["mock", "minimal"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        return _serve(args.serve, args.port)
    print(
        f"{args.rounds} round(s) x {args.requests} sequential keep-alive POST {PATH} "
        f"(after {args.warmup} warm-up, Prism {args.prism_warmup} more) on {HOST}; "
        f"{os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )
    args.loadavg_before = _loadavg()
    if args.loadavg_before and args.loadavg_before[0] > 0.5:
        print(
            f"note: load average {args.loadavg_before[0]} before the run - other processes "
            "compete for the CPUs, expect noisy numbers"
        )
    prism = None if args.no_prism else prism_binary(args.prism_dir)
    try:
        with contextlib.ExitStack() as stack:
            servers = [stack.enter_context(python_server(k)) for k in ("mock", "minimal")]
            if prism is not None:
                # The mock's auth headers: Prism checks that the security scheme is present.
                headers = dict(servers[0].headers)
                try:
                    servers.append(stack.enter_context(prism_server(prism, CONTRACT_FILE, headers)))
                except BenchError as exc:
                    print(f"note: skipping Prism - {exc}")
            for s in servers:
                print(f"  {s.name:<8} {s.url}  ({s.version})")
            warmup = {s.name: args.warmup for s in servers}
            warmup["prism"] = args.warmup + args.prism_warmup
            run(servers, args.requests, warmup, args.rounds)
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
