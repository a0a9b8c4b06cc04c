"""What the entry-point plugin costs an unrelated pytest session: ``pytest --version`` and
``pytest --co -q`` on a one-test folder, with the plugin (autoloaded, as after ``pip install``)
and without it (``-p no:statuspage_contract``), alternating, from an empty folder with no
configuration. Prints the median CPU time (user + system) and wall time of each and their
ratios (issue 29: within 5 %); on a shared machine the CPU time is the steadier measure.

    python benchmarks/bench_plugin_load.py [ROUNDS]
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = {"--version": ["--version"], "--co -q": ["--co", "-q", "test_one.py"]}
WITHOUT = ["-p", "no:statuspage_contract"]


def timed(folder: Path, args: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one pytest process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DD_"))}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        check=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return cpu, wall


def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "test_one.py").write_text("def test_one():\n    assert True\n")
        for label, args in COMMANDS.items():
            timed(folder, args)  # warm the file cache
            with_plugin: list[tuple[float, float]] = []
            without: list[tuple[float, float]] = []
            for _ in range(rounds):
                with_plugin.append(timed(folder, args))
                without.append(timed(folder, [*WITHOUT, *args]))
            for i, kind in enumerate(("CPU", "wall")):
                a = statistics.median(t[i] for t in with_plugin)
                b = statistics.median(t[i] for t in without)
                print(
                    f"pytest {label}, {kind}: with {a:.3f} s, without {b:.3f} s, ratio {a / b:.3f}"
                )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
