"""Fast verdicts: ``statuspage-contract run`` versus ``st run``, and the quick commands' startup.

Side by side, in one run, on this machine:

- ``statuspage-contract run --site mock`` (default profile, the embedded mock in its own
  process) and ``st run contract/spec/openapi.yaml --checks all`` (Schemathesis' defaults) against
  the same embedded mock served by ``statuspage-contract serve``: wall time, CPU time (user +
  system) and peak memory (maximum resident set) of each whole process, median of the
  rounds, and the ratios against the targets (run wall <= 0.5x st run, peak memory <= 1.0x).
  The served mock's CPU during each ``st run`` is shown too (``run`` serves its mock in its
  own process, so its figures include it).
- the startup of ``--version``, ``--help``, ``sites`` and ``gate REPORT`` against 0.3 s wall.

Both tools keep a cache between runs (``run``: the per-user Hypothesis storage, here in a
scratch ``XDG_CACHE_HOME``; ``st``: ``.hypothesis/`` in its working directory, here a scratch
one): one untimed first run of each fills it and is reported apart ("cold"), then the rounds
alternate the two tools. Compiled bytecode is cached too, for both, in a scratch
``PYTHONPYCACHEPREFIX`` (``PYTHONDONTWRITEBYTECODE`` is lifted): as installed from a wheel, where
pip compiles every module, not as an editable checkout on a machine that forbids ``.pyc``
files, which would compile the toolkit's ~60 modules on every start (~0.15 s) while
Schemathesis' come precompiled.

Usage: python benchmarks/bench_suite.py [--rounds 3] [--startup-repeats 5] [--json PATH] [--check]
Exit: 0 (also when a target is missed, unless --check), 1 with --check and a missed target,
2 when a command failed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "contract" / "spec" / "openapi.yaml"
BIN = Path(sys.executable).parent
RUN_TARGET, MEMORY_TARGET, STARTUP_TARGET = 0.5, 1.0, 0.3


def measure(cmd: list[str], env: dict[str, str], cwd: Path) -> dict[str, float]:
    """Wall, CPU and peak memory of one whole process (os.wait4: that child's own rusage)."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            out.seek(0)
            tail = out.read().decode("utf-8", "replace")[-2000:]
            raise SystemExit(f"{' '.join(cmd[:3])} ... exited {proc.returncode}:\n{tail}")
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,  # kilobytes on Linux
    }


def process_cpu(pid: int) -> float:
    """CPU seconds a running process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    cmd = [str(BIN / "statuspage-contract"), "serve", "--port", "0", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    url = proc.stdout.readline().split()[-1]
    if not url.startswith("http://127.0.0.1:"):
        proc.kill()
        raise SystemExit(f"the mock did not start: {url!r}")
    return proc, url


def median_of(rows: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(row[key] for row in rows) for key in rows[0]}


def startup(cmd: list[str], env: dict[str, str], cwd: Path, repeats: int) -> float:
    walls = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, check=True)
        walls.append(time.perf_counter() - start)
    return statistics.median(walls)


def verdict(value: float, target: float) -> str:
    return "PASS" if value <= target else "MISS"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds (median)")
    parser.add_argument("--startup-repeats", type=int, default=5, help="runs per quick command")
    parser.add_argument("--json", type=Path, help="also write every number here as JSON")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    keys = (secrets.token_hex(16), secrets.token_hex(20))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DD_", "HYPOTHESIS_"))}
    env.update({"DD_API_KEY": keys[0], "DD_APP_KEY": keys[1], "CI": ""})
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-suite-") as tmp:
        scratch = Path(tmp)
        run_cwd, st_cwd = scratch / "run", scratch / "st"
        run_cwd.mkdir()
        st_cwd.mkdir()
        env["XDG_CACHE_HOME"] = str(scratch / "cache")
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
        run_cmd = [str(BIN / "statuspage-contract"), "run", "--site", "mock"]
        run_cmd += ["--report-dir", str(run_cwd / "reports")]
        server, url = serve(env)
        st_cmd = [str(BIN / "st"), "run", str(CONTRACT), "--url", url, "--checks", "all"]
        st_cmd += ["-H", f"DD-API-KEY: {keys[0]}", "-H", f"DD-APPLICATION-KEY: {keys[1]}"]
        rows: dict[str, list[dict[str, float]]] = {"run": [], "st": []}
        try:
            cold = {"run": measure(run_cmd, env, run_cwd), "st": measure(st_cmd, env, st_cwd)}
            for i in range(args.rounds):
                rows["run"].append(measure(run_cmd, env, run_cwd))
                before = process_cpu(server.pid)
                rows["st"].append(measure(st_cmd, env, st_cwd))
                rows["st"][-1]["server_cpu_s"] = process_cpu(server.pid) - before
                r, s = rows["run"][-1], rows["st"][-1]
                print(
                    f"round {i + 1}: run {r['wall_s']:.2f} s wall, {r['cpu_s']:.2f} s CPU, "
                    f"{r['peak_mb']:.0f} MB | st run {s['wall_s']:.2f} s wall, "
                    f"{s['cpu_s']:.2f} s CPU (+{s['server_cpu_s']:.2f} s mock), "
                    f"{s['peak_mb']:.0f} MB",
                    flush=True,
                )
        finally:
            server.terminate()
            server.wait(timeout=10)
        report = run_cwd / "reports" / "contract-report.json"
        cli = [str(BIN / "statuspage-contract")]
        quick = {
            "--version": [*cli, "--version"],
            "--help": [*cli, "--help"],
            "sites": [*cli, "sites"],
            "gate REPORT": [*cli, "gate", str(report)],
        }
        starts = {
            name: startup(cmd, env, scratch, args.startup_repeats) for name, cmd in quick.items()
        }
    load_after = os.getloadavg()

    run, st = median_of(rows["run"]), median_of(rows["st"])
    wall_ratio = run["wall_s"] / st["wall_s"]
    memory_ratio = run["peak_mb"] / st["peak_mb"]
    cpu_ratio = run["cpu_s"] / (st["cpu_s"] + st["server_cpu_s"])
    print(f"\nmedian of {args.rounds} rounds      wall s   CPU s   peak MB")
    print(
        f"statuspage-contract run   {run['wall_s']:7.2f} {run['cpu_s']:7.2f} {run['peak_mb']:9.0f}"
    )
    print(
        f"st run --checks all       {st['wall_s']:7.2f} {st['cpu_s']:7.2f} {st['peak_mb']:9.0f}"
        f"   (+{st['server_cpu_s']:.2f} s CPU in the served mock)"
    )
    print(
        f"first runs, cold caches:  run {cold['run']['wall_s']:.2f} s / "
        f"{cold['run']['peak_mb']:.0f} MB, st run {cold['st']['wall_s']:.2f} s / "
        f"{cold['st']['peak_mb']:.0f} MB"
    )
    print(
        f"run/st wall   {wall_ratio:.2f}x  target <= {RUN_TARGET}x: "
        f"{verdict(wall_ratio, RUN_TARGET)}"
    )
    print(
        f"run/st memory {memory_ratio:.2f}x  target <= {MEMORY_TARGET}x: "
        f"{verdict(memory_ratio, MEMORY_TARGET)}"
    )
    print(f"run/st CPU    {cpu_ratio:.2f}x  (st run's CPU with the served mock's)")
    print(f"\nstartup, median of {args.startup_repeats} (target <= {STARTUP_TARGET} s wall):")
    for name, wall in starts.items():
        print(f"  {name:12} {wall:.3f} s  {verdict(wall, STARTUP_TARGET)}")
    print(
        f"\nload average (1/5/15 min): before {' '.join(f'{x:.2f}' for x in load_before)}, "
        f"after {' '.join(f'{x:.2f}' for x in load_after)}; {os.cpu_count()} CPUs"
    )
    missed = [wall_ratio > RUN_TARGET, memory_ratio > MEMORY_TARGET]
    missed += [wall > STARTUP_TARGET for wall in starts.values()]
    if args.json:
        result: dict[str, Any] = {
            "rounds": rows,
            "cold": cold,
            "median": {"run": run, "st": st},
            "ratios": {"wall": wall_ratio, "memory": memory_ratio, "cpu": cpu_ratio},
            "startup_s": starts,
            "targets": {"wall": RUN_TARGET, "memory": MEMORY_TARGET, "startup_s": STARTUP_TARGET},
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
    return 1 if args.check and any(missed) else 0


if __name__ == "__main__":
    sys.exit(main())
