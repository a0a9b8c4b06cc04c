"""The release gate: when a contract report lets a release go, and how it fails closed."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from report_factory import combined, site_report

from statuspage_contract.cli.gate import add_arguments as add_gate_arguments
from statuspage_contract.cli.gate import main as gate_main
from statuspage_contract.gate import (
    EXIT_BLOCKED,
    EXIT_INVALID,
    EXIT_PASS,
    GateDecision,
    GateInputError,
    evaluate,
    parse_waivers,
)
from statuspage_contract.rules import RULES
from statuspage_contract.spec import load_contract

TODAY = "2026-06-15"
REPO_ROOT = Path(__file__).resolve().parents[2]
POST = load_contract().create.label


# -- a small report factory -----------------------------------------------------------------
WAIVE_401 = """
[[waiver]]
rule = "documented-status"
site = "datadoghq.com"
reason = "datadoghq.com answers 401 to an unknown key; DOCS-1234 tracks documenting it"
expires = 2026-12-31
"""


# -- helpers --------------------------------------------------------------------------------
def write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def run_gate(*argv: str | Path) -> int:
    parser = argparse.ArgumentParser(prog="statuspage-contract gate")
    add_gate_arguments(parser)
    return gate_main(parser.parse_args([str(a) for a in argv]))


def decide(report: dict[str, Any], **kwargs: Any) -> GateDecision:
    kwargs.setdefault("today", date.fromisoformat(TODAY))
    return evaluate(report, **kwargs)


def line_for(decision: GateDecision, subject: str, site: str | None = None):
    (line,) = [
        x for x in decision.lines if x.subject == subject and (site is None or x.site == site)
    ]
    return line


# -- a clean report -------------------------------------------------------------------------
def test_a_clean_report_lets_the_release_go_and_says_so_rule_by_rule(tmp_path, capsys):
    report = write(tmp_path, "r.json", site_report())
    assert run_gate(report, "--today", TODAY) == EXIT_PASS
    out = capsys.readouterr().out
    for name in RULES:
        assert f"PASS           {name}: " in out
    assert "PASS           auth-enforced: 5 checks passed" in out
    assert "RELEASE MAY GO" in out


def test_the_gate_accepts_the_report_directory(tmp_path, capsys):
    write(tmp_path, "contract-report.json", site_report())
    assert run_gate(tmp_path, "--today", TODAY) == EXIT_PASS


# -- failing rules and waivers --------------------------------------------------------------
def test_a_failing_rule_blocks_the_release(tmp_path, capsys):
    report = write(tmp_path, "r.json", site_report(failing=("documented-status",)))
    assert run_gate(report, "--today", TODAY) == EXIT_BLOCKED
    out = capsys.readouterr().out
    assert "FAIL           documented-status: 2 of 5 checks failed" in out
    assert "status 401 is not documented" in out  # an example of what failed
    assert "RELEASE BLOCKED" in out


def test_a_waiver_in_force_lets_a_failing_rule_through_and_shows_its_reason(tmp_path, capsys):
    report = write(tmp_path, "r.json", site_report("datadoghq.com", failing=("documented-status",)))
    waivers = write(tmp_path, "waivers.toml", WAIVE_401)
    assert run_gate(report, "--waivers", waivers, "--today", TODAY) == EXIT_PASS
    out = capsys.readouterr().out
    assert "WAIVED         documented-status: 2 of 5 checks failed" in out
    assert "until 2026-12-31: datadoghq.com answers 401 to an unknown key" in out
    assert "RELEASE MAY GO: no rule fails and every required rule was exercised (1 waived" in out


def test_a_waiver_counts_on_its_expiry_day_and_not_the_day_after(tmp_path, capsys):
    report = write(tmp_path, "r.json", site_report("datadoghq.com", failing=("documented-status",)))
    waivers = write(tmp_path, "waivers.toml", WAIVE_401)
    assert run_gate(report, "--waivers", waivers, "--today", "2026-12-31") == EXIT_PASS
    capsys.readouterr()
    assert run_gate(report, "--waivers", waivers, "--today", "2027-01-01") == EXIT_BLOCKED
    out = capsys.readouterr().out
    assert "FAIL           documented-status" in out
    assert "a waiver expired on 2026-12-31 and no longer counts" in out
    assert "note: the waiver for documented-status on datadoghq.com expired on 2026-12-31" in out


def test_a_site_scoped_waiver_applies_to_its_site_only():
    report = combined(
        site_report("datadoghq.com", failing=("documented-status",)),
        site_report("datadoghq.eu", failing=("documented-status",)),
    )
    decision = decide(report, waivers=parse_waivers(WAIVE_401))
    assert line_for(decision, "documented-status", "datadoghq.com").status == "WAIVED"
    assert line_for(decision, "documented-status", "datadoghq.eu").status == "FAIL"
    assert not decision.passed


def test_a_waiver_without_a_site_applies_to_every_site():
    report = combined(
        site_report("datadoghq.com", failing=("documented-status",)),
        site_report("datadoghq.eu", failing=("documented-status",)),
    )
    waivers = parse_waivers(WAIVE_401.replace('site = "datadoghq.com"\n', ""))
    assert decide(report, waivers=waivers).passed


def test_a_waiver_that_nothing_needed_is_pointed_out():
    decision = decide(site_report("datadoghq.com"), waivers=parse_waivers(WAIVE_401))
    assert decision.passed
    assert decision.notes == [
        "the waiver for documented-status on datadoghq.com was not needed: consider removing it"
    ]


# -- rules that did not run -----------------------------------------------------------------
def test_a_required_rule_with_no_checks_blocks_the_release(tmp_path, capsys):
    report = write(tmp_path, "r.json", site_report(unexercised=("single-account",)))
    assert run_gate(report, "--today", TODAY) == EXIT_BLOCKED
    out = capsys.readouterr().out
    assert "NOT EXERCISED  single-account: required on a mock site, but no check passed" in out


def test_a_required_rule_that_was_only_skipped_is_not_exercised_and_says_why():
    report = site_report(skipped={"lifecycle-effects": "mutations are not allowed on this site"})
    line = line_for(decide(report), "lifecycle-effects")
    assert (line.status, line.blocking) == ("NOT EXERCISED", True)
    assert "skipped: mutations are not allowed on this site" in line.reason


def test_a_rule_optional_on_live_sites_with_no_checks_does_not_block_there():
    """rate-limit-headers is judged on every 429, but a live site is not driven into 429."""
    report = site_report("datadoghq.eu", unexercised=("rate-limit-headers",))
    decision = decide(report)
    line = line_for(decision, "rate-limit-headers")
    assert (line.status, line.blocking) == ("NOT EXERCISED", False)
    assert decision.passed
    on_mock = decide(site_report("mock", unexercised=("rate-limit-headers",)))
    assert not on_mock.passed


def test_requiredness_comes_from_the_registry_never_from_the_report():
    report = site_report(unexercised=("single-account",), optional=("single-account",))
    decision = decide(report)
    line = line_for(decision, "single-account")
    assert (line.status, line.blocking) == ("NOT EXERCISED", True)
    assert not decision.passed


def test_a_waiver_can_accept_an_unexercised_required_rule():
    report = site_report("datadoghq.com", unexercised=("lifecycle-effects",))
    waivers = parse_waivers(WAIVE_401.replace("documented-status", "lifecycle-effects"))
    assert decide(report, waivers=waivers).passed


def test_a_required_rule_missing_from_the_report_is_not_exercised():
    report = site_report()
    del report["rules"]["auth-enforced"]
    line = line_for(decide(report), "auth-enforced")
    assert (line.status, line.blocking) == ("NOT EXERCISED", True)
    assert "missing from the report" in line.reason


def test_tests_that_failed_without_a_rule_block_the_release_and_cannot_be_waived():
    report = site_report(errors=("contract/suite/test_examples.py::test_broken",))
    decision = decide(report)
    line = line_for(decision, "tests")
    assert line.status == "FAIL" and "test_broken" in line.reason
    assert not decision.passed


# -- the baseline ---------------------------------------------------------------------------
def test_a_rule_that_passed_in_the_baseline_and_fails_now_is_a_regression(tmp_path, capsys):
    baseline = write(tmp_path, "old.json", site_report())
    report = write(tmp_path, "new.json", site_report(failing=("api-key-masked",)))
    assert run_gate(report, "--baseline", baseline, "--today", TODAY) == EXIT_BLOCKED
    out = capsys.readouterr().out
    assert "FAIL           api-key-masked: 2 of 5 checks failed (regression" in out


def test_an_optional_rule_that_passed_in_the_baseline_must_still_be_exercised():
    report = site_report("datadoghq.eu", unexercised=("rate-limit-headers",))
    decision = decide(report, baseline=site_report("datadoghq.eu"))
    line = line_for(decision, "rate-limit-headers")
    assert (line.status, line.blocking) == ("FAIL", True)
    assert "passed in the baseline" in line.reason


def test_a_status_code_exercised_in_the_baseline_but_not_now_blocks(tmp_path, capsys):
    baseline = write(tmp_path, "old.json", site_report(seen={POST: {"409": 3}}))
    report = write(tmp_path, "new.json", site_report(seen={POST: {"409": 0}}))
    assert run_gate(report, "--baseline", baseline, "--today", TODAY) == EXIT_BLOCKED
    out = capsys.readouterr().out
    assert f"FAIL           {POST} 409: documented status 409 was seen 3 times in the" in out


def test_a_status_code_never_exercised_in_the_baseline_may_stay_unexercised():
    baseline = site_report(seen={POST: {"429": 0}})
    decision = decide(site_report(seen={POST: {"429": 0}}), baseline=baseline)
    assert decision.passed
    assert line_for(decision, "status-code coverage").status == "PASS"


def test_a_site_tested_in_the_baseline_but_missing_now_blocks():
    baseline = combined(site_report("datadoghq.com"), site_report("datadoghq.eu"))
    decision = decide(combined(site_report("datadoghq.com")), baseline=baseline)
    line = line_for(decision, "site", "datadoghq.eu")
    assert line.blocking and "missing from this report" in line.reason


def test_a_baseline_of_another_site_cannot_be_compared(tmp_path, capsys):
    baseline = write(tmp_path, "old.json", site_report("datadoghq.eu"))
    report = write(tmp_path, "new.json", site_report("datadoghq.com"))
    assert run_gate(report, "--baseline", baseline) == EXIT_INVALID
    assert "the baseline has no results for site datadoghq.com" in capsys.readouterr().err


# -- failing closed -------------------------------------------------------------------------
def _unknown_version() -> dict[str, Any]:
    return {**site_report(), "version": 2}


def _contradiction() -> dict[str, Any]:
    report = site_report()
    report["rules"]["no-server-error"]["failed"] = 3  # status still says "passed"
    return report


BROKEN_REPORTS = {
    "empty": ("", "is empty"),
    "blank": ("  \n", "is empty"),
    "truncated": (json.dumps(site_report())[:400], "is truncated"),
    "not JSON": ("<html>report</html>", "is not valid JSON"),
    "a JSON list": ("[]", "is not a JSON object"),
    "another format": ({"format": "junit", "version": 1}, "is not a statuspage-contract-report"),
    "no version": ({"format": "statuspage-contract-report"}, "has no valid version"),
    "unknown version": (_unknown_version(), "has format version 2; this gate reads version 1"),
    "no rules": ({**site_report(), "rules": {}}, "'rules' must be a non-empty object"),
    "errors not a list": (
        {**site_report(), "tests": {"errors_without_rule": "none"}},
        "errors_without_rule must be a list",
    ),
    "status contradicting counts": (_contradiction(), "contradicts its counts"),
    "unknown kind": ({**site_report(), "kind": "merged"}, "has an unknown kind 'merged'"),
    "combined without sites": (
        {**combined(site_report()), "sites": {}},
        "a combined report needs a non-empty 'sites'",
    ),
    "combined with a broken site": (
        combined({**site_report(), "verdict": "maybe"}),
        "site mock: verdict must be passed or failed",
    ),
}


def assert_one_line_error(capsys, *expected: str) -> None:
    captured = capsys.readouterr()
    assert captured.out == ""  # no verdict lines, and above all no PASS
    assert "Traceback" not in captured.err
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("statuspage-contract gate: error: ")
    for text in expected:
        assert text in captured.err


@pytest.mark.parametrize(("content", "expected"), BROKEN_REPORTS.values(), ids=BROKEN_REPORTS)
def test_an_untrustworthy_report_exits_2_with_one_clear_line(tmp_path, capsys, content, expected):
    report = write(tmp_path, "r.json", content)
    assert run_gate(report) == EXIT_INVALID
    assert_one_line_error(capsys, str(report), expected)


def test_a_missing_report_exits_2(tmp_path, capsys):
    assert run_gate(tmp_path / "nowhere.json") == EXIT_INVALID
    assert_one_line_error(capsys, "nowhere.json does not exist")


def test_a_report_that_is_not_utf8_exits_2(tmp_path, capsys):
    report = tmp_path / "r.json"
    report.write_bytes(b"\xff\xfe{}")
    assert run_gate(report) == EXIT_INVALID
    assert_one_line_error(capsys, "is not UTF-8 text")


def test_an_untrustworthy_baseline_exits_2(tmp_path, capsys):
    report = write(tmp_path, "r.json", site_report())
    baseline = write(tmp_path, "old.json", json.dumps(site_report())[:100])
    assert run_gate(report, "--baseline", baseline) == EXIT_INVALID
    assert_one_line_error(capsys, f"baseline {baseline} is truncated")


BROKEN_WAIVERS = {
    "unknown rule": (
        WAIVE_401.replace("documented-status", "documented-statuses"),
        "names an unknown rule 'documented-statuses'; valid rules: api-key-masked,",
    ),
    "a misspelt key": (
        WAIVE_401.replace('reason = "datadoghq.com answers', 'note = "'),
        "unknown key(s) note",
    ),
    "missing reason": ("[[waiver]]\nrule = 'auth-enforced'\nexpires = 2026-12-31\n", "'reason'"),
    "blank reason": (WAIVE_401.replace('reason = "datadoghq.com', 'reason = " "#'), "non-empty"),
    "missing expiry": (WAIVE_401.replace("expires = 2026-12-31", ""), "missing 'expires'"),
    "a date-time expiry": (
        WAIVE_401.replace("2026-12-31", "2026-12-31T10:00:00Z"),
        "expires must be a date (YYYY-MM-DD), not a date-time",
    ),
    "a prose expiry": (
        WAIVE_401.replace("2026-12-31", '"next year"'),
        "expires must be a date written YYYY-MM-DD",
    ),
    "twice": (WAIVE_401 + WAIVE_401, "a second waiver for the same rule and site"),
    "not TOML": ("rule: documented-status\n", "is not valid TOML"),
    "a table, not a list": ("[waiver]\nrule = 'x'\n", "must be an array of tables"),
    "a stray key": ("owner = 'me'\n" + WAIVE_401, "unknown top-level key(s) owner"),
}


@pytest.mark.parametrize(("content", "expected"), BROKEN_WAIVERS.values(), ids=BROKEN_WAIVERS)
def test_an_invalid_waivers_file_exits_2(tmp_path, capsys, content, expected):
    report = write(tmp_path, "r.json", site_report("datadoghq.com"))
    waivers = write(tmp_path, "waivers.toml", content)
    assert run_gate(report, "--waivers", waivers, "--today", TODAY) == EXIT_INVALID
    assert_one_line_error(capsys, f"waivers file {waivers}", expected)


def test_a_missing_waivers_file_exits_2(tmp_path, capsys):
    report = write(tmp_path, "r.json", site_report())
    assert run_gate(report, "--waivers", tmp_path / "none.toml") == EXIT_INVALID
    assert_one_line_error(capsys, "none.toml does not exist")


def test_an_empty_waivers_file_means_no_waivers():
    assert parse_waivers("# nothing waived today\n") == []


def test_a_string_date_is_accepted_as_expiry():
    (waiver,) = parse_waivers(WAIVE_401.replace("2026-12-31", '"2026-12-31"'))
    assert waiver.expires == date(2026, 12, 31)


def test_a_malformed_today_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        run_gate("r.json", "--today", "31/12/2026")
    assert exit_info.value.code == 2
    assert "expected a date YYYY-MM-DD" in capsys.readouterr().err


def test_evaluate_refuses_a_foreign_baseline_with_an_exception_not_an_exit():
    with pytest.raises(GateInputError):
        decide(site_report("datadoghq.com"), baseline=site_report("datadoghq.eu"))


# -- the decision object --------------------------------------------------------------------
def test_the_decision_serialises_to_json_for_notebooks_and_tools():
    decision = decide(site_report(failing=("auth-enforced",)))
    data = json.loads(json.dumps(decision.to_dict()))
    assert data["passed"] is False and data["exit_code"] == EXIT_BLOCKED
    assert {"status": "FAIL", "subject": "auth-enforced", "site": "mock"}.items() <= next(
        line for line in data["lines"] if line["subject"] == "auth-enforced"
    ).items()


def test_the_decision_renders_as_an_escaped_html_table_in_notebooks():
    from statuspage_contract.notebook.gate_views import GateResult

    decision = decide(site_report(failing=("auth-enforced",), message="<script>x()</script>"))
    assert not hasattr(decision, "_repr_html_")  # the gate makes no HTML; the notebook does
    page = GateResult.of(decision)._repr_html_()
    assert "<table" in page and "RELEASE BLOCKED" in page
    assert "<script>" not in page and "&lt;script&gt;" in page


# -- the command line -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "code"), [(site_report(), 0), (site_report(failing=("auth-enforced",)), 1)]
)
def test_the_cli_gate_command_exits_with_the_decision(tmp_path, content, code):
    report = write(tmp_path, "r.json", content)
    done = subprocess.run(
        [sys.executable, "-m", "statuspage_contract.cli", "gate", str(report), "--today", TODAY],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    assert done.returncode == code, done.stderr
    assert "RELEASE" in done.stdout


def test_the_cli_gate_command_fails_closed_without_a_traceback(tmp_path):
    report = write(tmp_path, "r.json", '{"format": "statuspage-contract-report", "vers')
    done = subprocess.run(
        [sys.executable, "-m", "statuspage_contract.cli", "gate", str(report)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 2
    assert "is truncated" in done.stderr and "Traceback" not in done.stderr


def test_the_docs_derived_rate_limit_rule_says_so_and_the_example_waiver_waives_it(tmp_path):
    """rate-limit-headers is derived from Datadog's rate-limit docs, not its API definition:
    its summary says so, and the example file's (commented-out) waiver, once uncommented,
    lets its failure through the gate."""
    summary = RULES["rate-limit-headers"].summary
    assert "rate-limit docs" in summary and "declares no 429 headers" in summary
    example = (REPO_ROOT / "examples" / "github-actions" / "waivers.toml").read_text()
    block = example[example.index('# rule = "rate-limit-headers"') - len("# [[waiver]]\n") :]
    waiver = "\n".join(line.removeprefix("# ") for line in block.splitlines()[:4])
    report = site_report("datadoghq.com", failing=("rate-limit-headers",))
    assert not decide(report).passed
    waived = decide(report, waivers=parse_waivers(waiver))
    assert waived.passed, waived.summary
