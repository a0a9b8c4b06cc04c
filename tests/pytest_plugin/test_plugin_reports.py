"""A plain ``pytest`` run of the suite replaces earlier reports as ``run`` does: even when it
refuses its options, the report folder holds the unfinished marker, never an old verdict."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from report_factory import site_report

from statuspage_contract.report.format import HTML_NAME, JSON_NAME, JUNIT_NAME, SUMMARY_NAME
from statuspage_contract.report.reader import load_report

REPO = Path(__file__).resolve().parents[2]


def test_a_refused_pytest_run_leaves_the_marker_saying_why(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / JSON_NAME).write_text(json.dumps(site_report()))
    for name in (HTML_NAME, SUMMARY_NAME, JUNIT_NAME):
        (reports / name).write_text("old")
    assert load_report(reports)["verdict"] == "passed"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DD_", "PYTEST_"))}
    command = [sys.executable, "-m", "pytest", "contract/suite", "-p", "no:cacheprovider"]
    command += ["-n", "0", "--report-dir", str(reports), "--contract-examples", "0"]
    done = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 4, done.stdout + done.stderr  # pytest's usage error
    assert "--examples must be 1 to" in done.stderr
    assert [p.name for p in reports.iterdir()] == [JSON_NAME]
    marker = json.loads((reports / JSON_NAME).read_text())
    assert marker["kind"] == "unfinished"
    assert "refused before it sent anything: --examples must be 1 to" in str(marker)
    shutil.rmtree(reports)
