"""The example GitHub Actions workflow works in a repository that is not this one.

Fast: its structure (installs the toolkit itself, pinned; no ``pip install .``, no
requirements file, no ``cache: pip``; run, gate, summary and upload steps) and every ``run:``
step is valid bash; its gate and summary steps, replayed where no report was written, fail
the job and say so. Slow (``-m slow``): every ``run:`` step replayed in order in a fresh,
empty ``git init`` folder against the embedded mock, the install step replaced by installing
a wheel built from this checkout into a fresh virtualenv (no network: ``--no-deps``, the
dependencies taken from the test environment by a path line).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOW = REPO / "examples" / "github-actions" / "contract-gate.yml"
INSTALL = "Install statuspage-contract"


def _steps() -> list[dict[str, Any]]:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"]["contract"]["steps"]


def _job_env() -> dict[str, str]:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"]["contract"]["env"]


def _step(name: str) -> dict[str, Any]:
    (step,) = [s for s in _steps() if s.get("name") == name]
    return step


def test_the_workflow_installs_the_toolkit_itself_and_needs_no_file_of_the_repository() -> None:
    for step in _steps():
        command = " ".join(str(step.get("run", "")).split())
        assert "pip install ." not in command and "-r " not in command, step
        assert "requirements" not in command, step
    for step in _steps():
        assert "cache" not in (step.get("with") or {}), step
    pinned = _job_env()["STATUSPAGE_CONTRACT"]
    assert pinned.startswith("statuspage-contract @ git+https://") and "@v" in pinned
    assert '"$STATUSPAGE_CONTRACT"' in _step(INSTALL)["run"]


def test_the_workflow_runs_uploads_summarises_and_gates() -> None:
    names = [s.get("name") for s in _steps()]
    assert (
        names.index(INSTALL)
        < names.index("Run the contract suite")
        < names.index("Gate the release")
    )
    run = _step("Run the contract suite")
    assert "statuspage-contract run" in run["run"] and "--report-dir reports" in run["run"]
    assert run["continue-on-error"] is True  # the gate decides
    assert "statuspage-contract gate" in _step("Gate the release")["run"]
    summary = _step("Job summary")
    assert summary["if"] == "always()" and "reports/summary.md" in summary["run"]
    assert '"$GITHUB_STEP_SUMMARY"' in summary["run"]
    upload = _step("Upload the reports")
    assert upload["uses"].startswith("actions/upload-artifact@") and upload["if"] == "always()"
    assert upload["with"]["path"].rstrip("/") == "reports"


@pytest.mark.parametrize("name", [s["name"] for s in _steps() if "run" in s])
def test_each_run_step_is_valid_bash(name: str) -> None:
    assert _step(name).get("shell", "bash") == "bash"
    done = subprocess.run(["bash", "-n"], input=_step(name)["run"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _replay(name: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    step = _step(name)
    step_env = {k: "" for k in step.get("env") or {}}  # secrets and vars: unset
    return subprocess.run(
        ["bash", "-e", "-c", step["run"]],  # how Actions runs a bash step
        cwd=cwd,
        env=env | step_env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _fresh_repository(tmp: Path) -> tuple[Path, dict[str, str]]:
    repo = tmp / "their-repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    summary = tmp / "step-summary.md"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DD_", "GITHUB_"))}
    env |= {"SITE": "mock", "GITHUB_WORKSPACE": str(repo), "GITHUB_STEP_SUMMARY": str(summary)}
    return repo, env


def test_without_a_report_the_gate_fails_the_job_and_the_summary_says_so(tmp_path: Path) -> None:
    repo, env = _fresh_repository(tmp_path)
    gate = _replay("Gate the release", repo, env)
    assert gate.returncode == 2, gate.stdout + gate.stderr
    assert _replay("Job summary", repo, env).returncode == 0
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "No contract report was written" in summary and "### Release gate" in summary


@pytest.mark.slow
def test_the_workflow_passes_in_a_fresh_repository_against_the_mock(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(REPO)],
        check=True,
        timeout=600,
    )
    (wheel,) = wheels.glob("statuspage_contract-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # The toolkit's dependencies: this test environment's packages, by a path line (a folder
    # named in a .pth file has its own .pth files ignored: this checkout's editable install
    # stays out, so the wheel is what runs).
    site = Path(sysconfig.get_paths(vars={"base": str(venv)})["purelib"])
    (site / "test-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    repo, env = _fresh_repository(tmp_path)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    env["VIRTUAL_ENV"] = str(venv)
    env.pop("PYTHONPATH", None)
    for step in _steps():
        if "run" not in step:
            continue
        if step["name"] == INSTALL:  # the pinned git URL, here: this checkout's wheel
            install = ["python", "-m", "pip", "install", "-q", "--no-deps", "--no-index"]
            subprocess.run([*install, str(wheel)], cwd=repo, env=env, check=True, timeout=600)
            where = subprocess.run(
                ["python", "-c", "import statuspage_contract as s; print(s.__file__)"],
                cwd=repo,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            assert where.startswith(str(venv)), where  # the wheel, not this checkout
            assert shutil.which("statuspage-contract", path=env["PATH"]).startswith(str(venv))
            continue
        done = _replay(step["name"], repo, env)
        if step["name"] == "Gate the release":
            assert done.returncode == 0, done.stdout + done.stderr  # the mock keeps the contract
        elif not step.get("continue-on-error"):
            assert done.returncode == 0, done.stdout + done.stderr
    reports = repo / "reports"
    for name in ("contract-report.json", "summary.md", "gate.txt", "contract-report.html"):
        assert (reports / name).is_file(), name
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert summary.startswith((reports / "summary.md").read_text()[:200])
    assert "### Release gate" in summary
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True, check=True
    )
    assert set(status.stdout.split()) <= {"??", "reports/"}, status.stdout
