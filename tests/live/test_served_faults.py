"""Every mock fault, served by `statuspage-contract serve --fault NAME`, run as a live site.

A site reached by URL takes the live code paths (the ledger, the preflight, undoing, cleanup,
pacing), which the embedded mock's runs skip. So each fault is also served on its own and
run against as a user would:

* with ``--allow-mutations`` the run catches it: VIOLATED (exit 1), naming the rule the fault
  breaks, and leaves the site as it found it — but for what no run can undo (a DELETE that
  answers 204 and keeps the account), which it names in one line;
* read-only, the run catches it (exit 1) or holds as far as it may go (INCOMPLETE, exit 3),
  and leaves the site as it found it, even where the site accepted what it must refuse.

By default a few faults run, each taking a live path of its own;
`pytest -m slow tests/live/test_served_faults.py` runs every other fault in both modes.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cli_runner import run_cli, serving
from selection import selected_combinations

from statuspage_contract.mock.faults import FAULTS
from statuspage_contract.mock.server import READ_ONLY_APP_KEY_ENV, READ_ONLY_BEARER_TOKEN_ENV
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
SERVE = (sys.executable, "-m", "statuspage_contract.cli", "serve", "--port", "0", "--quiet")
#: What a served fault needs beyond ``--fault`` to show, and what the run needs to see it:
#: a 429 without its headers needs a rate limit the run meets (it paces itself on the headers
#: it gets, so it is told not to wait).
SERVE_EXTRA = {"rate-limit-without-headers": ("--rate-limit", "20", "--rate-period", "1")}
RUN_EXTRA = {"rate-limit-without-headers": ("--max-rate-wait", "0")}
#: Seconds each answer is awaited: one input is never answered by this fault, so the run is
#: told not to wait long for it.
PATIENCE = {"drops-answer-on-empty-body": "1"}
#: Faults whose effect no run can undo: the account stays, and the run says so.
CANNOT_UNDO = {"delete-keeps-account"}
#: Faults a read-only run meets by default: a site that makes an account of what it must
#: refuse, and one that keeps what it refused (the rest read-only: ``-m slow``).
READ_ONLY_DEFAULT = {
    "accepts-missing-api-key",
    "rejected-create-stores-account",
    "drops-answer-on-empty-body",
}
#: Faults run with --allow-mutations by default: each takes a live path of its own (undoing,
#: adopting, what cannot be undone, a second key, a 429, a 5xx, a leak); ``-m slow`` runs every
#: fault (session 9: all 26 caught, each site left as found but for delete-keeps-account). The
#: unanswered input is met read-only by default (the proof meets it embedded, with mutations).
MUTATIONS_DEFAULT = {
    "accepts-missing-api-key",
    "rejected-create-stores-account",
    "delete-keeps-account",
    "permission-not-enforced",
    "rate-limit-without-headers",
    "server-error-on-long-string",
    "unmasked-api-key",
    "url-setting-update-not-stored",  # the URL settings' ledger on a live path
}
MODES = {"read-only": (), "mutations": ("--allow-mutations",)}


@dataclass
class Served:
    fault: str
    mode: str
    exit_code: int
    output: str
    report: dict | None
    account_after: int  # the GET's status once the run is over
    settings_after: list[str] | None  # the URL settings listed once the run is over


def _serve(fault: str, env: dict[str, str]) -> AbstractContextManager[str]:
    return serving([*SERVE, "--fault", fault, *SERVE_EXTRA.get(fault, ())], {**os.environ, **env})


def _account_status(url: str, env: dict[str, str]) -> int:
    """The account's state as a GET with the run's keys sees it (after any rate-limit
    window has passed)."""
    headers = {
        CONTRACT.api_key_header: env["DD_API_KEY"],
        CONTRACT.app_key_header: env["DD_APP_KEY"],
    }
    for _ in range(5):
        status = requests.get(url + CONTRACT.account_path, headers=headers, timeout=10).status_code
        if status != CONTRACT.status.rate_limited:
            return status
        time.sleep(1)
    return status


def _settings_listed(url: str, env: dict[str, str]) -> list[str] | None:
    """The ids of the URL settings a list with the run's keys shows (None: no list)."""
    headers = {
        CONTRACT.api_key_header: env["DD_API_KEY"],
        CONTRACT.app_key_header: env["DD_APP_KEY"],
    }
    settings = CONTRACT.url_settings
    for _ in range(5):
        listed = requests.get(url + settings.collection_path, headers=headers, timeout=10)
        if listed.status_code != CONTRACT.status.rate_limited:
            return settings.ids_listed(listed.json())
        time.sleep(1)
    return None


def _one(fault: str, mode: str, folder: Path) -> Served:
    env = {
        "DD_API_KEY": secrets.token_hex(16),
        "DD_APP_KEY": secrets.token_hex(20),
        READ_ONLY_APP_KEY_ENV: secrets.token_hex(20),
        READ_ONLY_BEARER_TOKEN_ENV: secrets.token_hex(20),
    }
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DD_")} | env
    with _serve(fault, environment) as url:
        cmd = [
            "run", "--site", url, "--profile", "ci", "--examples", "2",
            "--request-timeout", PATIENCE.get(fault, "10"), "--report-dir", str(folder / "reports"),
            *MODES[mode], *RUN_EXTRA.get(fault, ()),
        ]  # fmt: skip
        done = run_cli(cmd, env=environment, cwd=folder, timeout=300)
        after = _account_status(url, env)
        settings_after = _settings_listed(url, env)
    try:
        report = json.loads((folder / "reports" / "contract-report.json").read_text())
    except (OSError, ValueError):
        report = None
    output = done.stdout + done.stderr
    return Served(fault, mode, done.returncode, output, report, after, settings_after)


ALL = [
    pytest.param(
        fault,
        mode,
        id=f"{fault}-{mode}",
        marks=()
        if fault in (MUTATIONS_DEFAULT if mode == "mutations" else READ_ONLY_DEFAULT)
        else pytest.mark.slow,
    )
    for fault in FAULTS
    for mode in MODES
]


@pytest.fixture(scope="module")
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[tuple[str, str], Served]]:
    """The selected faults in their modes, two at a time, each against its own served site."""
    always = [("accepts-missing-api-key", "read-only")]  # the undo's own test reads it
    combos = selected_combinations(request.session, __name__, ("fault", "mode"), always)
    folders = {c: tmp_path_factory.mktemp(f"{c[0]}-{c[1]}") for c in combos}
    with ExitStack(), ThreadPoolExecutor(max_workers=2) as pool:
        runs = pool.map(lambda c: _one(c[0], c[1], folders[c]), combos)
        yield dict(zip(combos, runs, strict=True))


@pytest.mark.parametrize(("fault", "mode"), ALL)
def test_a_served_fault_is_caught_or_held_and_the_site_is_left_as_found(served, fault, mode):
    run = served[fault, mode]
    assert "Traceback" not in run.output, run.output[-3000:]
    assert run.report is not None, run.output[-3000:]
    last = [line for line in run.output.splitlines() if line.startswith("statuspage-contract run")]
    if mode == "mutations":
        assert run.exit_code == 1, last
        assert FAULTS[fault].breaks in run.report["decision"]["broken_rules"], last
    else:
        assert run.exit_code in (1, 3), last
        if run.exit_code == 1:
            assert run.report["decision"]["broken_rules"], last
    if mode == "mutations" and fault in CANNOT_UNDO:
        assert run.account_after == CONTRACT.status.ok
        assert f"also: left behind on {run.report['run']['site']}: " in last[-1]
    else:
        assert run.account_after == CONTRACT.status.not_found, last
        assert not run.report["run"]["left_behind"], last
    assert run.settings_after == [], last  # the site had no URL setting: it has none again


def test_a_read_only_run_undoes_the_account_a_lenient_site_made_and_says_so(served):
    run = served["accepts-missing-api-key", "read-only"]
    assert run.exit_code == 1
    assert run.report["decision"]["broken_rules"] == ["invalid-body-rejected"]
    events = " ".join(str(e) for e in run.report["run"]["safety_events"])
    assert "the site accepted a POST it must refuse (answered 201)" in events
    assert "undid it: the account this run's request made was deleted" in events
    assert run.account_after == CONTRACT.status.not_found
