"""The gate trusts only what it recomputes: a real report passes, and every corrupted or
inconsistent variant of it (one per invariant of statuspage_contract.report.invariants) is refused
by ``statuspage-contract gate`` with exit 2 and one line naming the field, never a pass."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli
from report_factory import combined, proxy_report, site_report

from statuspage_contract.spec import load_contract

Report = dict[str, Any]
POST = load_contract().create.label
GET = load_contract().operation("GET").label


@pytest.fixture(scope="module")
def real_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    """The report of a real `statuspage-contract run --site mock` (it HOLDS)."""
    folder = tmp_path_factory.mktemp("real")
    done = run_cli(["run", "--site", "mock", "--report-dir", folder / "out"], cwd=folder)
    assert done.returncode == 0, done.stderr
    report: Report = json.loads((folder / "out" / "contract-report.json").read_text())
    return report


def gate(tmp_path: Path, report: Report | str) -> tuple[int, str, str]:
    path = tmp_path / "contract-report.json"
    path.write_text(report if isinstance(report, str) else json.dumps(report))
    done = run_cli(["gate", path], cwd=tmp_path, timeout=60)
    return done.returncode, done.stdout, done.stderr


def assert_refused(tmp_path: Path, report: Report | str, *expected: str) -> None:
    code, out, err = gate(tmp_path, report)
    assert code == 2, out + err
    assert out == "" and "Traceback" not in err, out + err
    assert err.count("\n") == 1 and err.startswith("statuspage-contract gate: error: "), err
    for text in expected:
        assert text in err, err


def test_the_untouched_real_report_lets_the_release_go(tmp_path, real_report):
    code, out, err = gate(tmp_path, real_report)
    assert code == 0, out + err
    assert "RELEASE MAY GO" in out


def test_the_real_report_counts_its_requests_and_their_state_control(real_report):
    counts = real_report["run"]["request_counts"]
    assert counts["total"] == real_report["run"]["requests"]
    assert 0 < counts["state_control"] < counts["total"]
    assert counts["by_operation"][GET] > 0


# -- corrupt variants of the real report: one per invariant ----------------------------------
def _set(path: str, value: Any) -> Callable[[Report], None]:
    """Set a field by its dotted path (``run.site``); ``[KEY]`` for keys with dots or spaces."""

    def change(report: Report) -> None:
        keys = path.replace("[", ".[").split(".")
        keys = [k[1:-1] if k.startswith("[") else k for k in keys if k]
        target: Any = report
        for key in keys[:-1]:
            target = target[int(key) if isinstance(target, list) else key]
        target[int(keys[-1]) if isinstance(target, list) else keys[-1]] = value

    return change


def _all(*changes: Callable[[Report], None]) -> Callable[[Report], None]:
    def change(report: Report) -> None:
        for step in changes:
            step(report)

    return change


def _zero_status_codes(report: Report) -> None:
    for entry in report["status_codes"].values():
        for part in ("documented", "undocumented"):
            entry[part] = dict.fromkeys(entry[part], 0)


def _add_requests(n: int) -> Callable[[Report], None]:
    def change(report: Report) -> None:
        report["run"]["requests"] += n

    return change


def _passed_tests_failed(report: Report) -> None:
    tests = report["tests"]
    tests["passed"] -= 1
    tests["failed"] += 1
    tests["errors_without_rule"] = ["contract/suite/test_examples.py::test_x"]


def _count_failure(report: Report) -> None:
    report["rules"]["auth-enforced"].update(status="failed", failed=1)
    report["failures"] = [
        {"rule": "auth-enforced", "operation": POST, "test": "t", "message": "m", "occurrences": 5}
    ]


def _rename_in_combined(report: Report) -> None:
    report["sites"]["datadoghq.com"] = report["sites"].pop("datadoghq.eu")


CORRUPTIONS: dict[str, tuple[Callable[[Report], None], str]] = {
    # status_codes against the rules that judged the answers
    "undocumented 500s": (
        _set(f"status_codes.[{POST}].undocumented", {"500": 3}),
        "status_codes records 3 undocumented answer(s)",
    ),
    "an undocumented 401": (
        _set(f"status_codes.[{GET}].undocumented", {"401": 1}),
        "rules.documented-status counts 0 failed",
    ),
    "a documented 5xx": (
        _set(f"status_codes.[{GET}].documented.503", 2),
        "status_codes records 2 5xx answer(s), but rules.no-server-error",
    ),
    "empty status_codes": (_set("status_codes", {}), "status_codes records none"),
    "all-zero status_codes": (_zero_status_codes, "status_codes records none"),
    "a negative count": (_set(f"status_codes.[{GET}].documented.200", -1), "to counts"),
    "a code that is no status": (
        _set(f"status_codes.[{GET}].documented.abc", 1),
        "'abc', which is not an HTTP status code",
    ),
    "a code documented and not": (
        _set(f"status_codes.[{GET}].undocumented", {"200": 1}),
        "status 200 is both documented and not",
    ),
    "an undocumented count of 0": (
        _set(f"status_codes.[{GET}].undocumented", {"418": 0}),
        "with a count of 0",
    ),
    "more answers than requests": (_set("run.requests", 3), "more than the 3 run.requests"),
    # run.requests against the checks
    "no requests but checks": (_set("run.requests", 0), "run.requests is 0"),
    "fewer requests than judged": (_add_requests(-1), "more than the"),
    "an answer no rule judged": (
        _set("rules.no-server-error.passed", 1),
        "but rules.no-server-error judged only 1",
    ),
    # run.request_counts against run.requests and status_codes
    "request total not run.requests": (
        _set("run.request_counts.total", 1),
        "run.request_counts: total 1 is not run.requests",
    ),
    "more state control than requests": (
        _set("run.request_counts.state_control", 10**6),
        "state_control 1000000 is more than the",
    ),
    "an operation's requests not its answers": (
        _set(f"run.request_counts.by_operation.[{GET}]", 1),
        f"by_operation counts 1 request(s) to {GET}, but status_codes records",
    ),
    "requests to an operation not in the table": (
        _set("run.request_counts.by_operation.[GET /elsewhere]", 1),
        "by_operation names GET /elsewhere",
    ),
    "request counts of no object": (
        _set("run.request_counts", []),
        "run.request_counts must be an object",
    ),
    # the recorded decision against the one recomputed
    "decision verdict": (_set("decision.verdict", "VIOLATED"), "decision.verdict is 'VIOLATED'"),
    "decision exit code": (_set("decision.exit_code", 3), "decision.exit_code is 3"),
    "decision broken rules": (
        _set("decision.broken_rules", ["auth-enforced"]),
        "decision.broken_rules",
    ),
    "decision unexercised": (
        _set("decision.unexercised_required_rules", ["x"]),
        "decision.unexercised_required_rules",
    ),
    "decision claims a waiver": (_set("decision.waived", ["auth-enforced"]), "decision.waived"),
    "decision not an object": (_set("decision", "HOLDS"), "'decision' must be an object"),
    "verdict failed on HOLDS": (_set("verdict", "failed"), "verdict 'failed' contradicts"),
    # run.site against site_kind, base_url and mock_faults
    "a mock report renamed live": (
        _set("run.site", "datadoghq.eu"),
        "run.site_kind 'mock' contradicts run.site 'datadoghq.eu'",
    ),
    "renamed, site_kind too": (
        _all(_set("run.site", "datadoghq.eu"), _set("run.site_kind", "live")),
        "run.base_url 'http://127.0.0.1:",
    ),
    "a live base URL on the mock": (
        _set("run.base_url", "https://api.datadoghq.eu"),
        "is not the embedded mock's loopback URL",
    ),
    "site_kind live on the mock": (_set("run.site_kind", "live"), "run.site_kind 'live'"),
    "an unknown site": (_set("run.site", "example.org"), "'example.org' is not a site"),
    "a site spelt otherwise": (_set("run.site", "MOCK"), "is not how a report names"),
    "a URL site with another base URL": (
        _all(_set("run.site", "http://127.0.0.1:9"), _set("run.site_kind", "live")),
        "contradicts run.site 'http://127.0.0.1:9'",
    ),
    "a base URL that is no string": (_set("run.base_url", None), "run.base_url must be a string"),
    "mock faults of no name": (_set("run.mock_faults", [1]), "run.mock_faults must be a list"),
    "an unknown run kind": (_set("run.kind", "replay"), "run.kind 'replay' is unknown"),
    # pytest_exit_status against complete and the tests
    "interrupted but complete": (_set("run.pytest_exit_status", 2), "pytest_exit_status is 2"),
    "no tests collected but complete": (_set("run.pytest_exit_status", 5), "is 5"),
    "finished but not complete": (_set("run.complete", False), "run.complete is false"),
    "complete not a boolean": (_set("run.complete", "yes"), "run.complete must be true or false"),
    "an exit status that is no integer": (_set("run.pytest_exit_status", "0"), "an integer"),
    "a passing pytest with failed tests": (_passed_tests_failed, "pytest_exit_status is 0"),
    "aborted but complete": (_set("run.aborted", "run aborted mid-run: x"), "aborted"),
    "an empty abort reason": (_set("run.aborted", ""), "run.aborted must be null or a reason"),
    "a negative duration": (_set("run.duration_seconds", -1), "run.duration_seconds"),
    "finished before it started": (
        _set("run.finished", "2000-01-01T00:00:00+00:00"),
        "comes before run.started",
    ),
    "skip reasons not a list": (_set("tests.skip_reasons", 5), "tests.skip_reasons must be"),
    "a rule's skip reasons of no text": (
        _set("rules.auth-enforced.skip_reasons", [1]),
        "rules.auth-enforced.skip_reasons",
    ),
    # failures against the rules
    "more occurrences than failed checks": (_count_failure, "records 5 occurrence(s)"),
    "a failure seen 0 times": (
        _all(_count_failure, _set("failures.0.occurrences", 0)),
        "occurrences must be a count of at least 1",
    ),
    # input that is no text
    "lone surrogate in run.site": (_set("run.site", "mock\ud800"), "lone surrogate"),
    "lone surrogate in a key": (_set("rules.\udc80", {}), "lone surrogate"),
}


@pytest.mark.parametrize(("change", "expected"), CORRUPTIONS.values(), ids=CORRUPTIONS)
def test_a_corrupt_variant_of_a_real_report_is_refused(tmp_path, real_report, change, expected):
    report = copy.deepcopy(real_report)
    change(report)
    assert report != real_report
    text = json.dumps(report)  # ensure_ascii: a lone surrogate is written as its \u escape
    assert_refused(tmp_path, text, expected)


def test_a_report_of_only_a_marker_from_an_unfinished_run_is_refused(tmp_path):
    from statuspage_contract.report.build import unfinished_marker

    assert_refused(tmp_path, unfinished_marker("it was killed"), "no decision to gate: it was")


def test_an_integer_too_long_to_convert_is_refused(tmp_path, real_report):
    text = json.dumps(real_report).replace('"requests": ', '"requests": ' + "9" * 5000, 1)
    assert_refused(tmp_path, text, "not a usable JSON report")


# -- combined reports -----------------------------------------------------------------------
def test_a_combined_report_passes_only_as_the_worst_of_its_sites(tmp_path):
    good = combined(site_report("datadoghq.com"), site_report("datadoghq.eu"))
    assert gate(tmp_path, good)[0] == 0
    failing = combined(
        site_report("datadoghq.com"), site_report("datadoghq.eu", failing=("auth-enforced",))
    )
    failing["verdict"] = "passed"
    assert_refused(tmp_path, failing, "contradicts its sites' verdicts (failed: datadoghq.eu)")
    renamed = copy.deepcopy(good)
    _rename_in_combined(renamed)
    assert_refused(tmp_path, renamed, "sites names 'datadoghq.com' a report whose run.site is")
    decided = copy.deepcopy(good)
    decided["decision"] = {"verdict": "VIOLATED", "exit_code": 1, "reason": "x"}
    assert_refused(tmp_path, decided, "decision.verdict is 'VIOLATED'")


# -- proxy reports --------------------------------------------------------------------------
PROXY_CORRUPTIONS: dict[str, tuple[Callable[[Report], None], str]] = {
    "unanswered without a reason": (
        _all(
            _set("run.proxy.unanswered.requests", 2),
            _set("run.proxy.forwarded", 102),
            _set("run.requests", 102),
            _set("tests.total", 12),
            _set("tests.failed", 2),
            _set("tests.errors_without_rule", ["proxy: a test error"]),
        ),
        "run.proxy.unanswered counts 2 request(s) but by_reason names 0",
    ),
    "not judged without an error": (
        _all(
            _set("run.proxy.not_judged", 1),
            _set("run.proxy.forwarded", 101),
            _set("run.requests", 101),
        ),
        "tests.total is not run.proxy.judged + unanswered + not_judged",
    ),
    "forwarded not adding up": (_set("run.proxy.forwarded", 7), "run.proxy.forwarded is not"),
    "requests not forwarded": (_set("run.requests", 99), "run.requests is not run.proxy"),
    "a reason not named as an error": (
        _set("run.proxy.unanswered.by_reason", ["proxy: 1 request(s) to x got no answer"]),
        "by_reason must list lines of tests.errors_without_rule",
    ),
    "no proxy section": (_set("run.proxy", None), "run.proxy must be an object"),
    "a count that is no count": (_set("run.proxy.judged", -1), "run.proxy.judged must be a count"),
}


def test_a_consistent_proxy_report_passes(tmp_path):
    code, out, err = gate(tmp_path, proxy_report())
    assert code == 0, out + err


@pytest.mark.parametrize(("change", "expected"), PROXY_CORRUPTIONS.values(), ids=PROXY_CORRUPTIONS)
def test_a_corrupt_proxy_report_is_refused(tmp_path, change, expected):
    report = proxy_report()
    change(report)
    assert_refused(tmp_path, report, expected)


def test_a_live_report_renamed_to_the_mock_is_refused(tmp_path):
    report = site_report("datadoghq.eu")
    report["run"]["site"] = "mock"
    assert_refused(tmp_path, report, "is not the embedded mock's loopback URL")
    faulted = site_report("datadoghq.eu")
    faulted["run"]["mock_faults"] = ["slow"]
    assert_refused(tmp_path, faulted, "run.mock_faults names faults of the embedded mock")
