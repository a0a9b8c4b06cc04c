"""Writing reports so that no verdict goes stale: a run starts by replacing every earlier report
with the unfinished marker, and writes its own contract-report.json last, atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from report_factory import site_report

from statuspage_contract.errors import GateInputError
from statuspage_contract.report import build
from statuspage_contract.report.build import (
    begin_run,
    mark_unfinished,
    merge_same_site,
    remove_scratch,
    render_all,
    render_reports,
    with_decision,
)
from statuspage_contract.report.format import (
    HTML_NAME,
    JSON_NAME,
    JUNIT_NAME,
    STALE_FILES,
    SUMMARY_NAME,
)
from statuspage_contract.report.reader import load_report


def fill(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / JSON_NAME).write_text(json.dumps(site_report()))
    for name in (HTML_NAME, SUMMARY_NAME, JUNIT_NAME, f".{HTML_NAME}.x1y2", f".{JSON_NAME}.z"):
        (folder / name).write_text("old")


def test_begin_run_leaves_only_the_marker_which_the_gate_refuses(tmp_path):
    fill(tmp_path)
    fill(tmp_path / "datadoghq.eu")
    (tmp_path / "notes.md").write_text("mine")
    (tmp_path / "datadoghq.eu" / "keep.txt").write_text("mine")
    assert load_report(tmp_path)["verdict"] == "passed"
    begin_run(tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {JSON_NAME, "notes.md", "datadoghq.eu"}
    assert [p.name for p in (tmp_path / "datadoghq.eu").iterdir()] == ["keep.txt"]
    with pytest.raises(GateInputError, match="no decision to gate: the run writing this"):
        load_report(tmp_path)


def test_begin_run_makes_the_folder(tmp_path):
    begin_run(tmp_path / "a" / "b")
    assert [p.name for p in (tmp_path / "a" / "b").iterdir()] == [JSON_NAME]


def test_begin_run_refuses_a_folder_that_is_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OSError):
        begin_run(tmp_path / "f")


def test_a_refusal_is_recorded_in_the_marker_without_secrets(tmp_path):
    from statuspage_contract.redact import SECRETS

    SECRETS.add("sekrit-key-123456")
    mark_unfinished(tmp_path, "refused: sekrit-key-123456 is not a key")
    text = (tmp_path / JSON_NAME).read_text()
    assert "sekrit-key-123456" not in text
    with pytest.raises(GateInputError, match=r"no decision to gate: refused: \[REDACTED\]"):
        load_report(tmp_path / JSON_NAME)


def test_scratch_folders_a_kill_left_are_removed(tmp_path):
    (tmp_path / ".scratch-abc" / "deep").mkdir(parents=True)
    (tmp_path / "keep").mkdir()
    remove_scratch(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep"]


def test_the_json_is_written_last_in_each_folder_and_the_top_one_last_of_all(tmp_path):
    one = render_reports(with_decision(site_report()), tmp_path)
    assert [p.name for p, _ in one] == [HTML_NAME, SUMMARY_NAME, JSON_NAME]
    sites = [
        with_decision(site_report("datadoghq.com")),
        with_decision(site_report("datadoghq.eu")),
    ]
    files = render_all(sites, tmp_path, multi_site=True)
    assert files[-1][0] == tmp_path / JSON_NAME
    assert json.loads(files[-1][1])["kind"] == "combined"


def test_an_interrupted_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    def broken(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        build._atomic_write(tmp_path / JSON_NAME, "{}")
    assert list(tmp_path.iterdir()) == []


def test_merged_workers_keep_the_worst_pytest_status():
    first, second = site_report(), site_report()
    stamp = {"started": "2026-12-01T00:00:00+00:00", "finished": "2026-12-01T00:00:01+00:00"}
    for report in (first, second):
        report["run"].update(stamp, duration_seconds=1.0, left_behind=None)
    first["run"].update(pytest_exit_status=0, complete=True)
    second["run"].update(pytest_exit_status=2, complete=False)
    (merged,) = merge_same_site([first, second])
    assert merged["run"]["pytest_exit_status"] == 2
    assert merged["run"]["complete"] is False


def test_every_file_a_run_writes_is_one_a_run_removes():
    assert set(STALE_FILES) == {JSON_NAME, HTML_NAME, SUMMARY_NAME, JUNIT_NAME}
