"""What the throughput benchmarks share: the request they send, wrk's output, process CPU,
Prism (installed with npm into a cache folder).

Imported by ``bench_mock.py`` and ``bench_proxy.py`` (run as scripts from this folder).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

HOST = "127.0.0.1"
#: The contract's one path and its reference create body (benchmarks send them as they are).
PATH = "/api/v2/integration/statuspage/account"
BODY = (
    '{"data":{"attributes":{"api_key":"00000000-0000-0000-0000-000000000000"},'
    '"type":"statuspage-account"}}'
)
#: Concurrent connections each measurement uses.
CONNECTIONS = (1, 16)

#: Stoplight Prism, the peer both benchmarks compare with (npm-installed on first use).
PRISM_PACKAGE = "@stoplight/prism-cli@5"
NPM_TIMEOUT = 300.0

WRK_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def wrk_figures(out: str) -> tuple[float, int] | None:
    """Requests per second and socket errors from wrk's output; None when it has no rate."""
    rps = WRK_RPS.search(out)
    if not rps:
        return None
    errors = WRK_ERRORS.search(out)
    return float(rps.group(1)), sum(map(int, errors.groups())) if errors else 0


def group_cpu(pgid: int) -> float:
    """User + system CPU seconds of every process in a process group (Linux /proc)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def threaded_posts(
    port: int,
    headers: Mapping[str, str],
    conns: int,
    seconds: float,
    expected: Callable[[int], bool] = lambda status: True,
) -> tuple[float, int]:
    """The fallback without wrk: the reference POST on one keep-alive ``http.client``
    connection per thread, for ``seconds``. Requests per second and answers not ``expected``."""
    counts, bad, stop = [0] * conns, [0] * conns, time.monotonic() + seconds

    def loop(index: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        while time.monotonic() < stop:
            conn.request("POST", PATH, BODY, dict(headers))
            response = conn.getresponse()
            response.read()
            bad[index] += not expected(response.status)
            counts[index] += 1
        conn.close()

    start = time.monotonic()
    threads = [threading.Thread(target=loop, args=(i,)) for i in range(conns)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - start), sum(bad)


def default_prism_dir() -> Path:
    """Where Prism is (or gets) npm-installed: a cache folder of this toolkit."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "statuspage-contract" / "prism"


def prism_binary(prism_dir: Path) -> Path | None:
    """Prism's CLI in ``prism_dir``, npm-installed there first when missing."""
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
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=NPM_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"note: npm install failed ({exc}) - skipping Prism")
        return None
    if done.returncode != 0 or not binary.exists():
        print("note: npm install failed - skipping Prism:\n" + (done.stderr or done.stdout)[-500:])
        return None
    return binary
