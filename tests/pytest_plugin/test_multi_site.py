"""Several sites in one run: parallel on pytest-xdist workers, a report per site plus a
combined one, and the exit code follows the combined verdict."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_runner import run_cli

from contract.mock import MockSite
from contract.report.build import site_dir_name


@pytest.fixture
def second_site(request: pytest.FixtureRequest) -> Iterator[MockSite]:
    faults = getattr(request, "param", ())
    keys = secrets.token_hex(16), secrets.token_hex(20)
    with MockSite(api_key=keys[0], app_key=keys[1], faults=faults) as site:
        yield site


def run_two_sites(site: MockSite, report_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    env |= {"DD_API_KEY": site.api_key, "DD_APP_KEY": site.app_key}
    cmd = ["run", "--site", "mock"]
    cmd += ["--site", site.base_url, "--allow-mutations", "-k", "reference or second_create"]
    cmd += ["--report-dir", str(report_dir)]
    return run_cli(cmd, env=env, timeout=300)


def test_two_healthy_sites_get_a_report_each_and_a_combined_one(
    second_site: MockSite, tmp_path: Path
) -> None:
    """With -k selecting two tests nothing fails, but required rules go unexercised: the
    combined decision is INCOMPLETE (exit 3), as on each site."""
    done = run_two_sites(second_site, tmp_path)
    assert done.returncode == 3, done.stdout[-3000:] + done.stderr[-2000:]
    combined = json.loads((tmp_path / "contract-report.json").read_text())
    assert combined["kind"] == "combined"
    assert set(combined["sites"]) == {"mock", second_site.base_url}
    assert combined["decision"]["verdict"] == "INCOMPLETE"
    assert {s["decision"]["verdict"] for s in combined["sites"].values()} == {"INCOMPLETE"}
    for name in ("mock", second_site.base_url):
        one = json.loads((tmp_path / site_dir_name(name) / "contract-report.json").read_text())
        assert one["run"]["site"] == name
        assert one["tests"]["passed"] > 0
    assert "2 workers" in done.stdout or "gw1" in done.stdout  # xdist ran them in parallel


@pytest.mark.parametrize("second_site", [("accepts-second-create",)], indirect=True)
def test_one_failing_site_fails_the_combined_verdict(second_site: MockSite, tmp_path: Path) -> None:
    done = run_two_sites(second_site, tmp_path)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    combined = json.loads((tmp_path / "contract-report.json").read_text())
    assert combined["decision"]["verdict"] == "VIOLATED"
    assert combined["sites"]["mock"]["decision"]["verdict"] == "INCOMPLETE"
    assert combined["sites"][second_site.base_url]["rules"]["single-account"]["failed"] > 0
    assert "single-account" in done.stderr.strip().splitlines()[-1]


def test_edges_with_lone_surrogates_cross_from_the_workers_to_the_controller(
    second_site: MockSite, tmp_path: Path
) -> None:
    """A string edge submits a key with lone surrogates (a secret UTF-8 cannot carry); the
    workers still hand their reports and secrets to the controller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    env |= {"DD_API_KEY": second_site.api_key, "DD_APP_KEY": second_site.app_key}
    cmd = ["run", "--site", "mock"]
    cmd += ["--site", second_site.base_url, "--allow-mutations", "-k", "unusual and strings"]
    cmd += ["--report-dir", str(tmp_path)]
    done = run_cli(cmd, env=env, timeout=300)
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr[-2000:]  # -k: INCOMPLETE
    for name in ("mock", second_site.base_url):
        one = json.loads((tmp_path / site_dir_name(name) / "contract-report.json").read_text())
        strings = one["edges"]["strings"]
        assert strings["inputs"] == strings["passed"] > 0
