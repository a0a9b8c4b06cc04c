"""Proof that the contract suite catches what it claims, and only that.

The whole suite (``statuspage-contract run``) runs against the healthy mock, against the mock
with each fault mode, against the mock reached only by URL, and against an independent
correct implementation (tests/alt_server.py). All runs start from one module fixture and go
two at a time in subprocesses.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli, serving
from replay import replay, replay_site, reproduces

from statuspage_contract.mock.faults import FAULTS
from statuspage_contract.report.format import UNFINISHED_KIND
from statuspage_contract.report.reader import load_report
from statuspage_contract.rules import RULES

HERE = Path(__file__).parent
#: Examples per property-based test in the runs against a fault (PROOF_FAULT_EXAMPLES=40 runs
#: them with the ci profile's own number). Each fault is caught with far fewer than 40 (3
#: suffice; Schemathesis' examples and coverage phases always run in full), and the ci profile
#: is derandomised, so these runs send the same inputs every time. The healthy runs (embedded,
#: by URL, the independent implementation) keep the profile's 40: no false alarm on many inputs.
FAULT_EXAMPLES = int(os.environ.get("PROOF_FAULT_EXAMPLES", "3"))
#: A rule some faults break as a direct consequence of the one they name: a 500 is also an
#: undocumented status code.
COMPANIONS = {"no-server-error": {"documented-status"}}
#: What a run against one fault needs besides it: a site that never answers one input is met
#: with a short patience (the run then asks a GET, and finds the site answering).
FAULT_RUN_EXTRA = {"drops-answer-on-empty-body": ("--request-timeout", "1")}


@dataclass
class Run:
    exit_code: int
    report: dict[str, Any] | None
    output: str
    folder: Path | None = None

    @property
    def failed_rules(self) -> set[str]:
        assert self.report is not None, self.output[-2000:]
        return {n for n, r in self.report["rules"].items() if r["failed"]}

    @property
    def own_failed_rules(self) -> set[str]:
        return {n for n in self.failed_rules if RULES[n].kind != "schemathesis"}


def run_suite(report_dir: Path, *args: str, env: dict[str, str] | None = None) -> Run:
    cmd = ["run", "--profile", "ci", "--report-dir", str(report_dir), *args]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    environment.update(env or {})
    done = run_cli(cmd, timeout=600, env=environment, cwd=report_dir.parent)
    try:
        report = json.loads((report_dir / "contract-report.json").read_text())
    except (OSError, ValueError):
        report = None
    if report is not None and report.get("kind") == UNFINISHED_KIND:
        report = None  # the run wrote no report
    if report is not None:  # every real report meets every invariant the gate checks
        load_report(report_dir)
    return Run(done.returncode, report, done.stdout + done.stderr, report_dir)


def new_keys() -> dict[str, str]:
    return {"DD_API_KEY": secrets.token_hex(16), "DD_APP_KEY": secrets.token_hex(20)}


SERVE_MOCK = (sys.executable, "-m", "statuspage_contract.cli", "serve", "--port", "0", "--quiet")
#: The sites reached by URL: (command that serves it and prints its URL, given its keys).
URL_SITES: dict[str, Callable[[dict[str, str]], list[str]]] = {
    "mock-by-url": lambda keys: [*SERVE_MOCK],
    "faulty-mock-by-url": lambda keys: [*SERVE_MOCK, "--fault", "unmasked-api-key"],
    "alt-server": lambda keys: [
        sys.executable, str(HERE / "alt_server.py"), keys["DD_API_KEY"], keys["DD_APP_KEY"]
    ],
}  # fmt: skip


#: The sites reached by URL that have a fault: like the embedded faulty runs, few examples.
FAULTY_URL_SITES = {"faulty-mock-by-url"}


@pytest.fixture(scope="module")
def all_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    """Every run of this module, two at a time: the suite against the healthy mock, the mock
    with each fault, and the sites reached by URL (each served by its own process)."""
    base = tmp_path_factory.mktemp("proof")
    jobs: dict[str, tuple[tuple[str, ...], dict[str, str] | None]] = {}
    with ExitStack() as stack:
        fewer = ("--examples", str(FAULT_EXAMPLES))
        for name, command in URL_SITES.items():
            keys = new_keys()
            url = stack.enter_context(serving(command(keys), {**os.environ, **keys}))
            faulty = fewer if name in FAULTY_URL_SITES else ()
            jobs[name] = (("--site", url, "--allow-mutations", *faulty), keys)
        jobs["healthy"] = (("--site", "mock"), None)
        jobs |= {
            name: (
                ("--site", "mock", "--mock-fault", name, *fewer, *FAULT_RUN_EXTRA.get(name, ())),
                None,
            )
            for name in FAULTS
        }
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {
                name: pool.submit(run_suite, base / name, *args, env=env)
                for name, (args, env) in jobs.items()
            }
            yield {name: future.result() for name, future in futures.items()}


@pytest.fixture(scope="module")
def mock_runs(all_runs: dict[str, Run]) -> dict[str, Run]:
    """The suite against the healthy mock and the mock with each fault."""
    return {name: all_runs[name] for name in ("healthy", *FAULTS)}


def test_the_suite_passes_against_the_healthy_mock(mock_runs: dict[str, Run]) -> None:
    healthy = mock_runs["healthy"]
    assert healthy.exit_code == 0, healthy.output[-3000:]
    assert healthy.report is not None and healthy.report["verdict"] == "passed"


def test_every_rule_is_exercised_against_the_healthy_mock(mock_runs: dict[str, Run]) -> None:
    report = mock_runs["healthy"].report
    assert report is not None
    unexercised = [n for n, r in report["rules"].items() if r["passed"] + r["failed"] == 0]
    assert unexercised == []


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_fails_the_suite_naming_the_rule_it_breaks(
    mock_runs: dict[str, Run], fault: str
) -> None:
    run = mock_runs[fault]
    expected = FAULTS[fault].breaks
    assert run.exit_code == 1, run.output[-3000:]
    assert expected in run.failed_rules
    assert run.own_failed_rules <= {expected} | COMPANIONS.get(expected, set())
    assert expected in run.output.splitlines()[-2] + run.output.splitlines()[-1]


#: What one fault's run may print: a screenful, and no line a terminal cannot show.
MAX_LINES, MAX_LINE = 80, 2000


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_fault_reads_at_a_glance(mock_runs: dict[str, Run], fault: str) -> None:
    """At most 80 lines, none over 2,000 characters (a long body is elided with its size),
    and an event that repeats is one line with its count in every output."""
    run = mock_runs[fault]
    lines = run.output.splitlines()
    assert len(lines) <= MAX_LINES, f"{len(lines)} lines:\n" + "\n".join(lines[:120])
    longest = max(lines, key=len)
    assert len(longest) <= MAX_LINE, longest[:300]
    assert run.report is not None and run.folder is not None
    events = run.report["run"]["safety_events"]
    assert len(events) == len(set(events)), events
    for name in ("summary.md", "contract-report.html"):
        text = (run.folder / name).read_text(encoding="utf-8")
        assert text.count("State change:") == len(events), name
    repeated = [line for line in lines if line.strip() and lines.count(line) > 1]
    assert not [line for line in repeated if "state change" in line], repeated


def test_detection_score_is_complete(mock_runs: dict[str, Run]) -> None:
    caught = [f for f in FAULTS if FAULTS[f].breaks in mock_runs[f].failed_rules]
    print(f"detection score: {len(caught)}/{len(FAULTS)}")
    assert len(caught) == len(FAULTS)


#: Own rules no site can break, proved to fail elsewhere: ``within-plan`` judges the run's own
#: requests, whose plan bounds whatever a site answers (tests/test_plan.py feeds it requests
#: outside the plan).
PROVED_ELSEWHERE = {"within-plan"}


def test_every_rule_of_the_toolkit_is_broken_by_some_fault(mock_runs: dict[str, Run]) -> None:
    """No own rule is a check that cannot fail (the built-ins: tests/test_generation.py)."""
    broken = set().union(*(mock_runs[f].failed_rules for f in FAULTS))
    own = {name for name, rule in RULES.items() if rule.kind != "schemathesis"}
    assert own - broken == PROVED_ELSEWHERE


EDGE_FAULTS = sorted(name for name, fault in FAULTS.items() if fault.edge)


def test_the_healthy_mock_passes_every_edge_of_every_category(mock_runs: dict[str, Run]) -> None:
    from statuspage_contract.edges import CATEGORIES

    report = mock_runs["healthy"].report
    assert report is not None
    assert set(report["edges"]) == set(CATEGORIES)
    for category, counts in report["edges"].items():
        assert counts["inputs"] == counts["passed"] > 0, category


@pytest.mark.parametrize("fault", EDGE_FAULTS)
def test_each_edge_fault_is_caught_by_its_edge_category(
    mock_runs: dict[str, Run], fault: str
) -> None:
    """The fault's rule fails (above), and the edges of its category are what failed it."""
    report = mock_runs[fault].report
    assert report is not None
    category = FAULTS[fault].edge
    assert report["edges"][category]["failed"] > 0, report["edges"]
    edge_tests = {f["test"] for f in report["failures"] if f["rule"] == FAULTS[fault].breaks}
    assert any("test_unusual_inputs.py" in t and f"[{category}]" in t for t in edge_tests)


# -- every reproduction reproduces -------------------------------------------------------------
needs_curl = pytest.mark.skipif(not shutil.which("curl"), reason="needs curl (.ci/run has it)")


#: The replays run by default: one fault per rule, and each kind of reproduction (a
#: sequence, a generated key as the trigger, a second key, a rate limit, no answer, an edge);
#: ``pytest -m slow tests/test_suite_proof.py`` replays every other fault's too.
REPLAYED_BY_DEFAULT = {
    "unmasked-api-key",
    "missing-response-field",
    "error-envelope-string",
    "accepts-missing-api-key",
    "accepts-second-create",
    "permission-not-enforced",
    "unauthorized-instead-of-forbidden",
    "rejects-long-api-key",
    "server-error-on-non-ascii-key",
    "drops-answer-on-empty-body",
    "non-json-success-content-type",
    "rate-limit-without-headers",
    "delete-keeps-account",
    "error-echoes-api-key",
    "rejected-create-stores-account",
    "server-error-on-long-string",
    "url-setting-duplicate-url",
    "url-setting-unknown-id-taken",
    "url-setting-update-not-stored",
}
REPLAYS = [
    pytest.param(f, marks=() if f in REPLAYED_BY_DEFAULT else pytest.mark.slow)
    for f in sorted(FAULTS)
]


def test_the_default_replays_cover_every_rule_a_fault_breaks() -> None:
    assert set(FAULTS) >= REPLAYED_BY_DEFAULT
    assert {FAULTS[f].breaks for f in REPLAYED_BY_DEFAULT} == {f.breaks for f in FAULTS.values()}


@needs_curl
@pytest.mark.parametrize("fault", REPLAYS)
def test_each_faults_reproduction_replays_against_serve_with_that_fault(
    mock_runs: dict[str, Run], fault: str
) -> None:
    """The reproduction the run against ``--mock-fault NAME`` printed for the rule the fault
    breaks names ``statuspage-contract serve --fault NAME``; run with bash and curl against
    that command's site (other keys exported), it breaks the rule again (tests/replay.py)."""
    report = mock_runs[fault].report
    assert report is not None
    failure = next(f for f in report["failures"] if f["rule"] == FAULTS[fault].breaks)
    reproduction = failure["reproduction"]
    assert f"statuspage-contract serve --fault {fault}" in reproduction
    assert "[REDACTED]" not in reproduction
    keys = new_keys()
    with replay_site(reproduction, keys) as url:
        steps = replay(reproduction, url, keys)
    ok, why = reproduces(failure, steps)
    assert ok, f"{why}\n{reproduction[:3000]}"


# -- the same suite, by URL only ----------------------------------------------------------------
def test_the_suite_passes_against_the_mock_reached_by_url(all_runs: dict[str, Run]) -> None:
    run = all_runs["mock-by-url"]
    assert run.exit_code == 0, run.output[-3000:]


def test_the_suite_fails_against_a_faulty_site_reached_by_url(all_runs: dict[str, Run]) -> None:
    run = all_runs["faulty-mock-by-url"]
    assert run.exit_code == 1, run.output[-3000:]
    assert run.own_failed_rules == {"api-key-masked"}


def test_the_suite_passes_against_an_independent_correct_implementation(
    all_runs: dict[str, Run],
) -> None:
    run = all_runs["alt-server"]
    assert run.exit_code == 0, run.output[-4000:]
    assert run.report is not None
    assert all(e["failed"] == 0 and e["passed"] > 0 for e in run.report["edges"].values())
