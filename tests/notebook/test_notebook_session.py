"""Property-based sessions (contract/notebook/session.py) against the embedded mock."""

from __future__ import annotations

import json

import notebook_helpers as h
import pytest

from statuspage_contract.notebook import Explorer, explore, property_session
from statuspage_contract.redact import SECRETS
from statuspage_contract.rules import RULES
from statuspage_contract.sites import resolve_site
from statuspage_contract.target import Target


def test_property_session_on_the_healthy_mock() -> None:
    summary = property_session(n=4, seed=1)
    assert summary.passed and summary.first_violation is None
    assert summary.valid_examples == 4 and summary.invalid_examples == 4
    assert {"valid-body-accepted", "single-account", "invalid-body-rejected"} <= set(
        summary.rules_run
    )
    assert "schemathesis:not_a_server_error" in summary.rules_run
    page = summary._repr_html_()
    assert "PASS" in page and "valid-body-accepted" in page
    if h.have_pandas():
        frame = summary.to_frame()
        assert list(frame.columns) == ["rule", "kind", "checks", "passed", "failed", "result"]
        assert (frame["checks"] > 0).all() and (frame["failed"] == 0).all()
        assert len(summary.to_frame(all_rules=True)) == len(RULES)
        assert list(summary.status_frame().columns) == ["operation", "status", "count"]


def test_property_session_catches_a_fault_without_leaking() -> None:
    summary = property_session(n=4, faults=["unmasked-api-key"], seed=1)
    assert not summary.passed and summary.faults == ["unmasked-api-key"]
    violation = summary.first_violation
    assert violation is not None and violation.rule == "api-key-masked"
    assert violation.reproduction and "${DD_API_KEY}" in violation.reproduction
    page = summary._repr_html_() + violation._repr_html_() + repr(summary)
    assert "VIOLATION" in page and "api-key-masked" in page
    assert not SECRETS.leaks(page)
    assert not SECRETS.leaks(json.dumps(violation.to_dict()))
    if h.have_pandas():
        assert not SECRETS.leaks(summary.failures_frame().to_string())


def test_property_session_on_an_explorer_restores_its_mock() -> None:
    with explore(faults=["error-envelope-string"]) as ex:
        ex.create()
        summary = property_session(ex, n=2, faults=["unmasked-api-key"], seed=1)
        assert summary.faults == ["unmasked-api-key"]
        mock = ex.target.mock
        assert mock is not None and mock.faults == frozenset({"error-envelope-string"})
        assert ex.get().status == 404  # reset after the session
        kept = property_session(ex, n=2, seed=1)
        assert kept.faults == ["error-envelope-string"]


def test_property_session_needs_the_mock() -> None:
    target = Target(resolve_site("datadoghq.eu"), "http://127.0.0.1:9", h.key(), h.key())
    live = Explorer(target, budget=0)
    with pytest.raises(ValueError, match="embedded mock only"):
        property_session(live, n=1)
    live.close()
