"""No stale verdicts: a ``run`` that is refused or killed (SIGKILL, at any moment) leaves its
report folder in a state the gate refuses (exit 2, saying why), never the previous run's
reports, and no temporary file or folder behind.

Every run here is against the embedded mock; the refused ones name a Datadog site without keys,
which ``run`` refuses before it sends anything (checked in-process first), and any proxy the
environment names is a local listener that must see no connection."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli

from statuspage_contract.errors import UsageError
from statuspage_contract.report.format import JSON_NAME, STALE_FILES, UNFINISHED_KIND

TIMEOUT = 120
RUN = (sys.executable, "-m", "statuspage_contract.cli", "run", "--site", "mock")


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    env.update(PYTHONUNBUFFERED="1", **extra)
    return env


def gate(report_dir: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(["gate", report_dir], cwd=report_dir.parent, timeout=60)


@pytest.fixture(scope="module")
def passing_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four reports of a real passing `run --site mock`, which the gate lets go."""
    folder = tmp_path_factory.mktemp("passing")
    done = run_cli(
        ["run", "--site", "mock", "--report-dir", folder / "out"], cwd=folder, env=cli_env()
    )
    assert done.returncode == 0, done.stderr
    assert gate(folder / "out").returncode == 0
    assert sorted(p.name for p in (folder / "out").iterdir()) == sorted(STALE_FILES)
    return folder / "out"


def copy_of(reports: Path, where: Path) -> Path:
    shutil.copytree(reports, where)
    return where


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A local listening socket; the tests assert nothing ever connected to it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        sock.setblocking(False)
        yield sock


def nothing_connected(sock: socket.socket) -> bool:
    try:
        sock.accept()[0].close()
    except BlockingIOError:
        return True
    return False


def assert_no_decision(report_dir: Path, *expected: str) -> None:
    done = gate(report_dir)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "RELEASE MAY GO" not in done.stdout and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    for text in expected:
        assert text in done.stderr, done.stderr


# -- item: a refused run after a passing one -----------------------------------------------
def test_keys_left_empty_are_refused_before_anything_is_sent():
    """The premise of the next test, checked in-process: the refusal comes from argument
    validation, which runs before pytest starts (so before any request)."""
    from statuspage_contract.cli import build_parser
    from statuspage_contract.runner import validate

    args = build_parser("run").parse_args(["run", "--site", "datadoghq.eu"])
    env = {"DD_API_KEY": "", "DD_APP_KEY": ""}
    with pytest.MonkeyPatch.context() as mp:
        for name in [k for k in os.environ if k.startswith("DD_")]:
            mp.delenv(name)
        for name, value in env.items():
            mp.setenv(name, value)
        with pytest.raises(UsageError, match="needs DD_API_KEY and DD_APP_KEY"):
            validate(args)
    assert isinstance(args, argparse.Namespace)


REFUSALS = {
    "empty keys": (["--site", "datadoghq.eu"], "needs DD_API_KEY and DD_APP_KEY"),
    "a bad option": (["--site", "mock", "--examples", "0"], "--examples must be 1 to"),
    "a missing waivers file": (["--site", "mock", "--waivers", "none.toml"], "does not exist"),
}


@pytest.mark.parametrize(("args", "why"), REFUSALS.values(), ids=REFUSALS)
def test_a_refused_run_leaves_no_verdict_of_the_run_before(
    tmp_path, passing_reports, listener, args, why
):
    reports = copy_of(passing_reports, tmp_path / "out")
    proxy = f"http://127.0.0.1:{listener.getsockname()[1]}"
    env = cli_env(DD_API_KEY="", DD_APP_KEY="", HTTPS_PROXY=proxy, HTTP_PROXY=proxy, NO_PROXY="")
    done = run_cli(["run", *args, "--report-dir", reports], cwd=tmp_path, env=env, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert why in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert nothing_connected(listener)
    assert [p.name for p in reports.iterdir()] == [JSON_NAME]  # the marker alone
    assert_no_decision(reports, "no decision to gate: the last run here was refused", why)


def test_a_refused_run_clears_every_site_folder_of_a_multi_site_run(tmp_path, passing_reports):
    reports = tmp_path / "out"
    for site in ("", "mock", "datadoghq.eu"):
        shutil.copytree(passing_reports, reports / site, dirs_exist_ok=True)
    (reports / "datadoghq.eu" / "notes.txt").write_text("mine")
    env = cli_env(DD_API_KEY="", DD_APP_KEY="")
    done = run_cli(["run", "--site", "datadoghq.eu", "--report-dir", reports], env=env)
    assert done.returncode == 2
    assert [p.name for p in (reports / "mock").iterdir()] == []
    assert [p.name for p in (reports / "datadoghq.eu").iterdir()] == ["notes.txt"]
    for folder in (reports, reports / "mock"):
        assert gate(folder).returncode == 2


# -- SIGKILL at any moment ------------------------------------------------------------------
def _is_marker(path: Path) -> bool:
    try:
        return json.loads(path.read_text()).get("kind") == UNFINISHED_KIND
    except (OSError, ValueError):
        return False


def _when_started(out: Path) -> bool:
    return _is_marker(out / JSON_NAME)


def _when_writing(out: Path) -> bool:
    """The run writes its first new report file (the HTML; contract-report.json comes last):
    an interrupted write's temporary file, or an HTML file newer than the run's marker."""
    marker, html = out / JSON_NAME, out / "contract-report.html"
    try:
        if not _is_marker(marker):
            return False
        if any(p.name.startswith(".contract-report.html.") for p in out.iterdir()):
            return True
        return html.stat().st_mtime_ns >= marker.stat().st_mtime_ns
    except OSError:
        return False


MOMENTS: dict[str, tuple[Callable[[Path], bool], float]] = {
    "as soon as it started": (_when_started, 0.0),
    "mid-run": (_when_started, 0.8),
    "while it writes its reports": (_when_writing, 0.0),
}


def _entries(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


@pytest.mark.parametrize(("ready", "delay"), MOMENTS.values(), ids=MOMENTS)
def test_a_killed_run_leaves_no_verdict_and_no_temporary_file(
    tmp_path, passing_reports, ready, delay
):
    reports = copy_of(passing_reports, tmp_path / "out")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    before = json.loads((reports / JSON_NAME).read_text())["run"]["started"]
    with (tmp_path / "stderr.txt").open("w") as err:
        process = subprocess.Popen(
            [*RUN, "--report-dir", str(reports)],
            cwd=tmp_path,
            env=cli_env(TMPDIR=str(scratch)),
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        try:
            deadline = time.monotonic() + TIMEOUT
            while not ready(reports) and process.poll() is None:
                assert time.monotonic() < deadline, "the run never got there"
                time.sleep(0.001)
            time.sleep(delay)
            finished_first = process.poll() is not None
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    done = gate(reports)
    assert not finished_first or ready is _when_writing  # a run takes seconds
    if finished_first:  # it ended before the kill: only its own, new report may pass
        report: dict[str, Any] = json.loads((reports / JSON_NAME).read_text())
        assert report["run"]["started"] != before
    else:
        assert process.returncode == -signal.SIGKILL
        assert done.returncode == 2, done.stdout + done.stderr
        assert "no decision to gate" in done.stderr, done.stderr
        assert "the run writing this report has not finished" in done.stderr
    # no temporary folder in the system's temporary folder (Jinja2's template cache is a
    # cache: kept and reused on purpose), and no scratch folder in the report folder
    assert {n for n in _entries(scratch) if not n.startswith("_jinja2-cache")} == set()
    assert not [n for n in _entries(reports) if n.startswith(".scratch-")]
    # what a kill inside an atomic write could leave, the next run removes (even one refused)
    (reports / ".contract-report.html.abc123").write_text("partial")
    (reports / ".scratch-abc123").mkdir()
    done = run_cli(["run", "--site", "mock", "--examples", "0", "--report-dir", reports])
    assert done.returncode == 2
    assert _entries(reports) == {JSON_NAME}
