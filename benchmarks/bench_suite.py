"""Property-based cases per second: the contract suite versus ``schemathesis run``.

Both hit the same embedded mock, served in its own process on 127.0.0.1, in one run:

- the suite: ``statuspage-contract run --site URL --allow-mutations -k test_properties``
  with ``--examples N`` per property (3 properties); its cases are the generated
  requests judged by Schemathesis' built-in checks (counted from the report);
- the CLI: ``schemathesis run contract/openapi.yaml --checks all --max-examples N
  --generation-database none`` with the same keys; its cases are the "Test cases: N generated"
  of its summary.

Rates use each tool's own elapsed time (the suite's report duration, the CLI's "in X.XXs"),
and also wall time including start-up. A suite case does more than a CLI case: it resets the
account (DELETE, and a GET to verify it), sends the case, and for valid bodies sends it again
(409) and GETs to prove nothing changed — so requests per second are reported too.

Usage: python benchmarks/bench_suite.py [--rounds 3] [--max-examples 100] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "contract" / "openapi.yaml"
TARGET_RATIO = 1.5


def serve(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    cmd = [sys.executable, "-m", "contract.cli", "serve", "--port", "0", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    url = proc.stdout.readline().split()[-1]
    if not url.startswith("http://127.0.0.1:"):
        proc.kill()
        raise SystemExit(f"the mock did not start: {url!r}")
    return proc, url


def run_suite(url: str, env: dict[str, str], workdir: Path, examples: int) -> dict[str, float]:
    report_dir = workdir / "suite-report"
    cmd = [
        sys.executable, "-m", "contract.cli", "run", "--site", url, "--allow-mutations",
        "--profile", "fast", "--examples", str(examples), "--request-budget", "0",
        "-k", "test_properties", "--report-dir", str(report_dir),
    ]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=workdir)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"the suite failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    report = json.loads((report_dir / "contract-report.json").read_text())
    check = report["rules"]["schemathesis:not_a_server_error"]
    return {
        "cases": check["passed"] + check["failed"],
        "requests": report["run"]["requests"],
        "elapsed": report["run"]["duration_seconds"],
        "wall": wall,
    }


def run_cli(
    url: str, env: dict[str, str], keys: tuple[str, str], max_examples: int
) -> dict[str, float]:
    exe = Path(sys.executable).with_name("schemathesis")
    cmd = [
        str(exe), "run", str(CONTRACT), "--url", url, "--checks", "all",
        "--max-examples", str(max_examples), "--generation-database", "none",
        "-H", f"DD-API-KEY: {keys[0]}", "-H", f"DD-APPLICATION-KEY: {keys[1]}",
    ]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
    wall = time.perf_counter() - start
    out = done.stdout + done.stderr
    cases = re.search(r"(\d+) generated", out)
    elapsed = re.search(r" in ([0-9.]+)s =+\s*$", out.strip(), re.MULTILINE)
    if not cases or not elapsed:
        raise SystemExit(f"could not read the CLI's summary:\n{out[-2000:]}")
    return {"cases": int(cases.group(1)), "elapsed": float(elapsed.group(1)), "wall": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--max-examples",
        type=int,
        default=100,
        help="examples per operation (CLI --max-examples) and per property (suite --examples)",
    )
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    args = parser.parse_args()

    keys = (secrets.token_hex(16), secrets.token_hex(20))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    env.update({"DD_API_KEY": keys[0], "DD_APP_KEY": keys[1], "CI": ""})
    rows: dict[str, list[dict[str, float]]] = {"suite": [], "cli": []}
    proc, url = serve(env)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(args.rounds):
                rows["suite"].append(run_suite(url, env, Path(tmp), args.max_examples))
                rows["cli"].append(run_cli(url, env, keys, args.max_examples))
                s, c = rows["suite"][-1], rows["cli"][-1]
                print(
                    f"round {i + 1}: suite {s['cases']:.0f} cases / {s['elapsed']:.2f}s "
                    f"({s['requests']:.0f} requests); cli {c['cases']:.0f} cases / "
                    f"{c['elapsed']:.2f}s",
                    flush=True,
                )
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    def median(tool: str, num: str, den: str) -> float:
        return statistics.median(r[num] / r[den] for r in rows[tool])

    result = {
        "suite_cases_per_s": median("suite", "cases", "elapsed"),
        "suite_requests_per_s": median("suite", "requests", "elapsed"),
        "suite_cases_per_s_wall": median("suite", "cases", "wall"),
        "cli_cases_per_s": median("cli", "cases", "elapsed"),
        "cli_cases_per_s_wall": median("cli", "cases", "wall"),
        "rounds": rows,
    }
    ratio = result["suite_cases_per_s"] / result["cli_cases_per_s"]
    ratio_wall = result["suite_cases_per_s_wall"] / result["cli_cases_per_s_wall"]
    result |= {"ratio": ratio, "ratio_wall": ratio_wall, "target": TARGET_RATIO}
    print(
        f"suite: {result['suite_cases_per_s']:.1f} cases/s "
        f"({result['suite_requests_per_s']:.0f} requests/s), "
        f"wall {result['suite_cases_per_s_wall']:.1f}"
    )
    print(
        f"cli:   {result['cli_cases_per_s']:.1f} cases/s, wall {result['cli_cases_per_s_wall']:.1f}"
    )
    verdict = "PASS" if ratio >= TARGET_RATIO else "MISS"
    print(
        f"ratio suite/cli: {ratio:.2f}x (wall {ratio_wall:.2f}x); "
        f"target >= {TARGET_RATIO}x: {verdict}"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
