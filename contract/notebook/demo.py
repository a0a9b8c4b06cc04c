"""Demo reports for the reports notebook: the suite run against the healthy embedded mock
and against the mock with one fault, each in a subprocess, only when missing."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..mock.faults import FAULTS, check_faults
from ..pytest_plugin.options import FAST_PROFILE
from ..report.format import JSON_NAME
from .display import clean
from .html import code, render
from .reports import ContractReport, compare_reports, reports_root

__all__ = ["DEMO_DIR", "DEMO_FAULT", "DemoReports", "ensure_demo_reports"]

#: The fault the demo reports use: it breaks exactly one rule (SINGLE_ACCOUNT).
DEMO_FAULT = "accepts-second-create"
#: Where :func:`ensure_demo_reports` writes, below the reports directory.
DEMO_DIR = "notebook-demo"
#: Examples per property-based test in the demo runs: they show what the reports look like, in
#: a few seconds; the README's ``statuspage-contract run`` is the thorough run.
DEMO_EXAMPLES = 5
#: Characters of a failed run's output quoted in the error.
OUTPUT_TAIL = 1500


@dataclass
class DemoReports:
    """Two reports of the embedded mock: healthy, and with one fault switched on."""

    healthy: Path
    faulty: Path
    fault: str
    generated: list[str] = field(default_factory=list)

    def comparison(self) -> ContractReport:
        """Both runs as one combined report, sites ``mock`` and ``mock+<fault>``."""
        return compare_reports({"mock": self.healthy, f"mock+{self.fault}": self.faulty})

    def __repr__(self) -> str:
        return clean(f"<DemoReports healthy={self.healthy} faulty={self.faulty}>")

    def _repr_html_(self) -> str:
        made = ", ".join(self.generated) if self.generated else "none (both already existed)"
        rows = [
            ("healthy mock", code(self.healthy)),
            (f"mock with fault {self.fault}", code(self.faulty)),
            ("fault", f"{self.fault}: {FAULTS[self.fault].description}"),
            ("generated now", made),
        ]
        return render("demo.html.j2", rows=rows)


def _run_suite(report_dir: Path, fault: str | None, timeout: float) -> None:
    """``statuspage-contract run --site mock`` into ``report_dir``, in a subprocess."""
    cmd = [
        sys.executable,
        "-m",
        "statuspage_contract.cli",
        "run",
        "--site",
        "mock",
        "--profile",
        FAST_PROFILE,
    ]
    cmd += ["--examples", str(DEMO_EXAMPLES)]
    cmd += ["--report-dir", str(report_dir.resolve())]
    if fault:
        cmd += ["--mock-fault", fault]
    report_dir.mkdir(parents=True, exist_ok=True)
    # The demo run is self-contained: options meant for an outer pytest must not reach it.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    done = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, cwd=report_dir.resolve(), env=env
    )
    if done.returncode not in (0, 1) or not (report_dir / JSON_NAME).exists():
        tail = clean((done.stdout + done.stderr)[-OUTPUT_TAIL:])
        raise RuntimeError(
            f"the contract run into {report_dir} failed ({done.returncode}):\n{tail}"
        )


def ensure_demo_reports(
    directory: str | Path | None = None,
    *,
    fault: str = DEMO_FAULT,
    refresh: bool = False,
    timeout: float = 300,
) -> DemoReports:
    """Make sure two demo reports exist, running the suite against the mock when they do not.

    ``directory`` defaults to ``reports/notebook-demo``; it gets ``healthy/`` (the healthy
    mock) and ``fault-<fault>/`` (the mock with ``fault``). Missing runs go in parallel, each
    ``statuspage-contract run --site mock`` in a subprocess (a few seconds).
    """
    check_faults([fault])
    base = Path(directory) if directory is not None else reports_root() / DEMO_DIR
    runs = {"healthy": (base / "healthy", None), "faulty": (base / f"fault-{fault}", fault)}
    todo = {
        name: (path, flt)
        for name, (path, flt) in runs.items()
        if refresh or not (path / JSON_NAME).exists()
    }
    if todo:
        with ThreadPoolExecutor(max_workers=len(todo)) as pool:
            futures = [pool.submit(_run_suite, p, f, timeout) for p, f in todo.values()]
            for future in futures:
                future.result()
    return DemoReports(
        healthy=runs["healthy"][0] / JSON_NAME,
        faulty=runs["faulty"][0] / JSON_NAME,
        fault=fault,
        generated=list(todo),
    )
