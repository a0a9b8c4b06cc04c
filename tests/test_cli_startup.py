"""The quick commands load only what they need (structural: which modules, not how long).

``--version``, ``--help``, ``sites`` and ``gate REPORT`` must answer in a fraction of a second,
so they must not import the suite's machinery: Schemathesis, Hypothesis, pytest, requests, the
mock (Werkzeug), the HTML report (Jinja2) or jsonschema (whose format checkers import
``rfc3987_syntax`` and other optional libraries when they are installed).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from report_factory import site_report

REPO_ROOT = Path(__file__).resolve().parents[1]
#: Packages none of the quick commands needs.
HEAVY = {
    "schemathesis",
    "hypothesis",
    "pytest",
    "_pytest",
    "requests",
    "urllib3",
    "werkzeug",
    "jinja2",
    "jsonschema",
    "jsonschema_rs",
    "rfc3987_syntax",
    "lark",
    "statuspage_contract.mock",
    "statuspage_contract.http.client",
    "statuspage_contract.generation",
}
IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+\d+ \| ( *)(\S+)$")


def imported_modules(*args: str, cwd: Path) -> set[str]:
    """Every module ``statuspage-contract ARGS`` imports, read from ``python -X importtime``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    cmd = [sys.executable, "-X", "importtime", "-m", "statuspage_contract.cli", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    modules = set()
    for line in done.stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match:
            modules.add(match.group(2))
    assert "statuspage_contract.cli" in modules or "statuspage_contract" in modules, done.stderr[
        -2000:
    ]
    return modules


def heavy_in(modules: set[str]) -> set[str]:
    return {m for m in modules if m in HEAVY or m.split(".")[0] in HEAVY}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("startup") / "contract-report.json"
    path.write_text(json.dumps(site_report()), encoding="utf-8")
    return path


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("sites",)], ids=" ".join)
def test_quick_commands_import_nothing_heavy(args: tuple[str, ...], tmp_path: Path) -> None:
    modules = imported_modules(*args, cwd=tmp_path)
    assert heavy_in(modules) == set()
    # Nor the modules of the commands that did not run.
    assert {
        "statuspage_contract.gate",
        "statuspage_contract.runner",
        "statuspage_contract.report.build",
        "yaml",
    } & modules == set()


def test_gate_imports_nothing_heavy(report: Path) -> None:
    modules = imported_modules("gate", str(report), cwd=report.parent)
    assert "statuspage_contract.gate" in modules
    assert heavy_in(modules) == set()


def test_run_help_needs_no_mock(tmp_path: Path) -> None:
    """``run --help`` builds the run options without loading the suite or the mock."""
    modules = imported_modules("run", "--help", cwd=tmp_path)
    assert "statuspage_contract.runner" in modules
    assert heavy_in(modules) == set()
