"""Reading, tabulating, plotting and listing reports (contract/notebook/reports.py, plots.py)."""

from __future__ import annotations

from pathlib import Path

import notebook_helpers as h
import pytest

from statuspage_contract.notebook import compare_reports, list_reports, load_report
from statuspage_contract.redact import REDACTED, SECRETS
from statuspage_contract.report.format import JSON_NAME
from statuspage_contract.rules import RULES


@pytest.fixture
def reports(tmp_path: Path) -> tuple[Path, Path]:
    return h.write_reports(tmp_path)


def test_load_report_renders_escaped_and_redacted(reports: tuple[Path, Path]) -> None:
    good, bad = reports
    report = load_report(bad.parent)  # a directory means its contract-report.json
    assert not report.passed and report.sites == ["mock"] and not report.combined
    page = report._repr_html_()
    assert "single-account" in page and "FAIL" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert not SECRETS.leaks(page) and REDACTED in page
    assert load_report(good).passed


def test_report_frames(reports: tuple[Path, Path]) -> None:
    h.frames_needed()
    report = load_report(reports[1])
    rules = report.rules_frame()
    assert list(rules.columns) == [
        "site", "rule", "kind", "required", "status", "passed", "failed", "skipped", "exercised",
    ]  # fmt: skip
    assert len(rules) == len(RULES)
    assert report.to_frame().equals(rules)
    assert rules.set_index("rule").loc["single-account", "status"] == "failed"
    codes = report.status_frame()
    assert list(codes.columns) == ["site", "operation", "status", "documented", "count"]
    assert codes[~codes["documented"]]["status"].tolist() == [500]
    failures = report.failures_frame()
    # the undocumented 500 also fails documented-status and no-server-error
    assert failures["rule"].tolist() == ["single-account", "documented-status", "no-server-error"]
    assert not SECRETS.leaks(failures.to_string())
    sites = report.sites_frame()
    assert sites["rules_failed"].tolist() == [3]


def test_compare_reports_makes_a_combined_report(reports: tuple[Path, Path]) -> None:
    good, bad = reports
    both = compare_reports({"healthy": good, "broken": load_report(bad)})
    assert both.combined and both.sites == ["healthy", "broken"] and not both.passed
    assert both.site("broken").data["run"]["site"] == "broken"
    with pytest.raises(KeyError, match="healthy"):
        both.site("nope")
    with pytest.raises(ValueError, match="single-site"):
        compare_reports({"x": both})
    page = both._repr_html_()
    assert "healthy" in page and "broken" in page
    if h.have_pandas():
        comparison = both.comparison_frame()
        assert list(comparison.columns) == ["rule", "healthy", "broken", "differs"]
        differing = comparison[comparison["differs"]]["rule"].tolist()
        assert "single-account" in differing and comparison.iloc[0]["differs"]
        assert both.sites_frame()["site"].tolist() == ["healthy", "broken"]


def test_plots(reports: tuple[Path, Path]) -> None:
    pytest.importorskip("matplotlib", reason="plots need matplotlib (the notebooks extra)")
    both = compare_reports({"healthy": reports[0], "broken": reports[1]})
    for figure in (both.plot_rules(), both.plot_status_codes()):
        assert len(figure.axes) == 2


def test_list_reports(reports: tuple[Path, Path], tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / JSON_NAME).write_text('{"format": ')
    index = list_reports(tmp_path)
    assert len(index) == 3
    assert len(index.paths) == 2
    assert index.load("good/" + JSON_NAME).passed
    page = index._repr_html_()
    assert "truncated" in page and "good/" in page
    assert "No " in list_reports(tmp_path / "nowhere")._repr_html_()
    if h.have_pandas():
        frame = index.to_frame()
        assert list(frame.columns) == ["path", "kind", "sites", "verdict", "finished", "error"]
