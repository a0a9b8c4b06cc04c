"""Several sites in one run: parallel on pytest-xdist workers, a report per site plus a
combined one, and the exit code follows the combined verdict."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli

from statuspage_contract.mock import MockSite
from statuspage_contract.report.build import site_dir_name


@contextmanager
def mock_site(*faults: str) -> Iterator[MockSite]:
    keys = secrets.token_hex(16), secrets.token_hex(20)
    with MockSite(api_key=keys[0], app_key=keys[1], faults=faults) as site:
        yield site


def run_two_sites(site: MockSite, report_dir: Path, keyword: str) -> TwoSites:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    env |= {"DD_API_KEY": site.api_key, "DD_APP_KEY": site.app_key}
    cmd = ["run", "--site", "mock", "--site", site.base_url, "--allow-mutations", "-k", keyword]
    cmd += ["--report-dir", str(report_dir)]
    return TwoSites(run_cli(cmd, env=env, timeout=300), site.base_url, report_dir)


@dataclass
class TwoSites:
    done: subprocess.CompletedProcess[str]
    second: str  # the second site's base URL
    report_dir: Path

    @property
    def output(self) -> str:
        return self.done.stdout[-3000:] + self.done.stderr[-2000:]

    def report(self, site: str | None = None) -> dict[str, Any]:
        """The combined report, or one site's."""
        folder = self.report_dir if site is None else self.report_dir / site_dir_name(site)
        return dict(json.loads((folder / "contract-report.json").read_text()))


@pytest.fixture(scope="module")
def two_healthy_sites(tmp_path_factory: pytest.TempPathFactory) -> TwoSites:
    """One run of a few tests against the mock and a second healthy mock: its xdist workers
    start fresh interpreters, so the tests below share it. The string edges submit keys with
    lone surrogates (secrets UTF-8 cannot carry) that the workers hand to the controller."""
    with mock_site() as site:
        keyword = "reference or second_create or (unusual and strings)"
        return run_two_sites(site, tmp_path_factory.mktemp("two-healthy"), keyword)


def test_two_healthy_sites_get_a_report_each_and_a_combined_one(
    two_healthy_sites: TwoSites,
) -> None:
    """With -k selecting a few tests nothing fails, but required rules go unexercised: the
    combined decision is INCOMPLETE (exit 3), as on each site."""
    run = two_healthy_sites
    assert run.done.returncode == 3, run.output
    combined = run.report()
    assert combined["kind"] == "combined"
    assert set(combined["sites"]) == {"mock", run.second}
    assert combined["decision"]["verdict"] == "INCOMPLETE"
    assert {s["decision"]["verdict"] for s in combined["sites"].values()} == {"INCOMPLETE"}
    for name in ("mock", run.second):
        one = run.report(name)
        assert one["run"]["site"] == name
        assert one["tests"]["passed"] > 0
    assert "2 workers" in run.done.stdout or "gw1" in run.done.stdout  # xdist ran them in parallel


def test_one_failing_site_fails_the_combined_verdict(tmp_path: Path) -> None:
    with mock_site("accepts-second-create") as site:
        run = run_two_sites(site, tmp_path, "reference or second_create")
    assert run.done.returncode == 1, run.output
    combined = run.report()
    assert combined["decision"]["verdict"] == "VIOLATED"
    assert combined["sites"]["mock"]["decision"]["verdict"] == "INCOMPLETE"
    assert combined["sites"][run.second]["rules"]["single-account"]["failed"] > 0
    assert "single-account" in run.done.stderr.strip().splitlines()[-1]


def test_edges_with_lone_surrogates_cross_from_the_workers_to_the_controller(
    two_healthy_sites: TwoSites,
) -> None:
    """A string edge submits a key with lone surrogates (a secret UTF-8 cannot carry); the
    workers still hand their reports and secrets to the controller."""
    run = two_healthy_sites
    for name in ("mock", run.second):
        strings = run.report(name)["edges"]["strings"]  # fast: one of each class is sent
        assert strings["inputs"] == strings["passed"] + strings["skipped"]
        assert strings["passed"] > 0 and strings["failed"] == 0
