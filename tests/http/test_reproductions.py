"""Every reproduction a report prints reproduces: run with bash, the keys exported, against
the same faulty site, it gets the status the report shows."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
import requests
from cli_runner import run_cli

from contract.mock import MockSite
from contract.spec import load_contract

CONTRACT = load_contract()
FAULTS = ["unmasked-api-key", "error-envelope-string"]

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl (.ci/run has it)")


@pytest.mark.parametrize("fault", FAULTS)
def test_each_reproduction_in_the_report_gets_the_status_it_shows(tmp_path, fault):
    keys = {"DD_API_KEY": secrets.token_hex(16), "DD_APP_KEY": secrets.token_hex(20)}
    with MockSite(faults=[fault], api_key=keys["DD_API_KEY"], app_key=keys["DD_APP_KEY"]) as site:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
        env.update(keys, PYTHONPATH=str(Path(__file__).parents[2]))
        run = run_cli(
            ["run", "--site", site.base_url, "--allow-mutations", "--report-dir", str(tmp_path),
             "-k", "reference or break"],
            env=env, timeout=300,
        )  # fmt: skip
        assert run.returncode == 1, run.stdout[-3000:] + run.stderr
        failures = json.loads((tmp_path / "contract-report.json").read_text())["failures"]
        assert failures
        for failure in failures:
            site.reset()
            method = failure["reproduction"].split()[2]
            status = failure["response"]["status"]
            if (method != "POST" and 200 <= status < 300) or status == 409:
                created = requests.post(
                    site.base_url + CONTRACT.account_path,
                    json=CONTRACT.request_example("POST"),
                    headers=site.headers(),
                    timeout=10,
                )
                assert created.status_code == CONTRACT.create.success.status
            done = subprocess.run(
                ["bash", "-c", failure["reproduction"] + " -s -o /dev/null -w '%{http_code}'"],
                env=env, capture_output=True, text=True, timeout=30, check=False,
            )  # fmt: skip
            assert done.stdout == str(status), (failure["reproduction"], done.stderr)
