"""``run --plan`` and ``within-plan``: the classified request plan, worked out with nothing
sent, and a run's requests held to it (statuspage_contract.plan)."""

from __future__ import annotations

import ast
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli
from hostile_site import Behaviour, HostileSite

from statuspage_contract.errors import GateInputError
from statuspage_contract.judging.recorder import Recorder
from statuspage_contract.live.safety import CHANGING, CLEANUP, READ, REQUEST_CLASSES
from statuspage_contract.plan.build import PlannedTest, RunSettings, build_plan
from statuspage_contract.plan.compare import compare, merge_sections, plan_table
from statuspage_contract.plan.shapes import SHAPES
from statuspage_contract.pytest_plugin.options import LIVE_BUDGETS
from statuspage_contract.pytest_plugin.planning import judge_plan
from statuspage_contract.report.reader import load_report
from statuspage_contract.suite import SUITE_DIR

#: A small run: the ci profile's inputs, few examples.
SMALL = ("--profile", "ci", "--examples", "3")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    return {**env, **extra}


def _plan_file(folder: Path) -> dict[str, Any]:
    data = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    assert data["format"] == "statuspage-contract-plan" and data["sent"] == 0
    return data


def _by_class(lines: list[dict[str, Any]], count: str) -> Counter[str]:
    out: Counter[str] = Counter()
    for line in lines:
        out[line["class"]] += line[count]
    return out


# -- run --plan sends nothing ----------------------------------------------------------------
def test_plan_against_a_served_site_sends_it_nothing(tmp_path: Path) -> None:
    """Against a site that logs every request, without keys: exit 0, the plan on the console
    and in plan.json, and the site received nothing (no preflight either)."""
    with HostileSite(Behaviour()) as site:
        done = run_cli(
            ["run", "--plan", "--site", site.base_url, "--report-dir", str(tmp_path), *SMALL],
            env=_env(),
            cwd=tmp_path,
        )
        received = list(site.log)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-3000:]
    assert received == []
    assert "nothing was sent" in out.splitlines()[-1]
    assert f"plan for {site.base_url} (live)" in out and "at most" in out
    plan = _plan_file(tmp_path)["sites"][site.base_url]
    assert plan["keys"]["set"] is False and "DD_API_KEY" in plan["keys"]["needed"]
    assert plan["request_budget"] == LIVE_BUDGETS["ci"]
    classes = {line["class"] for line in plan["requests"]}
    assert CHANGING not in classes  # read-only: nothing that could change state is planned
    assert classes == {READ, CLEANUP}
    assert not (tmp_path / "contract-report.json").exists()  # a plan is no run


@pytest.mark.parametrize("site", ["http://127.0.0.1:9", "datadoghq.eu"])
def test_plan_needs_no_reachable_site_and_no_keys(tmp_path: Path, site: str) -> None:
    done = run_cli(
        ["run", "--plan", "--site", site, "--allow-mutations", "--report-dir", str(tmp_path)],
        env=_env(),
        cwd=tmp_path,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    plan = next(iter(_plan_file(tmp_path)["sites"].values()))
    assert plan["mutations_allowed"] is True and plan["keys"]["set"] is False
    assert {line["class"] for line in plan["requests"]} == set(REQUEST_CLASSES)
    assert "(NOT set)" in done.stdout


# -- the plan bounds a real run -------------------------------------------------------------
def test_a_real_mock_run_stays_within_its_plan_and_the_gate_accepts_it(tmp_path: Path) -> None:
    planned, ran = tmp_path / "plan", tmp_path / "run"
    done = run_cli(["run", "--plan", "--site", "mock", "--report-dir", str(planned), *SMALL])
    assert done.returncode == 0, done.stderr[-3000:]
    plan = _plan_file(planned)["sites"]["mock"]
    done = run_cli(["run", "--site", "mock", "--report-dir", str(ran), *SMALL], cwd=tmp_path)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-3000:]
    assert "all within the plan" in out
    report = load_report(ran)  # every invariant the gate checks, the plan section's too
    section = report["plan"]
    assert section["judged"] and section["outside"] == []
    assert report["rules"]["within-plan"]["status"] == "passed"
    assert sum(r["sent"] for r in section["requests"]) == report["run"]["requests"] > 0
    lines = {(line["class"], line["method"]): line for line in plan["requests"]}
    for row in section["requests"]:  # every line sent was planned, within its bound
        line = lines[row["class"], row["method"]]
        assert row["sent"] <= line["at_most"], row
        assert row["at_most"] == line["at_most"]
    sent, bound = _by_class(section["requests"], "sent"), _by_class(plan["requests"], "at_most")
    assert all(sent[cls] <= bound[cls] for cls in sent), (sent, bound)
    assert CLEANUP not in sent  # the embedded mock stops with the run: nothing to clean
    assert run_cli(["gate", str(ran)]).returncode == 0
    summary = (ran / "summary.md").read_text(encoding="utf-8")
    assert "Requests against the plan" in summary
    assert "Requests against the plan" in (ran / "contract-report.html").read_text("utf-8")


# -- a request outside the plan is a finding -----------------------------------------------
def _mock_plan(**settings: Any) -> dict[str, Any]:
    tests = [
        PlannedTest("t::a", "test_reads_without_valid_keys_are_refused"),
        PlannedTest("t::b", "test_reference_request_creates_the_account_with_a_masked_key"),
    ]
    return build_plan("mock", tests, RunSettings(profile="fast", examples=5, shrinking=False))


def test_a_class_the_plan_lacks_is_a_finding() -> None:
    plan = _mock_plan()
    recorder = Recorder()
    section = judge_plan(recorder, Counter({(READ, "GET"): 2, (CLEANUP, "DELETE"): 1}), plan)
    assert section["outside"] == [
        "1 owned-cleanup DELETE request(s) sent, which the plan does not contain"
    ]
    assert recorder.failed_rules == ["within-plan"]
    assert recorder.failures[0]["message"] == section["outside"][0]


def test_a_count_above_the_bound_is_a_finding_and_within_it_passes() -> None:
    plan = _mock_plan()
    bound = next(line["at_most"] for line in plan["requests"] if line["method"] == "POST")
    recorder = Recorder()
    within = judge_plan(recorder, Counter({(CHANGING, "POST"): bound}), plan)
    assert within["outside"] == [] and recorder.failed_rules == []
    assert recorder.tallies["within-plan"].passed == 1
    above = judge_plan(recorder, Counter({(CHANGING, "POST"): bound + 1}), plan)
    assert above["outside"] == [
        f"{bound + 1} could-change-state POST requests sent, above the plan's upper bound "
        f"of {bound}"
    ]
    assert recorder.failed_rules == ["within-plan"]


def test_a_test_the_plan_does_not_know_leaves_the_plan_unjudged() -> None:
    tests = [PlannedTest("mine.py::test_x", "test_x", suite=False)]
    plan = build_plan("mock", tests, RunSettings(profile="fast", examples=5, shrinking=False))
    recorder = Recorder()
    section = judge_plan(recorder, Counter({(READ, "GET"): 9}), plan)
    assert not section["judged"] and section["unplanned"]
    assert recorder.tallies["within-plan"].passed + recorder.tallies["within-plan"].failed == 0


def test_shrinking_leaves_the_counts_unbounded_but_not_the_classes() -> None:
    tests = [PlannedTest("t::a", "test_invalid_bodies_are_rejected_and_change_nothing")]
    plan = build_plan("mock", tests, RunSettings(profile="thorough", examples=9, shrinking=True))
    assert {line["at_most"] for line in plan["requests"]} == {None}
    assert compare(plan, Counter({(READ, "GET"): 10**6}))["outside"] == []
    assert compare(plan, Counter({(CLEANUP, "DELETE"): 1}))["outside"]
    assert any("no bound" in line for line in plan_table(plan))


def test_workers_of_one_site_add_up() -> None:
    plan = _mock_plan()
    one = compare(plan, Counter({(READ, "GET"): 1}))
    both = merge_sections(one, one)
    row = next(r for r in both["requests"] if (r["class"], r["method"]) == (READ, "GET"))
    assert row["sent"] == 2 and both["outside"] == []


# -- the gate checks the plan section -------------------------------------------------------
@pytest.fixture(scope="module")
def real_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("real")
    done = run_cli(["run", "--site", "mock", "--report-dir", str(folder), *SMALL, "-k", "keys"])
    assert done.returncode in (0, 3), (done.stdout + done.stderr)[-3000:]
    return folder


def _broken(folder: Path, tmp: Path, change: Any) -> Path:
    data = json.loads((folder / "contract-report.json").read_text(encoding="utf-8"))
    change(data)
    out = tmp / "broken"
    out.mkdir()
    (out / "contract-report.json").write_text(json.dumps(data), encoding="utf-8")
    return out


def _hide_outside(data: dict[str, Any]) -> None:
    data["plan"]["requests"][0]["sent"] = 10**9  # above every bound, named nowhere


def _drop_the_finding(data: dict[str, Any]) -> None:
    data["plan"]["outside"] = ["1 read GET request(s) sent, which the plan does not contain"]


def _fewer_than_sent(data: dict[str, Any]) -> None:
    for row in data["plan"]["requests"]:
        row["sent"] = 0


@pytest.mark.parametrize("change", [_hide_outside, _drop_the_finding, _fewer_than_sent])
def test_the_gate_refuses_a_plan_section_that_contradicts_itself(
    real_report: Path, tmp_path: Path, change: Any
) -> None:
    assert load_report(real_report)["plan"]["judged"]
    with pytest.raises(GateInputError, match="plan"):
        load_report(_broken(real_report, tmp_path, change))


# -- every suite test has a shape ----------------------------------------------------------
def test_every_test_of_the_suite_has_a_request_shape() -> None:
    names = {
        node.name
        for path in SUITE_DIR.glob("test_*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    }
    assert names == set(SHAPES)


def test_a_run_against_a_site_reached_by_url_is_held_to_its_plan(tmp_path: Path) -> None:
    with HostileSite(Behaviour()) as site:
        cmd = ["run", "--site", site.base_url, "--allow-mutations", "--report-dir", str(tmp_path)]
        done = run_cli([*cmd, *SMALL], env=_env(**site.env()), cwd=tmp_path)
        received = len(site.log)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    section = load_report(tmp_path)["plan"]
    assert section["judged"] and section["outside"] == []
    assert sum(row["sent"] for row in section["requests"]) == received
    assert {row["class"] for row in section["requests"] if row["sent"]} >= {READ, CHANGING}
