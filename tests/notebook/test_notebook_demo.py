"""Demo reports (contract/notebook/demo.py): runs only what is missing."""

from __future__ import annotations

from pathlib import Path

import notebook_helpers as h
import pytest

import statuspage_contract.notebook.demo as demo_module
from statuspage_contract.notebook import ensure_demo_reports


def test_ensure_demo_reports_runs_only_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Path, str | None]] = []

    def fake_run(report_dir: Path, fault: str | None, timeout: float) -> None:
        calls.append((report_dir, fault))
        h.write(report_dir, h.site_report())

    monkeypatch.setattr(demo_module, "_run_suite", fake_run)
    demo = ensure_demo_reports(tmp_path, fault="unmasked-api-key")
    assert sorted(demo.generated) == ["faulty", "healthy"]
    assert sorted(calls, key=str) == sorted(
        [(tmp_path / "healthy", None), (tmp_path / "fault-unmasked-api-key", "unmasked-api-key")],
        key=str,
    )
    assert demo.healthy.exists() and demo.faulty.exists()
    calls.clear()
    again = ensure_demo_reports(tmp_path, fault="unmasked-api-key")
    assert again.generated == [] and calls == []
    assert "unmasked-api-key" in again._repr_html_()
    assert again.comparison().sites == ["mock", "mock+unmasked-api-key"]
    with pytest.raises(ValueError):
        ensure_demo_reports(tmp_path, fault="no-such-fault")
