"""One decision everywhere: the run's last line and exit code, contract-report.json, summary.md,
the HTML report, junit.xml's decision property and the release gate say the same thing, for
every combination of failing and unexercised rules, waivers (``run --waivers``, recorded in the
report), a baseline, aborts and empty selections.

Reports come from tests/report_factory.py (no suite run per example); a few real runs of
``run --site mock --waivers`` check the same end to end.
"""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from report_factory import site_report

from statuspage_contract.errors import GateInputError
from statuspage_contract.gate import decide, load_report
from statuspage_contract.gate.waivers import parse_waivers
from statuspage_contract.report.build import combine, with_decision, write_reports
from statuspage_contract.report.console import decision_line
from statuspage_contract.report.decision import Decision
from statuspage_contract.report.format import JSON_NAME, SUMMARY_NAME
from statuspage_contract.rules import NO_SERVER_ERROR, RULES, site_kind
from statuspage_contract.runner import outcome

RUN_DAY = date(2030, 1, 1)  # the day the run applied its waivers
GATE_DAY = date(2030, 1, 2)  # the day the gate decides (a waiver expiring on RUN_DAY is out)
SITES = ("mock", "https://api.example.test")
NAMES = sorted(RULES)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    site = draw(st.sampled_from(SITES))
    failing = draw(st.sets(st.sampled_from(NAMES), max_size=3))
    # no-server-error judges every answer: a report with answers always exercises it
    idle = [n for n in NAMES if n not in failing and n != NO_SERVER_ERROR]
    unexercised = draw(st.sets(st.sampled_from(idle)))
    waived = draw(
        st.lists(
            st.tuples(
                st.sampled_from(NAMES),
                st.sampled_from([None, site, "elsewhere.example"]),
                st.sampled_from(["2999-12-31", RUN_DAY.isoformat(), "2029-12-31"]),
            ),
            unique_by=lambda w: (w[0], w[1]),
            max_size=6,
        )
    )
    return {
        "site": site,
        "failing": tuple(sorted(failing)),
        "unexercised": tuple(sorted(unexercised)),
        "waivers": waived,
        "errors": draw(st.sampled_from([(), ("contract/suite/test_x.py::test_y",)])),
        "aborted": draw(st.booleans()) and draw(st.booleans()),
        "empty": draw(st.booleans()) and draw(st.booleans()),
    }


def _waivers_text(waivers: list[tuple[str, str | None, str]]) -> str:
    out = []
    for rule, site, expires in waivers:
        where = f'site = "{site}"\n' if site else ""
        out.append(
            f'[[waiver]]\nrule = "{rule}"\n{where}reason = "TICKET-1"\nexpires = {expires}\n'
        )
    return "\n".join(out)


def _report(case: dict[str, Any]) -> dict[str, Any]:
    """The report ``run --waivers`` writes: the factory's, the waivers in force on the run's
    day recorded as build.build_report records them, the decision set by with_decision."""
    report = site_report(case["site"], failing=case["failing"], unexercised=case["unexercised"])
    errors = list(case["errors"])
    if errors:
        report["tests"].update(failed=1, passed=9, errors_without_rule=errors)
    if case["empty"]:  # nothing ran: no request, no answer, no check
        report["tests"].update(total=0, passed=0, failed=len(errors), skipped=0)
        report["tests"]["total"] = len(errors)
        report["run"]["requests"] = 0
        for codes in report["status_codes"].values():
            codes["documented"] = dict.fromkeys(codes["documented"], 0)
        for rule in report["rules"].values():
            rule.update(passed=0, failed=0, skipped=0, status="not-run", skip_reasons=[])
        report["failures"] = []
    if case["aborted"]:
        report["run"].update(aborted="run aborted mid-run: the site reset the connection")
        report["run"]["complete"] = False
    in_force = [
        w.to_dict() for w in parse_waivers(_waivers_text(case["waivers"])) if not w.expired(RUN_DAY)
    ]
    site = case["site"]
    report["run"]["waivers"] = [w for w in in_force if w["site"] in (None, site)]
    return with_decision(report)


def _unwaived_baseline_regression(case: dict[str, Any], report: dict[str, Any]) -> bool:
    """What only the gate's baseline sees: a rule that passed there is not exercised now and
    is not required on this kind of site (a required one decides the run too)."""
    kind = site_kind(case["site"])
    waived = {
        w["rule"] for w in report["run"]["waivers"] if date.fromisoformat(w["expires"]) >= GATE_DAY
    }
    return any(
        not RULES[n].is_required(kind) and n not in waived and n not in case["failing"]
        for n in case["unexercised"]
    )


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    cases=st.lists(scenarios(), min_size=1, max_size=2, unique_by=lambda c: c["site"]),
    baseline=st.sampled_from([None, "healthy", "itself"]),
)
def test_every_output_and_the_gate_carry_one_decision(
    cases: list[dict[str, Any]], baseline: str | None, tmp_path: Path
):
    sites = [_report(case) for case in cases]
    several = len(sites) > 1
    report = combine(sites) if several else sites[0]
    folder = tmp_path / f"r{abs(hash(json.dumps([cases, baseline], sort_keys=True)))}"
    write_reports(copy.deepcopy(report), folder)
    written = json.loads((folder / JSON_NAME).read_text(encoding="utf-8"))
    summary = (folder / SUMMARY_NAME).read_text(encoding="utf-8")
    html = (folder / "contract-report.html").read_text(encoding="utf-8")

    # the console's last line and the exit code: the run decides over what it wrote
    code, line = outcome(1, written)
    decision = written["decision"]
    verdict = Decision(decision["verdict"])
    holds = verdict is Decision.HOLDS
    assert line == decision_line(decision, several=several)
    assert line.startswith(f"{verdict}") and line.endswith(f": {decision['reason']}")
    assert code == decision["exit_code"]
    assert written["verdict"] == ("passed" if holds else "failed")
    # the renderers
    where = f"({len(sites)} sites)" if several else f"— {cases[0]['site']}"
    mark = "✅" if holds else "❌"
    assert summary.splitlines()[0] == f"## {mark} Statuspage contract: {verdict} {where}"
    assert f'<div class="big">{verdict}</div>' in html
    assert ('class="verdict ok"' in html) is holds
    flat = summary.replace("\\", "")
    for site in sites:
        for waived in site["decision"]["waived"]:
            assert f"Waived:** {waived}" in flat
    # the gate, on the JSON written, with the waivers the run recorded
    path = folder / JSON_NAME
    before = None
    if baseline == "healthy":
        healthy = [with_decision(site_report(case["site"])) for case in cases]
        write_reports(combine(healthy) if several else healthy[0], tmp_path / "healthy")
        before = load_report(tmp_path / "healthy" / JSON_NAME)
    elif baseline == "itself":
        before = load_report(path)
    try:
        gate = decide(load_report(path), baseline=before, today=GATE_DAY)
    except GateInputError:  # the gate cannot decide on a run that stopped or tested nothing
        assert not holds
        stopped = [s for s in sites if s["run"].get("aborted") or not s["run"]["requests"]]
        assert stopped or verdict in (Decision.ABORTED, Decision.NOTHING_TESTED), verdict
        return
    if any(_expired_since(site) for site in sites):
        assert not (gate.passed and not holds)
        return
    regression = baseline == "healthy" and any(
        _unwaived_baseline_regression(case, site) for case, site in zip(cases, sites, strict=True)
    )
    assert gate.passed == (holds and not regression), (verdict, gate.summary)
    if verdict in (Decision.VIOLATED, Decision.INCOMPLETE):
        assert gate.exit_code == 1


def _expired_since(site: dict[str, Any]) -> bool:
    """A waiver that counted for the run expires before the gate's day."""
    ending = {w["rule"] for w in site["run"]["waivers"] if w["expires"] == RUN_DAY.isoformat()}
    return bool(ending & set(site["decision"]["waived"]))


def test_a_waiver_that_expired_since_the_run_blocks_at_the_gate(tmp_path: Path) -> None:
    case = {
        "site": "mock",
        "failing": ("api-key-masked",),
        "unexercised": (),
        "waivers": [("api-key-masked", None, RUN_DAY.isoformat())],
        "errors": (),
        "aborted": False,
        "empty": False,
    }
    report = _report(case)
    assert report["decision"]["verdict"] == "HOLDS"
    write_reports(report, tmp_path)
    assert decide(load_report(tmp_path / JSON_NAME), today=RUN_DAY).passed
    later = decide(load_report(tmp_path / JSON_NAME), today=GATE_DAY)
    assert not later.passed
    assert "expired" in " ".join(later.text_lines())


def test_recorded_waivers_that_are_malformed_are_refused_by_the_gate(tmp_path: Path) -> None:
    report = with_decision(site_report("mock"))
    report["run"]["waivers"] = [{"rule": "no-such-rule", "reason": "r", "expires": "2999-01-01"}]
    write_reports(report, tmp_path)
    with pytest.raises(GateInputError, match="no-such-rule"):
        decide(load_report(tmp_path / JSON_NAME), today=GATE_DAY)


# -- end to end: run --site mock --waivers ----------------------------------------------------
def _junit_decision(folder: Path) -> str:
    for prop in ET.parse(folder / "junit.xml").iter("property"):
        if prop.get("name") == "statuspage-contract.decision":
            return str(prop.get("value"))
    raise AssertionError("junit.xml has no decision property")


@pytest.mark.parametrize(
    ("waive", "expected"),
    [(False, "INCOMPLETE"), (True, "HOLDS")],
    ids=["without-waivers", "with-waivers"],
)
def test_a_real_run_with_waivers_tells_one_story(tmp_path: Path, waive: bool, expected: str):
    """A selection (-k) leaves required rules unexercised; waiving them all makes it HOLD, and
    the console, exit code, every report and the gate say so."""
    waivers = tmp_path / "waivers.toml"
    waivers.write_text(
        "".join(
            f'[[waiver]]\nrule = "{name}"\nreason = "selection only"\nexpires = 2999-12-31\n\n'
            for name in RULES
        )
    )
    out = tmp_path / "out"
    args = ["run", "--site", "mock", "-k", "reference", "--report-dir", str(out)]
    done = run_cli([*args, *(["--waivers", str(waivers)] if waive else [])], cwd=tmp_path)
    last = (done.stdout if done.returncode == 0 else done.stderr).strip().splitlines()
    final = next(line for line in reversed(last) if line.startswith("statuspage-contract run"))
    report = json.loads((out / JSON_NAME).read_text(encoding="utf-8"))
    decision = report["decision"]
    assert decision["verdict"] == expected, done.stdout + done.stderr
    assert done.returncode == decision["exit_code"] == (0 if waive else 3)
    assert final == f"statuspage-contract run (mock): {decision_line(decision)}"
    assert _junit_decision(out) == decision_line(decision)
    assert f"Statuspage contract: {expected}" in (out / SUMMARY_NAME).read_text(encoding="utf-8")
    assert f'<div class="big">{expected}</div>' in (out / "contract-report.html").read_text(
        encoding="utf-8"
    )
    assert bool(report["run"]["waivers"]) is waive
    gate = run_cli(["gate", str(out)], cwd=tmp_path)
    assert gate.returncode == (0 if waive else 1), gate.stdout + gate.stderr
