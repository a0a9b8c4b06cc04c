"""Requests a live run sends, counted at the server: ``run --site URL`` against ``st run``.

One embedded mock (``MockSite``) is served from this process on a free loopback port; a
logging handler on the mock's loggers counts every request it answers (its access log, one
record per request, by method and path) and every one its HTTP layer refuses. Against it,
each in its own process, with the default (fast) profile:

- ``statuspage-contract run --site URL`` (read-only, the default of a live site);
- ``statuspage-contract run --site URL --allow-mutations``;
- ``st run contract/spec/openapi.yaml --checks all --url URL`` on every operation, and
  restricted to the account's path (``--include-path``): the suite may still test only the
  account, while the document also holds the URL settings.

The mock's state is reset before each run. Rounds alternate the commands; each figure is the
median of the rounds. Both runs' ratios to ``st run`` use st on every operation (the same spec and
site, as issue 27 asks; the suite tests the URL settings too); the account-only figure is
printed beside it. Wall time of each whole process. ``--check`` holds both runs to the
targets: the read-only default skips most tests on a site without an account, so the run with
``--allow-mutations`` is the one that shows what a full run costs.

Usage: python benchmarks/bench_requests.py [--rounds 3] [--json PATH] [--check]
Exit: 0 (also when a target is missed, unless --check), 1 with --check and a missed target,
2 when a command failed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "contract" / "spec" / "openapi.yaml"
BIN = Path(sys.executable).parent
#: Issue 27: the default live run's requests against st run's; the interim goal; wall time.
TARGET, INTERIM, WALL_TARGET = 0.5, 1.0, 0.5


class ServerCount(logging.Handler):
    """Counts the requests the mock answered (its access log: ``addr "METHOD PATH" status``)
    and those its HTTP layer refused, by ``METHOD PATH``."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        from statuspage_contract.spec import load_contract

        self.contract = load_contract()
        self.counting = threading.Lock()  # not `lock`: Handler.handle holds that one
        self.by_request: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.endswith(".access"):
            method, path = str(record.args[1]), str(record.args[2])  # type: ignore[index]
            op = self.contract.operation_at(method, path)
            what = op.label if op is not None else f"{method} {path} (no operation)"
        elif record.name.endswith(".http") and record.getMessage().startswith("refused"):
            what = "refused by the HTTP layer"
        else:
            return
        with self.counting:
            self.by_request[what] += 1

    def take(self) -> Counter[str]:
        with self.counting:
            counts, self.by_request = self.by_request, Counter()
        return counts


def measure(cmd: list[str], env: dict[str, str], cwd: Path, ok: tuple[int, ...]) -> float:
    """The wall time of one whole process; exits 2 when it fails."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        wall = time.perf_counter() - start
        if proc.returncode not in ok:
            out.seek(0)
            tail = out.read().decode("utf-8", "replace")[-2000:]
            print(f"{' '.join(cmd[:4])} ... exited {proc.returncode}:\n{tail}", file=sys.stderr)
            raise SystemExit(2)
    return wall


def verdict(value: float, target: float) -> str:
    return "PASS" if value <= target else "MISS"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds (median)")
    parser.add_argument("--json", type=Path, help="also write every number here as JSON")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    from statuspage_contract.mock.server import MockSite
    from statuspage_contract.report.format import JSON_NAME
    from statuspage_contract.spec import load_contract

    keys = (secrets.token_hex(16), secrets.token_hex(20))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DD_", "HYPOTHESIS_"))}
    env.update({"DD_API_KEY": keys[0], "DD_APP_KEY": keys[1], "CI": ""})
    os.environ.update({"DD_API_KEY": keys[0], "DD_APP_KEY": keys[1]})  # the mock's keys
    counter = ServerCount()
    mock_log = logging.getLogger("statuspage_contract.mock")
    mock_log.addHandler(counter)
    mock_log.setLevel(logging.INFO)
    mock_log.propagate = False
    site = MockSite("127.0.0.1", 0)
    site.start()
    url = site.base_url
    account = load_contract().account_path
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-requests-") as tmp:
        scratch = Path(tmp)
        env["XDG_CACHE_HOME"] = str(scratch / "cache")
        run = [str(BIN / "statuspage-contract"), "run", "--site", url]
        run += ["--report-dir", str(scratch / "reports")]
        st = [str(BIN / "st"), "run", str(CONTRACT), "--url", url, "--checks", "all"]
        st += ["-H", f"DD-API-KEY: {keys[0]}", "-H", f"DD-APPLICATION-KEY: {keys[1]}"]
        # run: 0 holds, 1 violated, 3 incomplete (read-only cannot exercise every rule);
        # st: 0 or 1 (a finding is no failure of the benchmark)
        commands = {
            "run (read-only)": (run, (0, 1, 3)),
            "run --allow-mutations": ([*run, "--allow-mutations"], (0, 1, 3)),
            "st run (all operations)": (st, (0, 1)),
            "st run (account only)": ([*st, "--include-path", account], (0, 1)),
        }
        rows: dict[str, list[dict[str, Any]]] = {name: [] for name in commands}
        try:
            for i in range(args.rounds):
                order = list(commands)
                order = order[i % len(order) :] + order[: i % len(order)]
                for name in order:
                    cmd, ok = commands[name]
                    site.reset()
                    counter.take()
                    wall = measure(cmd, env, scratch, ok)
                    time.sleep(0.2)  # the last answer's log record
                    counts = counter.take()
                    row = {"requests": sum(counts.values()), "wall_s": wall, "by": dict(counts)}
                    if cmd[:2] == run[:2]:  # what the run's own report counted
                        own = json.loads((scratch / "reports" / JSON_NAME).read_text())
                        row["reported"] = own["run"]["request_counts"]
                    rows[name].append(row)
                print(
                    f"round {i + 1}: "
                    + ", ".join(f"{n} {rows[n][-1]['requests']}" for n in commands),
                    flush=True,
                )
        finally:
            site.stop()
    load_after = os.getloadavg()

    median = {
        name: {key: statistics.median(r[key] for r in got) for key in ("requests", "wall_s")}
        for name, got in rows.items()
    }
    st_all = median["st run (all operations)"]
    print(f"\nmedian of {args.rounds} rounds           requests   wall s   requests / st (all)")
    for name, m in median.items():
        share = m["requests"] / st_all["requests"]
        print(f"{name:30} {m['requests']:9.0f} {m['wall_s']:8.2f}   {share:.2f}x")
    ratios: dict[str, dict[str, float]] = {}
    print(
        f"\nagainst st run on every operation (targets: requests <= {TARGET}x, interim "
        f"<= {INTERIM}x; wall <= {WALL_TARGET}x):"
    )
    for name in ("run (read-only)", "run --allow-mutations"):
        m = median[name]
        requests = m["requests"] / st_all["requests"]
        wall = m["wall_s"] / st_all["wall_s"]
        ratios[name] = {"requests": requests, "wall": wall}
        print(
            f"  {name:24} requests {requests:.2f}x {verdict(requests, TARGET)} "
            f"(interim {verdict(requests, INTERIM)}), wall {wall:.2f}x {verdict(wall, WALL_TARGET)}"
        )
    print("\nas the runs' reports count them (run.request_counts), median:")
    for name in ("run (read-only)", "run --allow-mutations"):
        total = statistics.median(r["reported"]["total"] for r in rows[name])
        control = statistics.median(r["reported"]["state_control"] for r in rows[name])
        print(f"  {name:24} {total:.0f} requests ({control:.0f} state control)")
    last = rows["run --allow-mutations"][-1]["by"]
    print("\nrun --allow-mutations, last round, by request:")
    for what, n in sorted(last.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  {n:6} {what}")
    print(
        f"\nload average (1/5/15 min): before {' '.join(f'{x:.2f}' for x in load_before)}, "
        f"after {' '.join(f'{x:.2f}' for x in load_after)}; {os.cpu_count()} CPUs"
    )
    if args.json:
        result = {
            "rounds": rows,
            "median": median,
            "ratios": ratios,
            "targets": {"requests": TARGET, "interim": INTERIM, "wall": WALL_TARGET},
            "load_before": load_before,
            "load_after": load_after,
            "machine": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
                "schemathesis": version("schemathesis"),
                "hypothesis": version("hypothesis"),
            },
        }
        args.json.write_text(json.dumps(result, indent=2))
    missed = any(r["requests"] > TARGET or r["wall"] > WALL_TARGET for r in ratios.values())
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
