"""The Jupyter-facing API (contract/notebook.py): HTML, frames, safety and redaction."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contract import notebook
from contract.gate import GateDecision, GateInputError
from contract.http.exchange import Exchange, Verdict
from contract.mock.state import DEMO_API_KEY, DEMO_APP_KEY
from contract.notebook import (
    CallResult,
    Explorer,
    GateResult,
    MutationNotAllowed,
    RuleVerdicts,
    compare_reports,
    ensure_demo_reports,
    explore,
    gate_decision,
    invalid_inputs,
    list_reports,
    load_report,
    mock_faults,
    property_session,
    sample_payloads,
)
from contract.redact import REDACTED, SECRETS
from contract.report.build import JSON_NAME
from contract.rules import RULES
from contract.scenarios import bad_create_inputs, is_valid_create_body
from contract.sites import resolve_site
from contract.spec import load_contract
from contract.target import Target, TargetError

CONTRACT = load_contract()
POST = CONTRACT.create.label
HOSTILE = '<script>alert("x")</script>'


def _frames_needed() -> None:
    pytest.importorskip("pandas", reason="to_frame() needs pandas (the notebooks extra)")


def _key() -> str:
    """A distinctive api_key that the test submits (the client registers it as a secret)."""
    return "sentinel-" + secrets.token_hex(16)


def _body(key: str) -> dict[str, Any]:
    return CONTRACT.with_secret(CONTRACT.request_example("POST"), key)


def _assert_hidden(text: str, *secrets_: str) -> None:
    for secret in secrets_:
        assert secret not in text, f"a secret leaked: {secret[:6]}…"


def _everything(result: CallResult) -> str:
    """Every rendering of a call result, concatenated."""
    parts = [result._repr_html_(), repr(result), json.dumps(result.to_dict()), result.curl()]
    parts += [repr(result.verdicts), result.verdicts._repr_html_(), json.dumps(result.headers)]
    parts.append(json.dumps(result.body))
    return "\n".join(parts)


@pytest.fixture
def ex() -> Iterator[Explorer]:
    with explore() as explorer:
        yield explorer


# -- call results ---------------------------------------------------------------------------
def test_create_shows_status_verdicts_and_body(ex: Explorer) -> None:
    result = ex.create()
    assert result.status == 201 and result.passed
    page = result._repr_html_()
    assert "201 Created" in page and "PASS" in page
    for verdict in result.verdicts:
        assert f"<code>{verdict.rule}</code>" in page
    assert {"valid-body-accepted", "api-key-masked", "response-schema"} <= {
        v.rule for v in result.verdicts
    }
    assert result.body["data"]["type"] == CONTRACT.account_type
    assert "${DD_API_KEY}" in result.curl() and "${DD_APP_KEY}" in result.curl()


def test_scenario_expectations_follow_the_state(ex: Explorer) -> None:
    first = ex.get()
    assert first.status == 404 and first.expectations == []  # nothing to judge yet
    assert ex.create().status == 201
    duplicate = ex.create()
    assert duplicate.status == 409
    assert [v.rule for v in duplicate.expectations] == ["single-account"]
    assert duplicate.passed
    assert ex.get().expectations == [Verdict("rejected-call-no-effect", True, "")]
    assert ex.update().status == 200
    assert ex.delete().status == 204
    after = ex.get()
    assert after.status == 404 and after.expectations == [Verdict("lifecycle-effects", True, "")]
    assert len(ex.history) == 7


def test_a_fault_shows_as_a_failed_verdict() -> None:
    with explore(faults=["accepts-second-create"]) as ex:
        ex.create()
        second = ex.create()
    assert second.status == 201 and not second.passed
    assert [v.rule for v in second.violations] == ["single-account"]
    page = second._repr_html_()
    assert "FAIL" in page and "single-account" in page and "not 409" in page


def test_every_invalid_input_is_rejected_by_the_healthy_mock(ex: Explorer) -> None:
    assert invalid_inputs().ids == [bad.id for bad in bad_create_inputs()]
    for kind in invalid_inputs().ids:
        result = ex.invalid(kind)
        assert result.status == 400, kind
        assert result.passed, (kind, result.violations)
        assert "invalid-body-rejected" in [v.rule for v in result.expectations]


def test_unknown_invalid_input_lists_the_valid_ids(ex: Explorer) -> None:
    with pytest.raises(KeyError, match=r"missing-data\.type"):
        ex.invalid("no-such-input")


def test_without_keys_is_refused(ex: Explorer) -> None:
    result = ex.without_keys()
    assert result.status == 403
    assert Verdict("auth-enforced", True, "") in result.expectations
    assert "DD-API-KEY" not in result.curl()


def test_rate_limited_returns_a_checked_429_and_restores_the_limit(ex: Explorer) -> None:
    result = ex.rate_limited()
    assert result.status == 429 and result.passed
    assert "rate-limit-headers" in [v.rule for v in result.verdicts]
    assert any(h.lower().startswith("x-ratelimit-") for h in result.headers)
    assert ex.target.mock is not None and ex.target.mock.state.rate_limit is None
    assert ex.get().status == 404  # the default organisation is not limited


def test_explore_with_a_rate_limit() -> None:
    with explore(rate_limit=2) as ex:
        statuses = [ex.get().status for _ in range(3)]
        assert statuses == [404, 404, 429]
        assert ex.rate_limited().status == 429
        mock = ex.target.mock
        assert mock is not None and mock.state.rate_limit is not None
        assert mock.state.rate_limit.limit == 2


def test_rate_limit_needs_the_mock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DD_API_KEY", _key())
    monkeypatch.setenv("DD_APP_KEY", _key())
    with pytest.raises(ValueError, match="mock only"):
        explore("https://127.0.0.1:9", rate_limit=1)


def test_live_sites_are_read_only_without_allow_mutations() -> None:
    target = Target(resolve_site("datadoghq.eu"), "http://127.0.0.1:9", _key(), _key())
    live = Explorer(target)
    assert not live.mutations_allowed
    for call in (live.create, live.update, live.delete, lambda: live.send("post")):
        with pytest.raises(MutationNotAllowed, match="allow_mutations=True"):
            call()
    with pytest.raises(RuntimeError, match="needs the embedded mock"):
        live.rate_limited()
    with pytest.raises(RuntimeError, match="needs the embedded mock"):
        live.reset()
    live.close()


def test_live_sites_need_keys(mock_no_key_env: None) -> None:
    with pytest.raises(TargetError, match="DD_API_KEY"):
        explore("datadoghq.eu")


def test_the_demo_keys_never_show(mock_no_key_env: None) -> None:
    with explore() as ex:
        assert (ex.target.api_key, ex.target.app_key) == (DEMO_API_KEY, DEMO_APP_KEY)
        page = ex._repr_html_() + repr(ex)
        results = [ex.create(), ex.get(), ex.without_keys(), ex.rate_limited()]
    assert "not shown" in page
    _assert_hidden(page, DEMO_API_KEY, DEMO_APP_KEY)
    for result in results:
        _assert_hidden(_everything(result), DEMO_API_KEY, DEMO_APP_KEY)


# -- escaping and redaction -----------------------------------------------------------------
def _exchange(body: bytes, status: int = 400) -> Exchange:
    return Exchange(
        method="POST",
        url="http://127.0.0.1:1" + CONTRACT.account_path,
        request_headers={"Content-Type": "application/json"},
        request_body=b'{"x": 1}',
        status=status,
        response_headers={"Content-Type": "application/json", "X-Evil": HOSTILE},
        response_body=body,
        operation=POST,
        verdicts=[Verdict("error-envelope", False, f"bad {HOSTILE}")],
    )


def test_html_is_escaped() -> None:
    body = json.dumps({"errors": [HOSTILE]}).encode()
    result = CallResult(_exchange(body), action=f"do {HOSTILE}")
    page = result._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "FAIL" in page and "error-envelope" in page
    assert "<script>" not in RuleVerdicts(result.verdicts)._repr_html_()


def test_unprintable_characters_are_shown_as_escapes() -> None:
    result = CallResult(_exchange(b"oops \x00\x1b[31m not json"))
    page = result._repr_html_()
    assert "\x00" not in page and "\x1b" not in page
    assert "\\u0000" in page and "\\u001b" in page


def test_a_returned_key_is_redacted_everywhere() -> None:
    key = _key()
    with explore(faults=["unmasked-api-key", "error-echoes-api-key"]) as ex:
        created = ex.create(_body(key))
        conflict = ex.create(_body(key))
        dd_keys = (ex.target.api_key or "", ex.target.app_key or "")
        history = ex._repr_html_()
    assert not created.passed and "api-key-masked" in [v.rule for v in created.violations]
    assert created.body["data"]["attributes"]["api_key"] == REDACTED
    assert conflict.status == 409 and "no-key-echo" in [v.rule for v in conflict.violations]
    for result in (created, conflict):
        _assert_hidden(_everything(result), key, *dd_keys)
    _assert_hidden(history, key, *dd_keys)
    if _pandas():
        _assert_hidden(created.to_frame().to_string(), key, *dd_keys)


def _pandas() -> bool:
    try:
        import pandas  # noqa: F401
    except ImportError:
        return False
    return True


# -- frames ---------------------------------------------------------------------------------
def test_call_result_and_explorer_frames(ex: Explorer) -> None:
    _frames_needed()
    result = ex.create()
    frame = result.to_frame()
    assert list(frame.columns) == ["rule", "kind", "passed", "message", "checks"]
    assert len(frame) == len(result.verdicts)
    assert frame.set_index("rule").loc["valid-body-accepted", "kind"] == "scenario"
    assert frame["passed"].all()
    ex.create()
    history = ex.to_frame()
    assert list(history.columns) == ["method", "status", "passed", "broken_rules", "action"]
    assert history["status"].tolist() == [201, 409]


def test_catalogues() -> None:
    _frames_needed()
    faults = mock_faults()
    assert "unmasked-api-key" in faults.ids
    assert list(faults.to_frame().columns) == ["fault", "breaks rule", "what the mock does"]
    assert "api-key-masked" in faults._repr_html_()
    assert list(invalid_inputs().to_frame().columns) == ["id", "why it is invalid"]


# -- payloads -------------------------------------------------------------------------------
def test_sample_valid_payloads_hide_api_keys() -> None:
    sample = sample_payloads(6, seed=1)
    assert len(sample) == 6 and sample.valid
    assert all(is_valid_create_body(body) for body in sample)
    page = sample._repr_html_()
    for body in sample:
        key = body["data"]["attributes"]["api_key"]
        if key:
            assert json.dumps({"api_key": key})[1:-1] not in page
    assert "api_key" in page and REDACTED in page


def test_sample_invalid_payloads_break_the_schema() -> None:
    sample = sample_payloads(6, valid=False, seed=2)
    assert len(sample) == 6 and not sample.valid
    assert not any(is_valid_create_body(body) for body in sample)
    rows = sample.rows()
    assert all(not row["valid"] and row["problem"] for row in rows)


def test_sample_frame_columns() -> None:
    _frames_needed()
    frame = sample_payloads(3, seed=3).to_frame()
    assert list(frame.columns) == ["#", "valid", "data.type", "api_key", "problem", "body"]
    assert frame["valid"].all()


# -- property-based sessions ----------------------------------------------------------------
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
    if _pandas():
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
    if _pandas():
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
    target = Target(resolve_site("datadoghq.eu"), "http://127.0.0.1:9", _key(), _key())
    live = Explorer(target, budget=0)
    with pytest.raises(ValueError, match="embedded mock only"):
        property_session(live, n=1)
    live.close()


def test_an_error_while_drawing_is_raised_as_is() -> None:
    from hypothesis import strategies as st

    class Boom(Exception):
        pass

    def use(value: Any) -> bool:
        raise Boom("stop")

    with pytest.raises(Boom, match="stop") as caught:
        notebook._draw(st.integers(), 5, 1, use)
    assert not getattr(caught.value, "__notes__", [])  # Hypothesis added no example


# -- reports --------------------------------------------------------------------------------
def _site_report(
    site: str = "mock", *, failing: tuple[str, ...] = (), message: str = "it broke"
) -> dict[str, Any]:
    rules = {}
    for name, rule in RULES.items():
        passed, failed = (3, 2) if name in failing else (5, 0)
        rules[name] = {
            "kind": rule.kind,
            "summary": rule.summary,
            "required": rule.is_required("mock"),
            "status": "failed" if failed else "passed",
            "passed": passed,
            "failed": failed,
            "skipped": 0,
            "skip_reasons": [],
        }
    return {
        "format": "statuspage-contract-report",
        "version": 1,
        "verdict": "failed" if failing else "passed",
        "run": {
            "site": site,
            "base_url": "http://127.0.0.1:1",
            "mock_faults": [],
            "requests": 10,
            "complete": True,
            "duration_seconds": 1.5,
            "finished": "2026-11-27T12:00:00+00:00",
            "contract_sha256": CONTRACT.sha256,
        },
        "rules": rules,
        "status_codes": {
            op.label: {
                "documented": {str(s): 0 if failing and s == 409 else 2 for s in op.statuses},
                "undocumented": {"500": 1} if failing and op.method == "POST" else {},
            }
            for op in CONTRACT.operations.values()
        },
        "failures": [
            {
                "rule": name,
                "operation": POST,
                "test": "contract/suite/test_x.py::test_y",
                "message": message,
                "reproduction": "curl -X POST -H 'DD-API-KEY: ${DD_API_KEY}'",
                "response": {"status": 201, "headers": {}, "body": "{}"},
                "occurrences": 1,
            }
            for name in failing
        ],
        "tests": {"total": 3, "passed": 3, "failed": 0, "skipped": 0, "errors_without_rule": []},
    }


def _write(path: Path, report: dict[str, Any]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / JSON_NAME).write_text(json.dumps(report))
    return path / JSON_NAME


@pytest.fixture
def reports(tmp_path: Path) -> tuple[Path, Path]:
    secret = _key()
    SECRETS.add(secret)
    good = _write(tmp_path / "good", _site_report())
    bad = _write(
        tmp_path / "bad",
        _site_report(failing=("single-account",), message=f"{HOSTILE} leaked {secret}"),
    )
    return good, bad


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
    _frames_needed()
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
    assert failures["rule"].tolist() == ["single-account"]
    assert not SECRETS.leaks(failures.to_string())
    sites = report.sites_frame()
    assert sites["rules_failed"].tolist() == [1]


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
    if _pandas():
        comparison = both.comparison_frame()
        assert list(comparison.columns) == ["rule", "healthy", "broken", "differs"]
        assert comparison.iloc[0]["rule"] == "single-account"
        assert comparison.iloc[0]["differs"]
        assert both.sites_frame()["site"].tolist() == ["healthy", "broken"]


def test_plots(reports: tuple[Path, Path]) -> None:
    pytest.importorskip("matplotlib", reason="plots need matplotlib (the notebooks extra)")
    both = compare_reports({"healthy": reports[0], "broken": reports[1]})
    for figure in (both.plot_rules(), both.plot_status_codes()):
        assert len(figure.axes) == 2


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
    waivers.write_text(
        '[[waiver]]\nrule = "single-account"\nreason = "known"\nexpires = 2099-01-01\n'
    )
    assert gate_decision(bad, waivers=waivers).passed
    with pytest.raises(GateInputError):
        gate_decision(tmp_path / "missing.json")
    if _pandas():
        frame = blocked.to_frame()
        assert list(frame.columns) == ["site", "status", "check", "reason", "blocking", "waiver"]
        assert frame["blocking"].sum() == len(blocked.blocking)
        assert not SECRETS.leaks(frame.to_string())


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
    if _pandas():
        frame = index.to_frame()
        assert list(frame.columns) == ["path", "kind", "sites", "verdict", "finished", "error"]


def test_ensure_demo_reports_runs_only_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Path, str | None]] = []

    def fake_run(report_dir: Path, fault: str | None, timeout: float) -> None:
        calls.append((report_dir, fault))
        _write(report_dir, _site_report())

    monkeypatch.setattr(notebook, "_run_suite", fake_run)
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


def test_a_live_explorer_never_deletes_an_account_it_did_not_create(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hostile_site import Behaviour, HostileSite

    from contract.live.safety import SafetyError
    from contract.notebook import SiteStateUncertain

    with HostileSite(Behaviour(exists=True)) as site:
        for name, value in site.env().items():
            monkeypatch.setenv(name, value)
        with explore(site.base_url, allow_mutations=True) as live:
            with pytest.raises(SafetyError, match="did not create"):
                live.delete()
            assert live.get().status == 200
        assert site.original_intact and {e.method for e in site.log} == {"GET"}
    with HostileSite(Behaviour(fail="503")) as site:
        for name, value in site.env().items():
            monkeypatch.setenv(name, value)
        with pytest.raises(SiteStateUncertain, match="answered 503"):
            explore(site.base_url, allow_mutations=True)


def test_the_notebook_module_exports_a_curated_api() -> None:
    import contract.notebook as nb

    assert nb.__all__ and all(hasattr(nb, name) for name in nb.__all__)
    assert "explore" in nb.__all__ and "_guard" not in nb.__all__
