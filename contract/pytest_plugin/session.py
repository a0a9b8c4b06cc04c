"""One contract session's state: a run per site (target, client, recorder), the fail-closed
preflight when a site is opened and the cleanup when it is closed, and the reports it builds.

Used by the pytest plugin (statuspage_contract.pytest_plugin.plugin), which owns the hooks and
fixtures.
"""

from __future__ import annotations

import sys
import time
import unittest
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from ..equivalence import one_input_per_class
from ..errors import BudgetExhausted
from ..judging import JudgedClient, judged_client
from ..judging.recorder import Recorder, mock_replay
from ..live.preflight import (
    cleanup,
    list_settings_first,
    preflight,
    signals_deferred,
    undo_effect,
)
from ..live.safety import Ownership, State
from ..profiles import ONE_INPUT_PER_CLASS
from ..report.record import RunRecord
from ..sites import expand_sites
from ..target import Target, open_target
from .options import CI_PROFILE, LIVE_BUDGETS, default_profile, option_value, run_waivers


class BudgetSpent(BudgetExhausted, unittest.SkipTest):
    """The request budget ran out: the test that meets it is skipped, and so is every later
    one — never a failure, nor a Hypothesis error (Hypothesis lets a skip through)."""


def requested_sites(config: pytest.Config) -> list[str]:
    """The site names asked for, in order, without duplicates (``all`` expanded)."""
    return expand_sites(option_value(config, "site"))


@dataclass
class SiteRun(RunRecord):
    """One site's run record (what its report is built from), with its own recorder, and
    while the site is open its target and client."""

    recorder: Recorder = field(default_factory=Recorder)
    target: Target | None = None
    client: JudgedClient | None = None


class ContractSession:
    """Per-process state shared by the fixtures and the report writer."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.sites = requested_sites(config)
        self.runs: dict[str, SiteRun] = {}
        self.profile = profile_name(config)
        seed = config.getoption("hypothesis_seed", None)
        if isinstance(seed, str) and seed.isdigit():
            seed = int(seed)
        self.seed: Any = (
            seed if seed is not None else ("derandomized" if self.profile == CI_PROFILE else None)
        )
        self.worker_reports: list[dict[str, Any]] = []
        self.written: list[Path] = []
        #: The reports this session wrote, one per site (what `run` decides over).
        self.final_reports: list[dict[str, Any]] = []
        self.current_test: str | None = None
        self.session: pytest.Session | None = None
        self.old_sigterm: Any = None
        #: The waivers in force (``--waivers``), recorded in every report this session builds.
        chosen = option_value(config, "contract_waivers")
        self.waivers: list[dict[str, Any]] = run_waivers(chosen) if chosen else []
        #: Each site's request plan (statuspage_contract.plan), made once the tests are collected.
        self.plans: dict[str, dict[str, Any]] = {}

    @property
    def multi_site(self) -> bool:
        return len(self.sites) > 1

    def run_for(self, site: str) -> SiteRun:
        if site not in self.runs:
            self.runs[site] = SiteRun(site)
        return self.runs[site]

    def open(self, site: str) -> SiteRun:
        run = self.run_for(site)
        if run.aborted:
            pytest.skip(run.aborted)
        if run.target is not None:
            return run

        def opt(dest: str) -> Any:
            return option_value(self.config, dest)

        target = open_target(
            site,
            allow_mutations=bool(opt("allow_mutations")),
            replace_existing_account=bool(opt("replace_existing_account")),
            mock_faults=tuple(opt("mock_fault") or ()),
        )
        budget = opt("request_budget")
        if budget is None:
            budget = None if target.is_mock else LIVE_BUDGETS[self.profile]
        run.target, run.client = (
            target,
            judged_client(
                target.base_url,
                target.api_key,
                target.app_key,
                recorder=run.recorder,
                test=lambda: self.current_test,
                budget=budget or None,
                max_rate_wait=opt("max_rate_wait"),
                timeout=opt("request_timeout"),
                ownership=Ownership(
                    mutations=target.allow_mutations,
                    replace=target.replace_existing_account,
                    unrestricted=target.is_mock,
                ),
                pace=not target.is_mock,
                transport=target.transport(),
            ),
        )
        run.client.bearer_token = target.bearer_token  # DD_BEARER_TOKEN: in place of the keys
        one_input_per_class(run.client, ONE_INPUT_PER_CLASS[self.profile])
        if not target.is_mock:  # a read-only run undoes at once what its own request made
            run.client.on_effect = undo_effect
            # a mutating run lists the URL settings before its first write to them
            run.client.before_settings_write = partial(list_settings_first, site=target.name)
        run.client.budget_exhausted = BudgetSpent
        run.client.say = self.say
        run.client.keys_are_test_data = True  # the suite's keys: shown in reproductions
        if target.mock is not None:  # gone after the run: replay on `serve` with its faults
            run.recorder.replay = mock_replay(target.base_url, target.mock)
        self.preflight(run)
        return run

    def say(self, line: str) -> None:
        """One line on the terminal now, past pytest's output capture (a wait's reason)."""
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        capture = self.config.pluginmanager.get_plugin("capturemanager")
        if reporter is None or capture is None:
            print(line, file=sys.stderr, flush=True)
            return
        with capture.global_and_fixture_disabled():
            reporter.ensure_newline()
            reporter.write_line(line)

    def preflight(self, run: SiteRun) -> None:
        """Learn whether an account exists; stop the site's run when that is uncertain."""
        target, client = run.target, run.client
        assert target is not None and client is not None
        run.aborted = preflight(client, target.name)
        target.existing_account = client.ownership.found is State.FOREIGN
        if run.aborted:
            self.close(run)
            self.abort(run.aborted)

    def abort(self, reason: str) -> None:
        """Stop this site's run now: skip the current test with the reason, and with one
        site stop the whole session (exit status 2)."""
        if not self.multi_site and self.session is not None:
            self.session.shouldstop = reason
        pytest.skip(reason)

    def note_abort(self, run: SiteRun, reason: str) -> None:
        run.aborted = run.aborted or reason
        if not self.multi_site and self.session is not None:
            self.session.shouldstop = run.aborted

    def close(self, run: SiteRun) -> None:
        """Delete what the run created (never an account it did not create), stop the mock."""
        target, client = run.target, run.client
        if target is None or client is None:
            return
        try:
            if not target.is_mock:  # the embedded mock stops with the run: nothing is left
                with signals_deferred(f"cleaning up on {target.name}; this takes a few seconds"):
                    run.left_behind = cleanup(client, target.name)
        finally:
            client.close()
            target.stop(wait=False)  # the mock finishes on its own thread; nothing waits
            run.finished = time.time()
            run.target_info = _target_info(target, client)
            plan = self.plans.get(run.name)
            if plan is not None:  # every request counted, the cleanup's too: hold them to it
                from .planning import judge_plan

                sent = client.ownership.sent
                run.target_info["plan"] = judge_plan(run.recorder, sent, plan)
            run.target, run.client = None, None

    def reports(self, exitstatus: int) -> list[dict[str, Any]]:
        from ..report.build import build_report

        return [
            build_report(
                run,
                profile=self.profile,
                seed=self.seed,
                exitstatus=exitstatus,
                waivers=self.waivers,
            )
            for run in self.runs.values()
            if run.target_info is not None
        ]


def _target_info(target: Target, client: JudgedClient) -> dict[str, Any]:
    ledger = client.ownership
    return {
        "site": target.name,
        "base_url": target.base_url,
        "mock_faults": sorted(target.mock.faults) if target.mock else [],
        "mutations_allowed": target.mutation_skip_reason is None,
        "existing_account": target.existing_account,
        "account_at_preflight": ledger.found.value,
        "safety_events": list(ledger.events),
        "budget_spent": client.budget_spent,
    }


def profile_name(config: pytest.Config) -> str:
    chosen = option_value(config, "contract_profile")
    if chosen:
        return str(chosen)
    return default_profile()


SESSION_KEY = pytest.StashKey[ContractSession]()


def contract_session(config: pytest.Config) -> ContractSession:
    return config.stash[SESSION_KEY]
