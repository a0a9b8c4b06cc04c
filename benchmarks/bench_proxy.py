"""Overhead of the contract-checking proxy: requests per second against the embedded mock,
direct and through ``statuspage-contract proxy``, side by side in one run.

The mock (``statuspage-contract serve``) and the proxy (``statuspage-contract proxy --site
URL-of-that-mock``) run in processes of their own; ``wrk`` (a C load generator) sends the
contract's reference ``POST /api/v2/integration/statuspage/account`` with the mock's keys over
1, then 16 keep-alive connections, first to the mock, then to the proxy, in interleaved rounds
(the medians count). The mock answers 201 once, then 409: every proxied answer is judged by
the response rules and the sequence rules. At the end the proxy is stopped with SIGINT and its
report must count every request it forwarded. Target: proxied >= 0.5x direct.

A third server, ``bare_forwarder.py``, is measured in the same rounds: the proxy's own stack
(uvicorn + the proxy's aiohttp client, one process) forwarding with no judging at all, the
floor any proxy on this stack starts from. Each row also gives the CPU each request costs the
mock, the forwarder, the proxy and wrk itself (wrk's from the children's rusage). With
``--lean`` a fourth, ``bare_forwarder.py URL PORT lean``, forwards with a minimal upstream client
(asyncio + httptools) instead of aiohttp: what the upstream client costs.
Without wrk a slower Python client is used and the run says so. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from load import BODY, CONNECTIONS, HOST, PATH, group_cpu, threaded_posts, wrk_figures

HERE = Path(__file__).resolve().parent
TARGET = 0.5  # proxied req/s / direct req/s
KEYS = {
    "DD_API_KEY": f"bench{secrets.token_hex(12)}",
    "DD_APP_KEY": f"bench{secrets.token_hex(16)}",
}
HEADERS = {
    "DD-API-KEY": KEYS["DD_API_KEY"],
    "DD-APPLICATION-KEY": KEYS["DD_APP_KEY"],
    "Content-Type": "application/json",
}


def _children_cpu() -> float:
    """User + system CPU seconds of this process's finished children (wrk)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _wait(port: int, proc: subprocess.Popen[Any], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"a server exited early ({proc.args!r})")
        with contextlib.suppress(OSError):
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/")
            conn.getresponse().read()
            conn.close()
            return
        time.sleep(0.1)
    raise SystemExit(f"a server did not start ({proc.args!r})")


@contextlib.contextmanager
def _server(argv: list[str], port: int) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **KEYS},
        start_new_session=True,
    )
    try:
        _wait(port, proc)
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=15)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def wrk(url: str, conns: int, seconds: float, script: Path) -> tuple[float, int]:
    argv = ["wrk", "-t1", f"-c{conns}", f"-d{seconds:g}s", "-s", str(script), url + PATH]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60).stdout
    figures = wrk_figures(out)
    if figures is None:
        raise SystemExit(f"wrk failed:\n{out}")
    return figures


def python_client(url: str, conns: int, seconds: float, _script: Path) -> tuple[float, int]:
    """Without wrk: one keep-alive http.client connection per thread."""
    return threaded_posts(int(url.rsplit(":", 1)[1]), HEADERS, conns, seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON")
    parser.add_argument("--check", action="store_true", help="exit 1 below the target")
    parser.add_argument(
        "--lean", action="store_true", help="also measure the forwarder with a minimal client"
    )
    args = parser.parse_args(argv)
    driver = wrk if shutil.which("wrk") else python_client
    client = "wrk -t1" if driver is wrk else "python http.client (wrk not installed)"
    cli = [sys.executable, "-m", "statuspage_contract.cli"]
    mock_port, proxy_port, bare_port, lean_port = (_free_port() for _ in range(4))
    work = Path(tempfile.mkdtemp(prefix="bench-proxy-"))
    script = work / "post.lua"
    script.write_text(
        'wrk.method = "POST"\nwrk.body = '
        + json.dumps(BODY)
        + "\n"
        + "".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}\n" for k, v in HEADERS.items())
    )
    names = ("direct", "bare", "lean", "proxied") if args.lean else ("direct", "bare", "proxied")
    results: dict[str, dict[int, list[float]]] = {name: {} for name in names}
    #: server CPU microseconds per request: the mock's (direct), the bare forwarder's, the proxy's
    cpu: dict[str, dict[int, list[float]]] = {name: {} for name in names}
    wrk_cpu: dict[int, list[float]] = {}  # the load generator's own, over every round
    errors = 0
    sent = 0
    mock_argv = [*cli, "serve", "--port", str(mock_port)]
    upstream = f"http://{HOST}:{mock_port}"
    proxy_argv = [*cli, "proxy", "--site", upstream, "--port", str(proxy_port)]
    proxy_argv += ["--report-dir", str(work / "reports")]
    bare_argv = [sys.executable, str(HERE / "bare_forwarder.py"), upstream, str(bare_port)]
    lean_argv = [*bare_argv[:-1], str(lean_port), "lean"]
    with contextlib.ExitStack() as stack:
        mock = stack.enter_context(_server(mock_argv, mock_port))
        proxy = stack.enter_context(_server(proxy_argv, proxy_port))
        bare = stack.enter_context(_server(bare_argv, bare_port))
        ports = {"direct": mock_port, "bare": bare_port, "proxied": proxy_port}
        groups = {"direct": mock.pid, "bare": bare.pid, "proxied": proxy.pid}
        if args.lean:
            ports["lean"], groups["lean"] = (
                lean_port,
                stack.enter_context(_server(lean_argv, lean_port)).pid,
            )
        urls = {name: f"http://{HOST}:{ports[name]}" for name in names}
        for conns in CONNECTIONS:
            for url in urls.values():  # warm-up, untimed
                driver(url, conns, 1.0, script)
            for round_ in range(args.rounds):
                order = list(urls.items())[:: 1 if round_ % 2 == 0 else -1]
                for name, url in order:
                    before = group_cpu(groups[name])
                    before_wrk = _children_cpu()
                    rps, bad = driver(url, conns, args.duration, script)
                    count = max(rps * args.duration, 1)
                    per = (group_cpu(groups[name]) - before) / count * 1e6
                    cpu[name].setdefault(conns, []).append(per)
                    wrk_cpu.setdefault(conns, []).append(
                        (_children_cpu() - before_wrk) / count * 1e6
                    )
                    results[name].setdefault(conns, []).append(rps)
                    errors += bad
                    if name == "proxied":
                        sent += int(rps * args.duration)
        os.killpg(proxy.pid, signal.SIGINT)
        proxy.communicate(timeout=60)
    report = json.loads((work / "reports" / "contract-report.json").read_text())
    forwarded = report["run"]["proxy"]["forwarded"]
    judged = report["run"]["proxy"]["judged"]
    outside = report["run"]["proxy"]["outside_contract"]["requests"]  # the readiness probe
    load = os.getloadavg()
    summary: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_version()}",
        "load_average_1m_at_end": round(load[0], 2),
        "client": client,
        "duration_s": args.duration,
        "rounds": args.rounds,
        "results": {},
        "proxy_forwarded": forwarded,
        "proxy_judged": judged,
        "proxy_verdict": report["decision"]["verdict"],
        "errors": errors,
    }
    print(f"machine: {summary['machine']}; load average (1 min) at end: {load[0]:.2f}")
    print(f"client: {client}; {args.rounds} rounds x {args.duration:g} s, medians")
    print("req/s: direct (the mock), bare (forwarder, no judging), proxied; CPU us/req")
    extra = ["lean"] if args.lean else []
    head = f"{'conns':>5}  {'direct':>7}  {'bare':>6}  {'proxied':>7}  {'bare/d':>6}  {'prox/d':>6}"
    head += f"  {'mock CPU':>8}  {'bare CPU':>8}  {'proxy CPU':>9}  {'wrk CPU':>7}  target"
    print(head + "".join(f"  {'lean':>6}  {'lean/d':>6}  {'lean CPU':>8}" for _ in extra))
    ok = True
    for conns in CONNECTIONS:
        rate = {name: statistics.median(results[name][conns]) for name in names}
        per = {name: statistics.median(cpu[name][conns]) for name in names}
        ratio, bare_ratio = rate["proxied"] / rate["direct"], rate["bare"] / rate["direct"]
        per_wrk = statistics.median(wrk_cpu[conns])
        ok &= ratio >= TARGET
        summary["results"][conns] = {
            "mock_cpu_us_per_request": per["direct"],
            "direct": rate["direct"],
            "bare_forwarder": rate["bare"],
            "bare_forwarder_ratio": bare_ratio,
            "bare_forwarder_cpu_us_per_request": per["bare"],
            "proxied": rate["proxied"],
            "ratio": ratio,
            "proxy_cpu_us_per_request": per["proxied"],
            "wrk_cpu_us_per_request": per_wrk,
        }
        mark = "ok" if ratio >= TARGET else "MISSED"
        row = f"{conns:>5}  {rate['direct']:>7.0f}  {rate['bare']:>6.0f}  {rate['proxied']:>7.0f}"
        row += f"  {bare_ratio:>6.2f}  {ratio:>6.2f}  {per['direct']:>8.0f}  {per['bare']:>8.0f}"
        row += f"  {per['proxied']:>9.0f}  {per_wrk:>7.0f}  >= {TARGET} {mark:6}"
        for name in extra:
            lean_ratio = rate[name] / rate["direct"]
            row += f"  {rate[name]:>6.0f}  {lean_ratio:>6.2f}  {per[name]:>8.0f}"
            summary["results"][conns].update(
                lean_forwarder=rate[name],
                lean_forwarder_ratio=lean_ratio,
                lean_forwarder_cpu_us_per_request=per[name],
            )
        print(row)
    print(f"the proxy forwarded {forwarded} requests and judged {judged} (its report)")
    print(f"socket errors: {errors}")
    if forwarded != judged + outside or judged < sent * 0.9:
        print("the proxy's report does not count what it forwarded", file=sys.stderr)
        ok = False
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
