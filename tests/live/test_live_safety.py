"""Live runs that cannot hurt: `statuspage-contract run` against hostile loopback sites.

Every behaviour of :mod:`hostile_site` (account there or not, a lenient site, failures on the
first or the Nth request, slow answers) is run in each mode (read-only, --allow-mutations,
--allow-mutations --replace-existing-account) as a user would: the command as a subprocess.
The site logs every request and its effect, so each test can say what the run did:

* a pre-existing account is never deleted or changed without --replace-existing-account;
* a read-only run sends nothing that could change state, and leaves the state as it was;
* whatever a run created is gone when it exits, or it exits 2 saying what was left where;
* a preflight that cannot tell whether an account exists aborts with exit 2 and one reason,
  the same in the console and in every report.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_runner import modules_in_junit_order, run_cli
from hostile_site import Behaviour, HostileSite
from selection import selected_combinations

from statuspage_contract.live.safety import could_change_state

MODES: dict[str, list[str]] = {
    "read-only": [],
    "mutations": ["--allow-mutations"],
    "replace": ["--allow-mutations", "--replace-existing-account"],
}
#: The Nth request, for failures in mid-run: past the first tests, with an account created.
N = 40

#: Behaviours in which the preflight cannot tell whether the account exists.
PREFLIGHT_FAILURES: dict[str, Behaviour] = {
    "503-first": Behaviour(exists=True, fail="503"),
    "500-first": Behaviour(exists=False, fail="500"),
    "429-storm-first": Behaviour(exists=True, fail="429", fail_times=None),
    "401-first": Behaviour(exists=True, fail="401"),
    "timeout-first": Behaviour(exists=True, fail="timeout"),
    "reset-first": Behaviour(exists=True, fail="reset"),
    "non-conforming-200-first": Behaviour(exists=True, fail="bad-200"),
}
#: Behaviours in which the run itself goes on (or stops) after a certain preflight.
RUNNING: dict[str, Behaviour] = {
    "absent": Behaviour(),
    "exists": Behaviour(exists=True),
    "lenient-absent": Behaviour(lenient=True),
    "lenient-exists": Behaviour(lenient=True, exists=True),
    "500-nth": Behaviour(fail="500", fail_at=N),
    "429-storm-nth": Behaviour(fail="429", fail_at=N, fail_times=None),
    "429-storm-nth-then-calm": Behaviour(fail="429", fail_at=N, fail_times=6),
    "timeout-nth": Behaviour(fail="timeout", fail_at=N),
    "reset-from-nth": Behaviour(fail="reset", fail_at=N + 1, fail_times=None),  # from a look on
    "reset-nth": Behaviour(fail="reset", fail_at=N),  # one input dropped, the rest answered
    "timeout-on-second": Behaviour(fail="timeout", fail_at=2),  # the first create, in mutations
    "429-storm-after-create": Behaviour(fail="429", fail_at=4, fail_times=None),
    "slow": Behaviour(delay=0.01),
}
BEHAVIOURS = {**PREFLIGHT_FAILURES, **RUNNING}


@dataclass
class Outcome:
    site: HostileSite
    mode: str
    returncode: int
    stdout: str
    stderr: str
    report_dir: Path

    @property
    def last_line(self) -> str:
        lines = [line for line in (self.stdout + self.stderr).splitlines() if line.strip()]
        summary = [line for line in lines if line.startswith("statuspage-contract run")]
        return summary[-1] if summary else (lines[-1] if lines else "")

    @property
    def report(self) -> dict:
        return json.loads((self.report_dir / "contract-report.json").read_text())

    def could_change(self) -> list[str]:
        return [
            f"#{e.n} {e.method}"
            for e in self.site.log
            if e.path.endswith("/account") and could_change_state(e.method, e.body)
        ]


def _run(behaviour: Behaviour, mode: str, tmp: Path, **popen: object) -> Outcome:
    site = HostileSite(Behaviour(**vars(behaviour)))
    with site:
        out = tmp / "reports"
        cmd = [
            "run", "--site", site.base_url,
            "--report-dir", str(out), "--profile", "ci", "--examples", "2",
            "--request-timeout", "2", "--max-rate-wait", "0", *MODES[mode],
        ]  # fmt: skip
        env = {**os.environ, **site.env()}
        env.pop("DD_SITE", None)
        done = run_cli(cmd, env=env, cwd=tmp, timeout=300)
    return Outcome(site, mode, done.returncode, done.stdout, done.stderr, out)


#: The combinations run by default: the healthy site in every mode, the lenient site and a
#: pre-existing account where a run could hurt them, each preflight failure once (most in the
#: most permissive mode), and the mid-run failures once the run creates accounts.
#: `pytest -m slow tests/test_live_safety.py` runs every behaviour in every mode.
DEFAULT = {
    *(("absent", m) for m in MODES),
    ("exists", "mutations"),
    ("exists", "replace"),
    *((b, m) for b in ("lenient-absent", "lenient-exists") for m in ("read-only", "mutations")),
    ("503-first", "replace"),
    ("429-storm-first", "replace"),
    ("401-first", "read-only"),
    ("timeout-first", "mutations"),
    ("reset-first", "replace"),
    ("non-conforming-200-first", "replace"),
    ("timeout-on-second", "mutations"),
    ("429-storm-after-create", "mutations"),
    ("429-storm-nth", "mutations"),
    ("reset-from-nth", "mutations"),
    ("reset-nth", "read-only"),
    ("reset-nth", "mutations"),
}


#: What the tests that are not parametrised read.
ALWAYS = (
    ("absent", "mutations"),
    ("exists", "replace"),
    ("timeout-on-second", "mutations"),
    ("429-storm-nth", "mutations"),
    ("reset-nth", "read-only"),
    ("reset-nth", "mutations"),
)


@pytest.fixture(scope="module")
def outcomes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[tuple[str, str], Outcome]]:
    """The selected behaviours in their modes, run concurrently (each against its own site)."""
    combos = selected_combinations(request.session, __name__, ("behaviour", "mode"), ALWAYS)

    # Folders are made here, not in the threads: TempPathFactory is not thread-safe.
    folders = {(name, mode): tmp_path_factory.mktemp(f"{name}-{mode}") for name, mode in combos}

    def one(combo: tuple[str, str]) -> Outcome:
        name, mode = combo
        return _run(BEHAVIOURS[name], mode, folders[combo])

    with ThreadPoolExecutor(max_workers=(os.cpu_count() or 2) + 1) as pool:
        yield dict(zip(combos, pool.map(one, combos), strict=True))


ALL = [
    pytest.param(b, m, id=f"{b}-{m}", marks=() if (b, m) in DEFAULT else pytest.mark.slow)
    for b in BEHAVIOURS
    for m in MODES
]


# -- the promises, in every combination -------------------------------------------------------
@pytest.mark.parametrize(("behaviour", "mode"), ALL)
def test_a_pre_existing_account_is_never_touched_without_replace(outcomes, behaviour, mode):
    run = outcomes[behaviour, mode]
    touched = [f"#{e.n} {e.method} {e.effect}" for e in run.site.effects() if e.on_original]
    if mode != "replace":
        assert touched == [], run.last_line
        if BEHAVIOURS[behaviour].exists:
            assert run.site.original_intact


@pytest.mark.parametrize(("behaviour", "mode"), [p for p in ALL if p.values[1] == "read-only"])
def test_a_read_only_run_sends_nothing_that_could_change_state(outcomes, behaviour, mode):
    run = outcomes[behaviour, mode]
    assert run.could_change() == []
    assert run.site.effects() == []
    assert (run.site.account is not None) == BEHAVIOURS[behaviour].exists


@pytest.mark.parametrize(("behaviour", "mode"), ALL)
def test_what_a_run_created_is_gone_or_it_exits_2_saying_what_was_left(outcomes, behaviour, mode):
    run = outcomes[behaviour, mode]
    left = run.site.account is not None and run.site.account is not run.site.original
    if left:
        assert run.returncode == 2
        assert run.last_line.endswith(
            f"left behind on {run.site.base_url}: a Statuspage account this run created could "
            "not be deleted (the site kept answering 429 after 3 retries; stopping to respect "
            "its rate limit); delete it yourself (DELETE /api/v2/integration/statuspage/account)"
        )
        assert run.report["run"]["left_behind"] in run.last_line
    else:
        assert "left behind" not in run.stdout + run.stderr


# -- the preflight fails closed ---------------------------------------------------------------
PREFLIGHT = [p for p in ALL if p.values[0] in PREFLIGHT_FAILURES]
REASONS = {
    "503-first": "answered 503 to the preflight GET",
    "500-first": "answered 500 to the preflight GET",
    "429-storm-first": "kept answering 429 after 3 retries",
    "401-first": "rejected the keys (HTTP 401)",
    "timeout-first": "no answer in time",
    "reset-first": "the connection was reset",
    "non-conforming-200-first": "answered 200 with a body the contract does not accept",
}


#: Preflight answers that also break a rule (a 5xx, an undocumented 401, a body the contract
#: does not accept): a violation outranks the abort, so these end VIOLATED (exit 1), the
#: abort said after it; the others (no answer, a 429 storm) end ABORTED (exit 2).
PREFLIGHT_VIOLATIONS = {"503-first", "500-first", "401-first", "non-conforming-200-first"}


@pytest.mark.parametrize(("behaviour", "mode"), PREFLIGHT)
def test_an_uncertain_preflight_aborts_with_exit_2_and_one_reason_everywhere(
    outcomes, behaviour, mode
):
    run = outcomes[behaviour, mode]
    violated = behaviour in PREFLIGHT_VIOLATIONS
    assert run.returncode == (1 if violated else 2), run.stdout[-2000:]
    assert {e.method for e in run.site.log} == {"GET"}  # only the preflight (and its retries)
    reason = run.report["run"]["aborted"]
    assert reason.startswith("run aborted at the preflight: ")
    assert REASONS[behaviour] in reason
    prefix = f"statuspage-contract run ({run.site.base_url}): "
    if violated:
        assert run.last_line.startswith(prefix + "VIOLATED: the contract is violated: ")
        assert run.last_line.endswith(f"; also: {reason}")
    else:
        assert run.last_line == f"{prefix}ABORTED: {reason}"
    assert "Traceback" not in run.stdout + run.stderr
    for name in ("contract-report.html", "summary.md", "junit.xml"):
        text = (run.report_dir / name).read_text()
        shown = text.replace("&#39;", "'").replace("&apos;", "'")
        assert reason in shown, name


# -- what each running behaviour makes of the run ------------------------------------------
EXPECTED_EXIT = {  # 0 HOLDS, 1 VIOLATED, 2 ABORTED, 3 INCOMPLETE (mutating rules not exercised)
    "absent": {"read-only": 3, "mutations": 0, "replace": 0},
    "exists": {"read-only": 3, "mutations": 3, "replace": 0},
    "lenient-absent": {"read-only": 1, "mutations": 1, "replace": 1},
    "lenient-exists": {"read-only": 1, "mutations": 1, "replace": 1},
    "500-nth": {"read-only": 1, "mutations": 1, "replace": 1},
    "429-storm-nth": {"read-only": 2, "mutations": 2, "replace": 2},
    "429-storm-nth-then-calm": {"read-only": 2, "mutations": 2, "replace": 2},
    # one request unanswered while the site answers the next: broken on that input (exit 1)
    "timeout-nth": {"read-only": 1, "mutations": 1, "replace": 1},
    "reset-nth": {"read-only": 1, "mutations": 1, "replace": 1},
    "reset-from-nth": {"read-only": 2, "mutations": 2, "replace": 2},
    "timeout-on-second": {"read-only": 1, "mutations": 1, "replace": 1},
    "429-storm-after-create": {"read-only": 2, "mutations": 2, "replace": 2},
    "slow": {"read-only": 3, "mutations": 0, "replace": 0},
}


@pytest.mark.parametrize(("behaviour", "mode"), [p for p in ALL if p.values[0] in RUNNING])
def test_each_behaviour_ends_the_run_as_documented(outcomes, behaviour, mode):
    run = outcomes[behaviour, mode]
    assert run.returncode == EXPECTED_EXIT[behaviour][mode], run.last_line
    assert "Traceback" not in run.stderr
    if run.returncode == 2:
        said = run.report["run"]["left_behind"] or run.report["run"]["aborted"]
        assert run.last_line.endswith(f": ABORTED: {said}")


def test_mutating_runs_really_create_and_delete_on_a_correct_site(outcomes):
    """The harness is not vacuous: with mutations allowed, the run does create accounts
    (and deletes each of them)."""
    run = outcomes["absent", "mutations"]
    created = [e for e in run.site.effects() if e.effect == "created"]
    assert len(created) >= 5
    assert run.site.account is None
    replaced = outcomes["exists", "replace"]
    assert [e.effect for e in replaced.site.effects() if e.on_original] == ["deleted"]
    assert replaced.site.account is None


def test_an_answer_lost_after_the_site_created_the_account_is_cleaned_up(outcomes):
    """The first create's answer is lost (the site made the account): the GET right after it
    shows the account, which the run takes as its own; the lost answer is a finding, the run
    goes on, and nothing is left at the end."""
    run = outcomes["timeout-on-second", "mutations"]
    assert run.site.log[1].status == "timeout"
    effects = [(e.n, e.method, e.effect) for e in run.site.effects()]
    assert effects[0] == (2, "POST", "created")
    assert effects[1][1:] == ("DELETE", "deleted")
    assert run.site.account is None
    assert run.report["run"]["safety_events"][0] == (
        "an account was there after a request that got no answer: taken as created by this "
        "run, so it is deleted at the end"
    )
    failure = next(f for f in run.report["failures"] if f["rule"] == "no-server-error")
    assert "no answer in time" in failure["message"]
    assert failure["reproduction"].startswith("curl -X POST ")


def test_one_dropped_connection_is_a_finding_with_its_reproduction_not_an_abort(outcomes):
    for mode in ("read-only", "mutations"):
        run = outcomes["reset-nth", mode]
        assert run.returncode == 1, run.last_line
        assert run.report["run"]["aborted"] is None
        assert run.site.log[N - 1].status == "reset"
        assert len(run.site.log) > N + 5  # the run went on (a read-only run sends ~50 in all)
        failure = next(f for f in run.report["failures"] if f["rule"] == "no-server-error")
        assert "the connection was reset" in failure["message"]
        last = failure["reproduction"].splitlines()[-1]  # after the state changes before it
        assert last.startswith(f"curl -X {run.site.log[N - 1].method} ")
        assert (run.site.account is not None) == BEHAVIOURS["reset-nth"].exists


def test_a_429_storm_stops_the_run_instead_of_hammering_the_site(outcomes):
    run = outcomes["429-storm-nth", "mutations"]
    limited = [e for e in run.site.log if e.status == 429]
    assert len(limited) <= 4 * (1 + 4)  # the run's retries, then cleanup's bounded rounds
    assert "kept answering 429" in run.last_line


# -- signals ----------------------------------------------------------------------------------
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_mid_run_still_deletes_what_the_run_created(tmp_path, signum):
    site = HostileSite(Behaviour(delay=0.03))
    with site:
        cmd = [
            sys.executable, "-m", "statuspage_contract.cli", "run", "--site", site.base_url,
            "--report-dir", str(tmp_path / "reports"), "--profile", "ci",
            "--request-timeout", "2", "--allow-mutations",
        ]  # fmt: skip
        env = {**os.environ, **site.env()}
        # Ctrl-C reaches a run started from a terminal; a shell without job control starts
        # background jobs (CI steps, too) with SIGINT ignored, which the child would inherit.
        proc = subprocess.Popen(
            cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while site.account is None and time.monotonic() < deadline:
            time.sleep(0.005)
        assert site.account is not None, "the run never created an account"
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    assert site.account is None
    assert proc.returncode == 2
    assert "interrupted" in (out + err).splitlines()[-1]
    assert [e.effect for e in site.effects()][-1] == "deleted"


# -- credentials in URLs ------------------------------------------------------------------------
def test_credentials_in_a_site_url_are_refused_and_never_shown(tmp_path):
    secret = "hunter2-s3cr3t-in-url"
    env = {**os.environ, "DD_API_KEY": "a" * 32, "DD_APP_KEY": "b" * 40}
    out = tmp_path / "reports"
    for site in (f"http://user:{secret}@127.0.0.1:9", f"https://{secret}@127.0.0.1:9/x"):
        done = run_cli(
            ["run", "--site", site, "--report-dir", str(out)], env=env, cwd=tmp_path, timeout=60
        )
        assert done.returncode == 2
        assert secret not in done.stdout + done.stderr
        assert "credentials in a site URL are refused" in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    with_env = {**env, "DD_SITE": f"http://user:{secret}@127.0.0.1:9"}
    done = run_cli(["run", "--report-dir", str(out)], env=with_env, cwd=tmp_path, timeout=60)
    assert done.returncode == 2 and secret not in done.stdout + done.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert all(secret not in p.read_text(errors="replace") for p in written)


def test_the_example_waivers_let_a_correct_site_reached_by_url_through_the_gate(outcomes):
    """The example workflow's steps on a correct implementation by URL, mutations allowed:
    run says HOLDS, and the gate with the example waivers lets the release go."""
    run = outcomes["absent", "mutations"]
    assert run.returncode == 0 and "HOLDS" in run.last_line
    # On a live site the edges run last: a request budget goes to the core tests first.
    modules = modules_in_junit_order(run.report_dir)
    assert modules[0] == "test_examples.py"
    assert modules[-1] == "test_unusual_inputs.py"
    waivers = Path(__file__).parents[2] / "examples" / "github-actions" / "waivers.toml"
    done = subprocess.run(
        [sys.executable, "-m", "statuspage_contract.cli", "gate", str(run.report_dir), "--waivers",
         str(waivers)],
        capture_output=True, text=True, timeout=60, check=False,
        env=dict(os.environ),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "RELEASE MAY GO" in done.stdout


def test_the_edges_send_on_a_live_site_only_what_its_mode_allows(outcomes):
    """Read-only: the edges that cannot change state are sent and pass, the others are
    skipped (never sent: the read-only test above); with mutations, every edge is sent."""
    read_only = outcomes["absent", "read-only"].report["edges"]
    assert sum(e["passed"] for e in read_only.values()) > 0
    assert sum(e["skipped"] for e in read_only.values()) > 0
    assert all(e["failed"] == 0 for e in read_only.values())
    mutating = outcomes["absent", "mutations"].report["edges"]
    assert all(e["inputs"] == e["passed"] > 0 for e in mutating.values()), mutating
