"""The gate's decision in a notebook (contract/notebook/gate_views.py)."""

from __future__ import annotations

from pathlib import Path

import notebook_helpers as h
import pytest

from statuspage_contract.gate import GateDecision, GateInputError
from statuspage_contract.notebook import GateResult, compare_reports, gate_decision
from statuspage_contract.redact import SECRETS


@pytest.fixture
def reports(tmp_path: Path) -> tuple[Path, Path]:
    return h.write_reports(tmp_path)


def test_gate_decision(reports: tuple[Path, Path], tmp_path: Path) -> None:
    good, bad = reports
    passed = gate_decision(good)
    assert isinstance(passed, GateResult) and isinstance(passed, GateDecision)
    assert passed.passed and passed.exit_code == 0
    blocked = gate_decision(bad, baseline=good)
    assert not blocked.passed
    subjects = {line.subject for line in blocked.blocking}
    assert "single-account" in subjects
    assert any(s.endswith(" 409") for s in subjects)
    page = blocked._repr_html_()
    assert "RELEASE BLOCKED" in page and "<script>" not in page and not SECRETS.leaks(page)
    combined = gate_decision(compare_reports({"a": good, "b": bad}))
    assert combined.combined and {line.site for line in combined.blocking} == {"b"}
    waivers = tmp_path / "waivers.toml"
    waivers.write_text(  # the bad report's undocumented 500 also fails the other two
        "".join(
            f'[[waiver]]\nrule = "{rule}"\nreason = "known"\nexpires = 2099-01-01\n'
            for rule in ("single-account", "documented-status", "no-server-error")
        )
    )
    assert gate_decision(bad, waivers=waivers).passed
    with pytest.raises(GateInputError):
        gate_decision(tmp_path / "missing.json")
    if h.have_pandas():
        frame = blocked.to_frame()
        assert list(frame.columns) == ["site", "status", "check", "reason", "blocking", "waiver"]
        assert frame["blocking"].sum() == len(blocked.blocking)
        assert not SECRETS.leaks(frame.to_string())
