"""A live run's request budget and its waits, as a user meets them (`statuspage-contract run`
against a loopback site): a spent budget ends the run INCOMPLETE with the flag to raise, never
as a Hypothesis error; every wait over a second is said, with its reason and length."""

from __future__ import annotations

import json
import os
from pathlib import Path

from cli_runner import run_cli
from hostile_site import Behaviour, HostileSite

from statuspage_contract.pytest_plugin.options import LIVE_BUDGETS, PROFILE_NAMES


def _run(site: HostileSite, tmp: Path, *args: str) -> tuple[int, str, dict]:
    out = tmp / "reports"
    cmd = ["run", "--site", site.base_url, "--report-dir", str(out), *args]
    env = {**os.environ, **site.env()}
    env.pop("DD_SITE", None)
    done = run_cli(cmd, env=env, cwd=tmp, timeout=300)
    report = json.loads((out / "contract-report.json").read_text())
    return done.returncode, done.stdout + done.stderr, report


def test_every_profile_has_a_live_budget_that_fits_what_it_sends():
    assert set(LIVE_BUDGETS) == set(PROFILE_NAMES)
    assert LIVE_BUDGETS["fast"] <= LIVE_BUDGETS["ci"] < LIVE_BUDGETS["thorough"]


def test_a_budget_spent_inside_the_property_tests_ends_incomplete_naming_the_flag(tmp_path):
    with HostileSite(Behaviour()) as site:
        code, output, report = _run(
            site, tmp_path, "--allow-mutations", "--profile", "ci", "--request-budget", "80"
        )
    last = [line for line in output.splitlines() if line.startswith("statuspage-contract run")]
    assert code == 3, output[-3000:]
    assert "INCOMPLETE" in last[-1] and "--request-budget" in last[-1], last
    assert "Flaky" not in output and "see the test output" not in output
    assert report["run"]["budget_spent"]
    assert report["decision"]["verdict"] == "INCOMPLETE"
    assert site.account is None  # cleanup still ran, past the budget


def test_a_wait_over_a_second_is_said_with_its_reason_and_length(tmp_path):
    with HostileSite(Behaviour(remaining=0)) as site:  # every answer: nothing left, reset 2 s
        code, output, _ = _run(
            site, tmp_path, "--max-rate-wait", "1.2", "--request-budget", "3", "--profile", "ci"
        )
    waits = [line for line in output.splitlines() if line.startswith("waiting ")]
    assert waits, output[-3000:]
    assert all("rate limit" in line and " s: " in line for line in waits), waits
    assert code == 3
