"""``statuspage-contract run``: exit codes, one-line errors, reports, live-site safety rules.

The command runs as a user runs it: in a subprocess, from a scratch directory outside the
repository. Runs that start pytest cost seconds each, so the module starts all of them at once
(``suite_runs``) and the tests read their results; runs that stop at argument validation are
quick and run per test. Sites other than ``mock`` are a :class:`MockSite` served by this process,
one organisation (one pair of DD keys) per run.

Exit codes: 0 HOLDS, 1 VIOLATED, 3 INCOMPLETE, 2 ABORTED / NOTHING TESTED / usage error.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cli_runner import modules_in_junit_order, submit_cli

from statuspage_contract.exit_codes import ERROR as EXIT_ERROR
from statuspage_contract.exit_codes import FAILED as EXIT_VIOLATED
from statuspage_contract.exit_codes import INCOMPLETE as EXIT_INCOMPLETE
from statuspage_contract.exit_codes import OK as EXIT_HOLDS
from statuspage_contract.mock import MockSite
from statuspage_contract.rules import RULES
from statuspage_contract.runner import _request_lines, outcome

TIMEOUT = 180
REPORT_FILES = ("contract-report.json", "junit.xml", "contract-report.html", "summary.md")
#: ``python -m statuspage_contract.cli``: how the brief and the CI examples start the command.
MODULE = (sys.executable, "-m", "statuspage_contract.cli")
#: What the installed ``statuspage-contract`` console script does.
SCRIPT = (
    sys.executable,
    "-c",
    "import sys; from statuspage_contract.cli import main; sys.exit(main())",
)


def cli_env(api_key: str | None = None, app_key: str | None = None, **extra: str) -> dict[str, str]:
    """This environment without any DD_* variable, plus the given DD keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    env.update(PYTHONUNBUFFERED="1", **extra)
    if api_key is not None:
        env["DD_API_KEY"] = api_key
    if app_key is not None:
        env["DD_APP_KEY"] = app_key
    return env


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Run:
    """A finished ``statuspage-contract run``."""

    returncode: int
    stdout: str
    stderr: str
    cwd: Path
    report_dir: Path

    @property
    def last_line(self) -> str:
        lines = self.stderr.strip().splitlines()
        return lines[-1] if lines else ""

    @property
    def report(self) -> dict[str, Any]:
        return json.loads((self.report_dir / "contract-report.json").read_text(encoding="utf-8"))


def start(
    tmp: Path, *args: str, env: dict[str, str], launcher: tuple[str, ...] | None = None
) -> Callable[[], Run]:
    """Start ``run ARGS --report-dir out`` with cwd ``tmp/cwd``; returns a function that waits.

    Output goes to files, not pipes, so that parallel runs never block on a full pipe.
    """
    cwd = tmp / "cwd"
    cwd.mkdir(parents=True)
    # `python -m statuspage_contract.cli`, forked from a process that imported it
    if launcher is None:
        future = submit_cli(
            ["run", *args, "--report-dir", "out"], cwd=cwd, env=env, timeout=TIMEOUT
        )

        def result() -> Run:
            done = future.result()
            return Run(done.returncode, done.stdout, done.stderr, cwd, cwd / "out")

        return result
    out, err = (tmp / "stdout.txt").open("w"), (tmp / "stderr.txt").open("w")
    process = subprocess.Popen(
        [*launcher, "run", *args, "--report-dir", "out"],
        cwd=cwd,
        env=env,
        stdout=out,
        stderr=err,
        stdin=subprocess.DEVNULL,
    )

    def finish() -> Run:
        try:
            process.wait(timeout=TIMEOUT)
        finally:
            out.close()
            err.close()
            if process.poll() is None:
                process.kill()
        return Run(
            process.returncode,
            (tmp / "stdout.txt").read_text(),
            (tmp / "stderr.txt").read_text(),
            cwd,
            cwd / "out",
        )

    return finish


# -- the runs that start pytest, all at once ------------------------------------------------
@dataclass
class Org:
    api_key: str
    app_key: str
    org: Any


@dataclass
class SuiteRuns:
    runs: dict[str, Run]
    site: MockSite
    orgs: dict[str, Org]
    preexisting_key: str
    unreachable_port: int


SUBSET = "reference or second_create"


@pytest.fixture(scope="module")
def suite_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SuiteRuns]:
    with MockSite(api_key=secrets.token_hex(16), app_key=secrets.token_hex(20)) as site:
        orgs = {"untouched": Org(site.api_key, site.app_key, site.default_organisation)}
        for name in ("allowed", "occupied"):
            org, api_key, app_key = site.new_organisation()
            orgs[name] = Org(api_key, app_key, org)
        preexisting = secrets.token_hex(32)
        orgs["occupied"].org.account_key = preexisting
        port = closed_port()

        def keys(name: str) -> dict[str, str]:
            return cli_env(orgs[name].api_key, orgs[name].app_key)

        url = site.base_url
        # The whole suite, with few examples per property-based test: these runs are about the
        # command, its reports and its output (tests/test_suite_proof.py runs the ci profile's
        # full number against the healthy mock).
        fewer = ("--examples", "5")
        plan: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
            "healthy-mock": (("--site", "mock", *fewer), cli_env()),
            "selected": (("--site", "mock", "-k", SUBSET), cli_env()),
            "nothing": (("--site", "mock", "-k", "no_such_test"), cli_env()),
            "one-rule-fault": (
                ("--site", "mock", "--mock-fault", "error-envelope-string", *fewer),
                cli_env(),
            ),
            "faulty-mock": (
                ("--site", "mock", "--mock-fault", "unmasked-api-key", "-k", "reference"),
                cli_env(),
            ),
            "unreachable": (
                ("--site", f"http://127.0.0.1:{port}"),
                cli_env(secrets.token_hex(16), secrets.token_hex(20)),
            ),
            "rejected": (("--site", url), cli_env(secrets.token_hex(16), secrets.token_hex(20))),
            "allowed": (("--site", url, "--allow-mutations", "-k", SUBSET), keys("allowed")),
            "untouched": (("--site", url, "-k", SUBSET), keys("untouched")),
            "occupied": (
                ("--site", url, "--allow-mutations", "-k", f"{SUBSET} or (empty and create)"),
                keys("occupied"),
            ),
        }
        waiting = {
            name: start(tmp_path_factory.mktemp(name), *args, env=env)
            for name, (args, env) in plan.items()
        }
        runs = {name: finish() for name, finish in waiting.items()}
        yield SuiteRuns(runs, site, orgs, preexisting, port)


def test_a_healthy_mock_run_exits_0_and_writes_every_report(suite_runs):
    run = suite_runs.runs["healthy-mock"]
    assert run.returncode == EXIT_HOLDS, run.stderr
    for name in REPORT_FILES:
        assert (run.report_dir / name).stat().st_size > 0, name
    report = run.report
    assert report["verdict"] == "passed"
    assert report["decision"]["verdict"] == "HOLDS"
    assert report["run"]["site"] == "mock"
    assert report["tests"]["passed"] > 60 and report["tests"]["failed"] == 0
    assert "HOLDS: the contract holds" in run.stdout
    counts = report["run"]["request_counts"]
    assert f"{counts['total']} requests ({counts['state_control']} state control)" in run.stdout
    assert "Traceback" not in run.stderr
    # On the embedded mock the edges follow the example tests
    # (statuspage_contract.suite.MOCK_ORDER).
    assert modules_in_junit_order(run.report_dir) == [
        "test_examples.py", "test_unusual_inputs.py", "test_lifecycle.py", "test_properties.py",
        "test_statuspage_url_settings.py",
    ]  # fmt: skip


def test_a_selection_with_k_is_incomplete_never_holds(suite_runs):
    run = suite_runs.runs["selected"]
    assert run.returncode == EXIT_INCOMPLETE, run.stderr
    assert run.last_line.startswith("statuspage-contract run (mock): INCOMPLETE: nothing failed")
    assert run.report["decision"]["verdict"] == "INCOMPLETE"
    assert "rate-limit-headers" in run.report["decision"]["unexercised_required_rules"]


def test_a_selection_of_nothing_replaces_every_report_and_exits_2(suite_runs):
    run = suite_runs.runs["nothing"]
    assert run.returncode == EXIT_ERROR
    assert "NOTHING TESTED" in run.last_line
    for name in REPORT_FILES:
        assert (run.report_dir / name).stat().st_size > 0, name
    assert run.report["decision"]["verdict"] == "NOTHING TESTED"


def test_a_single_rule_fault_reads_at_a_glance(suite_runs):
    """At most 60 lines, naming the rule, the first failing request and response, and how to
    reproduce it, each distinct violation once with its counts."""
    run = suite_runs.runs["one-rule-fault"]
    assert run.returncode == EXIT_VIOLATED
    lines = (run.stdout + run.stderr).strip().splitlines()
    assert len(lines) <= 60, "\n".join(lines)
    text = "\n".join(lines)
    assert "[error-envelope]" in text and "distinct message(s)" in text
    assert "first response: 404" in text and "curl -X " in text
    assert "reproduce: # replay against: statuspage-contract serve --fault " in text
    assert "Traceback" not in text and "ContractClient object at" not in text


def test_junit_messages_start_with_the_rule_and_its_headline(suite_runs):
    junit = (suite_runs.runs["faulty-mock"].report_dir / "junit.xml").read_text()
    messages = re.findall(r'<failure message="([^"]*)"', junit)
    assert messages and all(m.startswith("[api-key-masked] ") for m in messages), messages[:3]
    assert "ContractClient object at" not in junit


def test_a_run_writes_nothing_in_its_working_directory_but_the_report_dir(suite_runs):
    for name in ("selected", "allowed", "faulty-mock"):
        run = suite_runs.runs[name]
        written = {p.name for p in run.cwd.iterdir()}
        # Not even Hypothesis' .hypothesis/ cache: `run` keeps it in the per-user cache.
        assert written == {"out"}, name


def test_a_mock_fault_makes_the_run_exit_1_naming_the_broken_rule(suite_runs):
    run = suite_runs.runs["faulty-mock"]
    assert run.returncode == EXIT_VIOLATED
    assert "api-key-masked" in run.last_line
    assert "violated" in run.last_line
    assert run.report["rules"]["api-key-masked"]["status"] == "failed"
    assert run.report["run"]["mock_faults"] == ["unmasked-api-key"]


def test_an_unreachable_site_is_an_infrastructure_error_exit_2(suite_runs):
    run = suite_runs.runs["unreachable"]
    assert run.returncode == EXIT_ERROR
    assert "run aborted at the preflight" in run.last_line
    assert f"cannot reach 127.0.0.1:{suite_runs.unreachable_port}" in run.last_line
    assert len(run.stderr.strip().splitlines()) == 1
    assert "Traceback" not in run.stderr + run.stdout
    assert run.report["run"]["aborted"].startswith("run aborted at the preflight")


def test_a_site_that_rejects_the_keys_stops_after_one_request_with_exit_2(suite_runs):
    run = suite_runs.runs["rejected"]
    assert run.returncode == EXIT_ERROR
    assert "rejected the keys" in run.last_line
    assert "run aborted at the preflight" in run.last_line
    assert len(run.stderr.strip().splitlines()) == 1
    assert run.report["run"]["requests"] == 1


def test_with_allow_mutations_the_mutating_tests_run_and_clean_up_after_them(suite_runs):
    run = suite_runs.runs["allowed"]
    assert run.returncode == EXIT_INCOMPLETE, run.stderr  # -k selects two tests
    report = run.report
    assert report["run"]["mutations_allowed"] is True
    assert report["tests"]["passed"] == 2 and report["tests"]["skipped"] == 0
    assert suite_runs.orgs["allowed"].org.account_key is None  # what it created, it deleted


def test_without_allow_mutations_the_mutating_tests_are_skipped_and_nothing_is_created(
    suite_runs,
):
    run = suite_runs.runs["untouched"]
    assert run.returncode == EXIT_INCOMPLETE, run.stderr
    assert "(run with --allow-mutations to exercise them)" in run.last_line
    report = run.report
    assert report["tests"]["skipped"] > 0
    assert report["tests"]["skipped"] == report["tests"]["total"]
    assert report["run"]["mutations_allowed"] is False
    assert report["run"]["requests"] == 1  # the preflight GET, nothing else
    assert report["run"]["request_counts"]["state_control"] == 1  # it only learns the state
    assert "1 requests (1 state control)" in run.stdout
    assert suite_runs.site.default_organisation.account_key is None
    assert "pass --allow-mutations" in run.stdout


def test_a_preexisting_account_is_never_touched_without_replace_existing_account(suite_runs):
    run = suite_runs.runs["occupied"]
    assert run.returncode == EXIT_INCOMPLETE, run.stderr
    report = run.report
    assert report["run"]["existing_account"] is True
    assert report["run"]["mutations_allowed"] is False
    assert report["tests"]["skipped"] == 2  # the two mutating tests
    assert report["tests"]["passed"] > 0  # the read-only ones still ran
    assert suite_runs.orgs["occupied"].org.account_key == suite_runs.preexisting_key
    assert "--replace-existing-account" in run.stdout


# -- usage errors: one line, exit 2, nothing sent -------------------------------------------
LAUNCHERS = [
    pytest.param(SCRIPT, id="console-script"),
    pytest.param(MODULE, id="python-m"),
]


def assert_usage_error(run: Run, *fragments: str) -> None:
    assert "Traceback" not in run.stderr
    assert run.returncode == EXIT_ERROR
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("statuspage-contract run: error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    report = run.report_dir / "contract-report.json"
    if report.exists():  # only the unfinished marker, which the gate refuses (no decision)
        assert json.loads(report.read_text())["kind"] == "unfinished"


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A listening socket that records whether anything connected to it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock


def nothing_connected(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        conn, _ = sock.accept()
    except BlockingIOError:
        return True
    conn.close()
    return False


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_an_unknown_site_is_a_one_line_usage_error(tmp_path, launcher):
    run = start(tmp_path, "--site", "datadoghq.nowhere", env=cli_env(), launcher=launcher)()
    assert_usage_error(run, "unknown site 'datadoghq.nowhere'", "valid sites: mock")


def test_a_non_mock_site_without_dd_keys_is_refused_before_anything_is_sent(tmp_path, listener):
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    run = start(tmp_path, "--site", url, "--allow-mutations", env=cli_env(), launcher=SCRIPT)()
    assert_usage_error(run, "needs DD_API_KEY and DD_APP_KEY")
    assert nothing_connected(listener)


def test_dd_site_is_the_default_site_and_needs_the_keys_too(tmp_path):
    run = start(tmp_path, env=cli_env(DD_SITE="datadoghq.eu"), launcher=SCRIPT)()
    assert_usage_error(run, "site datadoghq.eu needs DD_API_KEY and DD_APP_KEY")


def test_a_mock_fault_is_refused_for_a_non_mock_site(tmp_path, listener):
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    args = ("--site", url, "--mock-fault", "unmasked-api-key")
    env = cli_env(secrets.token_hex(16), secrets.token_hex(20))
    run = start(tmp_path, *args, env=env, launcher=SCRIPT)()
    assert_usage_error(run, "--mock-fault applies to --site mock only")
    assert nothing_connected(listener)


def test_an_unknown_mock_fault_is_a_one_line_usage_error(tmp_path):
    args = ("--site", "mock", "--mock-fault", "no-such-fault")
    run = start(tmp_path, *args, env=cli_env(), launcher=SCRIPT)()
    assert_usage_error(run, "unknown fault no-such-fault", "unmasked-api-key")


# -- outcome(): the run's exit code is the decision over its report -------------------------
def site_report(
    *failed: str,
    aborted: str | None = None,
    site: str = "mock",
    idle: tuple[str, ...] = (),
    errors: tuple[str, ...] = (),
) -> dict[str, Any]:
    return {
        "run": {"site": site, "aborted": aborted, "requests": 50, "complete": True},
        "rules": {
            name: {"failed": int(name in failed), "passed": 0 if name in idle else 3}
            for name in RULES
        },
        "tests": {"total": 10, "errors_without_rule": list(errors)},
    }


def combined(*reports: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "combined", "sites": {r["run"]["site"]: r for r in reports}}


ABORTED = "run aborted at the preflight: cannot reach 127.0.0.1:9: connection refused"


@pytest.mark.parametrize(
    ("status", "report", "expected"),
    [
        (0, site_report(), (EXIT_HOLDS, "HOLDS: the contract holds")),
        (
            1,
            site_report("no-key-echo", "api-key-masked"),
            (
                EXIT_VIOLATED,
                "VIOLATED: the contract is violated: broken rules: api-key-masked, no-key-echo",
            ),
        ),
        (
            1,
            combined(site_report(site="a"), site_report("single-account", site="b")),
            (EXIT_VIOLATED, "VIOLATED on b: the contract is violated: broken rules: single-acc"),
        ),
        (0, site_report(idle=("single-account",)), (EXIT_INCOMPLETE, "INCOMPLETE: nothing")),
        (1, site_report(errors=("t::x",)), (EXIT_ERROR, "ABORTED: 1 test(s) failed without")),
        (1, None, (EXIT_ERROR, "ABORTED: pytest exited with status 1")),
        (2, site_report(aborted=ABORTED), (EXIT_ERROR, f"ABORTED: {ABORTED}")),
        (0, site_report(aborted=ABORTED), (EXIT_ERROR, f"ABORTED: {ABORTED}")),
        (
            1,
            site_report("api-key-masked", aborted=ABORTED),
            (EXIT_VIOLATED, "VIOLATED: the contract is violated: broken rules: api-key-masked; "),
        ),
        (
            0,
            combined(site_report(site="a"), site_report(aborted=ABORTED, site="b")),
            (2, f"ABORTED on b: {ABORTED}"),
        ),
        (2, None, (EXIT_ERROR, "ABORTED: the run was interrupted")),
        (3, None, (EXIT_ERROR, "ABORTED: pytest reported an internal error")),
        (5, None, (EXIT_ERROR, "NOTHING TESTED: no tests ran")),
        (7, None, (EXIT_ERROR, "ABORTED: pytest exited with status 7")),
    ],
    ids=[
        "holds",
        "violated",
        "violated-on-one-of-two-sites",
        "incomplete",
        "failed-without-rule",
        "failed-without-report",
        "aborted",
        "aborted-though-pytest-passed",
        "violated-wins-over-aborted",
        "one-site-aborted",
        "interrupted",
        "internal-error",
        "no-tests",
        "unknown-status",
    ],
)
def test_outcome_maps_the_report_to_the_exit_code(status, report, expected):
    code, reason = outcome(status, report)
    assert code == expected[0]
    assert reason.startswith(expected[1])
    assert "\n" not in reason


def test_the_line_above_the_decision_says_what_each_site_cost():
    one = site_report(site="a")
    one["run"]["request_counts"] = {"total": 50, "state_control": 20, "by_operation": {}}
    assert _request_lines(one) == ["50 requests (20 state control)"]
    assert _request_lines(combined(one, site_report(site="b"))) == [
        "a: 50 requests (20 state control)",
        "b: 50 requests",  # a report from before the counts
    ]
    assert _request_lines(None) == []


def test_a_violation_outranks_an_abort_and_still_says_what_stopped_the_run():
    code, reason = outcome(1, site_report("api-key-masked", aborted=ABORTED))
    assert code == EXIT_VIOLATED
    assert reason.endswith(f"; also: {ABORTED}")


def test_outcome_reports_a_broken_rule_even_when_every_test_passed():
    assert outcome(0, site_report("json-content-type"))[0] == EXIT_VIOLATED


# -- the gate trusts only what it can recompute: corrupted variants of a real report ----------
def _variants(real: dict[str, Any]) -> dict[str, str]:
    """At least 40 corrupted or inconsistent copies of a real, healthy report (as JSON text)."""
    import copy

    def edit(change: Callable[[dict[str, Any]], Any]) -> str:
        data = copy.deepcopy(real)
        change(data)
        return json.dumps(data)

    text = json.dumps(real)
    out: dict[str, str] = {
        "duplicate-verdict-key": text.replace(
            '"verdict": "passed"', '"verdict": "failed", "verdict": "passed"', 1
        ),
        "nan-count": text.replace('"requests": ', '"requests": NaN, "x": ', 1),
        "infinity-count": text.replace('"requests": ', '"requests": Infinity, "x": ', 1),
        "truncated": text[: len(text) // 2],
        "empty": "",
        "array": "[]",
        "wrong-format": edit(lambda d: d.update(format="something-else")),
        "future-version": edit(lambda d: d.update(version=2)),
        "no-rules": edit(lambda d: d.update(rules={})),
        "aborted": edit(lambda d: d["run"].update(aborted="run aborted mid-run: reset")),
        "left-behind": edit(lambda d: d["run"].update(left_behind="left behind on x")),
        "incomplete": edit(lambda d: d["run"].update(complete=False)),
        "zero-tests": edit(lambda d: d["tests"].update(total=0, passed=0, failed=0, skipped=0)),
        "zero-requests": edit(lambda d: d["run"].update(requests=0)),
        "mock-faults": edit(lambda d: d["run"].update(mock_faults=["unmasked-api-key"])),
        "tests-failed-unexplained": edit(
            lambda d: d["tests"].update(failed=1, passed=d["tests"]["passed"] - 1)
        ),
        "tests-total-wrong": edit(lambda d: d["tests"].update(total=d["tests"]["total"] + 1)),
        "orphan-failure": edit(
            lambda d: d["failures"].append({"rule": "api-key-masked", "message": "m"})
        ),
        "negative-count": edit(lambda d: d["rules"]["api-key-masked"].update(passed=-1)),
        "bool-count": edit(lambda d: d["run"].update(requests=True)),
        "status-contradicts-counts": edit(
            lambda d: d["rules"]["api-key-masked"].update(status="failed")
        ),
    }

    def fail_silently(name: str) -> Callable[[dict[str, Any]], None]:
        def change(d: dict[str, Any]) -> None:  # the rule failed, then its counts were zeroed
            d["rules"][name].update(passed=0, failed=0, status="not-run", required=False)
            d["failures"].append({"rule": name, "message": "hidden"})

        return change

    def unexercised(name: str) -> Callable[[dict[str, Any]], None]:
        def change(d: dict[str, Any]) -> None:  # never exercised, and flagged optional
            d["rules"][name].update(passed=0, failed=0, status="not-run", required=False)

        return change

    for name in RULES:
        out[f"zeroed-failure-{name}"] = edit(fail_silently(name))
        out[f"not-exercised-{name}"] = edit(unexercised(name))
    return out


def test_the_gate_never_lets_a_corrupted_or_inconsistent_report_go(suite_runs, tmp_path):
    from statuspage_contract.gate import EXIT_INVALID, EXIT_PASS

    real = suite_runs.runs["healthy-mock"].report
    clean = tmp_path / "clean.json"
    clean.write_text(json.dumps(real))
    env = cli_env()
    ok = subprocess.run([*MODULE, "gate", str(clean)], env=env, capture_output=True, text=True)
    assert ok.returncode == EXIT_PASS, ok.stdout + ok.stderr
    variants = _variants(real)
    assert len(variants) >= 40
    for name, text in variants.items():
        path = tmp_path / f"{name}.json"
        path.write_text(text)
        from statuspage_contract.cli.gate import main as gate_main

        parser = __import__("argparse").ArgumentParser()
        from statuspage_contract.cli.gate import add_arguments as add_gate_arguments

        add_gate_arguments(parser)
        code = gate_main(parser.parse_args([str(path)]))
        assert code != EXIT_PASS, name
        if not name.startswith(("not-exercised-", "mock-faults")):
            assert code == EXIT_INVALID, name


def test_run_waivers_are_recorded_in_the_report_and_decide_the_run(tmp_path):
    from statuspage_contract.pytest_plugin.options import run_waivers

    waivers = tmp_path / "waivers.toml"
    waivers.write_text(
        '[[waiver]]\nrule = "single-account"\nsite = "mock"\n'
        'reason = "tracked in TICKET-1"\nexpires = 2999-12-31\n\n'
        '[[waiver]]\nrule = "api-key-masked"\nreason = "old"\nexpires = 2001-01-01\n'
    )
    recorded = run_waivers(str(waivers))
    assert [w["rule"] for w in recorded] == ["single-account"]  # the expired one is not applied
    idle = site_report(idle=("single-account",))
    assert outcome(0, idle)[0] == EXIT_INCOMPLETE
    idle["run"]["waivers"] = recorded
    assert outcome(0, idle) == (
        EXIT_HOLDS,
        "HOLDS: the contract holds (1 waived: single-account)",
    )
    broken = site_report("single-account")
    assert outcome(1, broken)[0] == EXIT_VIOLATED
    broken["run"]["waivers"] = recorded
    assert outcome(1, broken)[0] == EXIT_HOLDS
    elsewhere = site_report("single-account", site="datadoghq.eu")
    elsewhere["run"]["waivers"] = recorded  # the waiver names another site
    assert outcome(1, elsewhere)[0] == EXIT_VIOLATED


def test_an_invalid_waivers_file_is_a_one_line_usage_error(tmp_path):
    bad = tmp_path / "waivers.toml"
    bad.write_text('[[waiver]]\nrule = "no-such-rule"\nreason = "r"\nexpires = 2999-01-01\n')
    run = start(tmp_path / "t", "--site", "mock", "--waivers", str(bad), env=cli_env())()
    assert_usage_error(run, "no-such-rule")


# -- what run asks of pytest and of the interpreter ----------------------------------------------
def _argv(*words: str) -> list[str]:
    from statuspage_contract.cli import build_parser
    from statuspage_contract.runner import pytest_arguments

    args = build_parser().parse_args(["run", *words])
    sites = list(args.site or ["mock"])
    return pytest_arguments(args, sites)


def _plugins(argv: list[str]) -> list[str]:
    return [argv[i + 1] for i, word in enumerate(argv[:-1]) if word == "-p"]


@pytest.mark.parametrize(
    ("words", "xdist"),
    [
        (("--site", "mock"), False),
        (("--site", "mock", "--", "-k", "not unusual"), False),
        (("--site", "mock", "--", "-n", "2"), True),
        (("--site", "mock", "--", "--dist=load"), True),
        (("--site", "mock", "--site", "datadoghq.eu"), True),
    ],
)
def test_run_loads_only_the_plugins_the_suite_needs(words: tuple[str, ...], xdist: bool) -> None:
    """No installed plugin loads by itself; Hypothesis' always, pytest-xdist's only for several
    sites or when the user's own arguments use it; `-- -p NAME` adds any other."""
    argv = _argv(*words)
    assert "--disable-plugin-autoload" in argv
    plugins = _plugins(argv)
    assert "_hypothesis_pytestplugin" in plugins
    assert ("xdist.plugin" in plugins) is xdist
    assert "other_plugin" in _plugins(
        _argv(*words, *(() if "--" in words else ("--",)), "-p", "other_plugin")
    )
