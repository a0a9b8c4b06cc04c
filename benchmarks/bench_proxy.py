"""Speed of the contract-checking proxy next to Prism's validating proxy: requests per second
against the embedded mock, direct, through ``statuspage-contract proxy`` and through ``prism
proxy``, side by side in one run.

The mock (``statuspage-contract serve``) and the proxy (``statuspage-contract proxy --site
URL-of-that-mock``) run in processes of their own; ``wrk`` (a C load generator) sends the
contract's reference ``POST /api/v2/integration/statuspage/account`` with the mock's keys over
1, then 16 keep-alive connections, first to the mock, then to the proxy, in interleaved rounds
(the medians count). The mock answers 201 once, then 409: every proxied answer is judged by
the response rules and the sequence rules. At the end the proxy is stopped with SIGINT and its
report must count every request it forwarded.

Prism's validating proxy (``prism proxy SPEC URL-of-that-mock --errors false``, npm
``@stoplight/prism-cli@5``, installed as ``bench_mock.py`` does) runs in front of the same mock
and gets the same load in the same rounds. Target: the proxy serves >= 3x Prism's proxy's
req/s with 1 and with 16 connections; the CPU each proxy spends a request is printed beside.

A third server, ``bare_forwarder.py``, is measured in the same rounds: the proxy's own stack
(uvicorn + the proxy's upstream client, one process) forwarding with no judging at all, the
floor any proxy on this stack starts from. Each row also gives the CPU each request costs the
mock, the forwarder, the proxy and wrk itself (wrk's from the children's rusage).
Without wrk (Debian: ``apt-get install wrk``) a slower Python client is used and the run says
so. ``--quick``: one short round, for a check that it all runs. See benchmarks/README.md.
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
CONTRACT_FILE = HERE.parent / "contract" / "spec" / "openapi.yaml"
TARGET = 3.0  # the proxy's req/s / Prism's proxy's req/s, with 1 and with 16 connections
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


def _wait(port: int, proc: subprocess.Popen[Any], timeout: float = 60) -> None:
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
def _server(
    argv: list[str], port: int, log: Any = subprocess.PIPE
) -> Iterator[subprocess.Popen[str]]:
    """A server in a process group of its own; its output piped (read at the end) or to ``log``
    (Prism logs as it goes: an unread pipe would stall it)."""
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=log,
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


def _prism_argv(prism: Path, upstream: str, port: int) -> list[str]:
    """Prism's validating proxy as a user would run it, logging only warnings and worse."""
    argv = [str(prism), "proxy", "-h", HOST, "-p", str(port), "--errors", "false"]
    return [*argv, "--verboseLevel", "warn", str(CONTRACT_FILE), upstream]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=3, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--prism-warmup", type=int, default=10, help="untimed s for node's JIT")
    parser.add_argument("--quick", action="store_true", help="1 round of 1 s: a short check")
    parser.add_argument("--no-prism", action="store_true", help="leave Prism's proxy out")
    parser.add_argument("--prism-dir", type=Path, default=default_prism_dir())
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON")
    parser.add_argument("--check", action="store_true", help="exit 1 below the target")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.rounds, args.prism_warmup = 1, 1, 2
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    driver = wrk if shutil.which("wrk") else python_client
    client = "wrk -t1" if driver is wrk else "python http.client (wrk not installed)"
    if driver is not wrk:
        print("note: wrk not found (Debian: apt-get install wrk) - using a slower Python client")
    prism = None if args.no_prism else prism_binary(args.prism_dir)
    cli = [sys.executable, "-m", "statuspage_contract.cli"]
    mock_port, proxy_port, bare_port, prism_port = (_free_port() for _ in range(4))
    work = Path(tempfile.mkdtemp(prefix="bench-proxy-"))
    script = work / "post.lua"
    script.write_text(
        'wrk.method = "POST"\nwrk.body = '
        + json.dumps(BODY)
        + "\n"
        + "".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}\n" for k, v in HEADERS.items())
    )
    names = ["direct", "bare", "proxied"]
    names += ["prism"] if prism else []
    results: dict[str, dict[int, list[float]]] = {name: {} for name in names}
    #: server CPU microseconds per request: the mock's (direct), each forwarder's, each proxy's
    cpu: dict[str, dict[int, list[float]]] = {name: {} for name in names}
    wrk_cpu: dict[int, list[float]] = {}  # the load generator's own, over every round
    errors = 0
    sent = 0
    mock_argv = [*cli, "serve", "--port", str(mock_port)]
    upstream = f"http://{HOST}:{mock_port}"
    proxy_argv = [*cli, "proxy", "--site", upstream, "--port", str(proxy_port)]
    proxy_argv += ["--report-dir", str(work / "reports")]
    bare_argv = [sys.executable, str(HERE / "bare_forwarder.py"), upstream, str(bare_port)]
    argvs = {"direct": mock_argv, "bare": bare_argv, "proxied": proxy_argv}
    ports = {"direct": mock_port, "bare": bare_port, "proxied": proxy_port}
    if prism:
        argvs["prism"], ports["prism"] = _prism_argv(prism, upstream, prism_port), prism_port
    loadavg_before = os.getloadavg()[0]
    with contextlib.ExitStack() as stack:
        prism_log = stack.enter_context(tempfile.TemporaryFile())
        groups = {}
        for name in names:
            log = prism_log if name == "prism" else subprocess.PIPE
            groups[name] = stack.enter_context(_server(argvs[name], ports[name], log))
        proxy = groups["proxied"]
        urls = {name: f"http://{HOST}:{ports[name]}" for name in names}
        for conns in CONNECTIONS:
            for name, url in urls.items():  # warm-up, untimed (node's JIT needs longer)
                driver(url, conns, 1 + (args.prism_warmup if name == "prism" else 0), script)
            for round_ in range(args.rounds):
                order = list(urls.items())[:: 1 if round_ % 2 == 0 else -1]
                for name, url in order:
                    before = group_cpu(groups[name].pid)
                    before_wrk = _children_cpu()
                    rps, bad = driver(url, conns, args.duration, script)
                    count = max(rps * args.duration, 1)
                    per = (group_cpu(groups[name].pid) - before) / count * 1e6
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
    shutil.rmtree(work, ignore_errors=True)
    proxy_run = report["run"]["proxy"]
    forwarded, judged = proxy_run["forwarded"], proxy_run["judged"]
    outside = proxy_run["outside_contract"]["requests"]  # the readiness probe
    load = os.getloadavg()
    summary: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_version()}",
        "load_average_1m": [round(loadavg_before, 2), round(load[0], 2)],
        "client": client,
        "duration_s": args.duration,
        "rounds": args.rounds,
        "results": {},
        "proxy_forwarded": forwarded,
        "proxy_judged": judged,
        "proxy_verdict": report["decision"]["verdict"],
        "errors": errors,
    }
    print(
        f"machine: {summary['machine']}; load average (1 min) {loadavg_before:.2f} -> {load[0]:.2f}"
    )
    print(f"client: {client}; {args.rounds} rounds x {args.duration:g} s, medians")
    print("req/s: direct (the mock), bare (forwarder, no judging), proxied, prism (Prism's proxy)")
    ok = _table(names, results, cpu, wrk_cpu, summary)
    print(f"the proxy forwarded {forwarded} requests and judged {judged} (its report)")
    print(f"socket errors: {errors}")
    if forwarded != judged + outside or judged < sent * 0.9:
        print("the proxy's report does not count what it forwarded", file=sys.stderr)
        ok = False
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return 1 if args.check and not ok else 0


def _table(
    names: list[str],
    results: dict[str, dict[int, list[float]]],
    cpu: dict[str, dict[int, list[float]]],
    wrk_cpu: dict[int, list[float]],
    summary: dict[str, Any],
) -> bool:
    """Print the medians, one row per connection count; False when the target is missed."""
    cols = [n for n in names if n != "direct"]
    head = f"{'conns':>5}  {'direct':>7}" + "".join(f"  {n:>7}" for n in cols)
    head += f"  {'prox/prism':>10}  {'prox/d':>6}  CPU us/req: {'mock':>5}"
    print(head + "".join(f"  {n:>7}" for n in cols) + f"  {'wrk':>5}  target")
    ok = "prism" in names
    for conns in CONNECTIONS:
        rate = {name: statistics.median(results[name][conns]) for name in names}
        per = {name: statistics.median(cpu[name][conns]) for name in names}
        per_wrk = statistics.median(wrk_cpu[conns])
        vs_prism = rate["proxied"] / rate["prism"] if "prism" in rate else None
        row = f"{conns:>5}  {rate['direct']:>7.0f}" + "".join(f"  {rate[n]:>7.0f}" for n in cols)
        row += f"  {(f'{vs_prism:.2f}x' if vs_prism else '-'):>10}"
        row += f"  {rate['proxied'] / rate['direct']:>6.2f}  {'':>11} {per['direct']:>5.0f}"
        row += "".join(f"  {per[n]:>7.0f}" for n in cols) + f"  {per_wrk:>5.0f}"
        if vs_prism is None:
            row += "  (Prism not measured)"
        else:
            ok &= vs_prism >= TARGET
            row += f"  >= {TARGET}x {'ok' if vs_prism >= TARGET else 'MISSED'}"
        print(row)
        summary["results"][conns] = {
            "req_per_s": {n: round(rate[n], 1) for n in names},
            "rounds_req_per_s": {n: [round(r, 1) for r in results[n][conns]] for n in names},
            "cpu_us_per_request": {n: round(per[n], 1) for n in names},
            "wrk_cpu_us_per_request": round(per_wrk, 1),
            "proxied_vs_prism": vs_prism,
            "proxied_vs_direct": rate["proxied"] / rate["direct"],
        }
    return ok


if __name__ == "__main__":
    sys.exit(main())
