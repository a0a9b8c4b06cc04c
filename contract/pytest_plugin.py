"""The pytest plugin behind the contract suite: options, targets, fixtures, redaction, reports.

Loaded by the repository's ``conftest.py`` and by ``statuspage-contract run`` (``-p``).
With several sites (``--site`` repeated, or ``--site all``) every suite test is parametrised
by site and grouped per site, so pytest-xdist (``-n``, ``--dist loadgroup``) runs the sites
in parallel; each worker sends its per-site reports to the controller, which writes them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, Verbosity, settings

from contract.client import BudgetExhausted, ContractClient, SiteUnreachable
from contract.console import finding_lines
from contract.mock.faults import UnknownFaultError, check_faults
from contract.mock.server import MockSite
from contract.preflight import (
    ABORTED_MID_RUN,
    cleanup,
    preflight,
    signals_deferred,
    sigterm_as_interrupt,
)
from contract.recorder import Recorder
from contract.redact import SECRETS, redact
from contract.rules import ContractViolation
from contract.safety import Ownership, RunAborted, State
from contract.sites import MOCK, UnknownSiteError, expand_sites
from contract.target import Target, TargetError, keys_for, open_target

SUITE_DIR = Path(__file__).parent / "suite"

#: Hypothesis profiles. ``ci`` is derandomised: every CI run sends the same inputs.
#: ``fast`` and ``ci`` skip shrinking (against a broken server it takes minutes, and the
#: example tests already give minimal reproductions); ``thorough`` shrinks.
_NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]
PROFILES: dict[str, dict[str, Any]] = {
    "fast": {"max_examples": 25, "phases": _NO_SHRINK},
    "ci": {"max_examples": 40, "derandomize": True, "phases": _NO_SHRINK},
    "thorough": {"max_examples": 400},
}
_COMMON: dict[str, Any] = {
    "database": None,  # the example database would write submitted api_keys to disk
    "deadline": None,
    "suppress_health_check": list(HealthCheck),
    "verbosity": Verbosity.quiet,  # Hypothesis' own reports quote inputs; ours are redacted
    "print_blob": False,
}
for _name, _values in PROFILES.items():
    settings.register_profile(f"statuspage-{_name}", **_COMMON, **_values)

DEFAULT_BUDGET_LIVE = 1500
DEFAULT_TIMEOUT = 30.0


def requested_sites(config: pytest.Config) -> list[str]:
    """The site names asked for, in order, without duplicates (``all`` expanded)."""
    return expand_sites(config.getoption("site", None))


@dataclass
class SiteRun:
    """One site's run: its target and client (while open) and what was recorded."""

    name: str
    recorder: Recorder = field(default_factory=Recorder)
    target: Target | None = None
    client: ContractClient | None = None
    started: float = field(default_factory=time.time)
    finished: float | None = None
    aborted: str | None = None
    left_behind: str | None = None  # what cleanup could not remove, in one line
    target_info: dict[str, Any] | None = None  # what the report says of the target


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
            seed if seed is not None else ("derandomized" if self.profile == "ci" else None)
        )
        self.worker_reports: list[dict[str, Any]] = []
        self.written: list[Path] = []
        self.current_test: str | None = None
        self.session: pytest.Session | None = None
        self.old_sigterm: Any = None

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
        opt = self.config.option
        target = open_target(
            site,
            allow_mutations=opt.allow_mutations,
            replace_existing_account=opt.replace_existing_account,
            mock_faults=tuple(opt.mock_fault or ()),
        )
        budget = opt.request_budget
        if budget is None:
            budget = None if target.is_mock else DEFAULT_BUDGET_LIVE
        run.target, run.client = (
            target,
            ContractClient(
                target.base_url,
                target.api_key,
                target.app_key,
                recorder=run.recorder,
                budget=budget or None,
                max_rate_wait=opt.max_rate_wait,
                timeout=opt.request_timeout,
                ownership=Ownership(
                    mutations=target.allow_mutations,
                    replace=target.replace_existing_account,
                    unrestricted=target.is_mock,
                ),
                pace=not target.is_mock,
            ),
        )
        run.recorder.current_test = self.current_test
        self.preflight(run)
        return run

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
            target.stop()
            run.finished = time.time()
            run.target_info = _target_info(target, client)
            run.target, run.client = None, None

    def reports(self, exitstatus: int) -> list[dict[str, Any]]:
        from contract.report import build_report

        return [
            build_report(run, profile=self.profile, seed=self.seed, exitstatus=exitstatus)
            for run in self.runs.values()
            if run.target_info is not None
        ]


def _target_info(target: Target, client: ContractClient) -> dict[str, Any]:
    ledger = client.ownership
    return {
        "site": target.name,
        "base_url": target.base_url,
        "mock_faults": sorted(target.mock.faults) if target.mock else [],
        "mutations_allowed": target.mutation_skip_reason is None,
        "existing_account": target.existing_account,
        "account_at_preflight": ledger.found.value,
        "safety_events": list(ledger.events),
    }


def profile_name(config: pytest.Config) -> str:
    chosen = config.getoption("contract_profile", None)
    if chosen:
        return str(chosen)
    return "ci" if os.environ.get("CI") else "fast"


SESSION_KEY = pytest.StashKey[ContractSession]()


def contract_session(config: pytest.Config) -> ContractSession:
    return config.stash[SESSION_KEY]


def report_dir_of(config: pytest.Config) -> Path | None:
    if config.getoption("no_contract_report", False):
        return None
    chosen = config.getoption("report_dir", None)
    return Path(chosen) if chosen else Path(str(config.rootpath)) / "reports"


def _is_suite_item(item: pytest.Item) -> bool:
    return SUITE_DIR in Path(str(item.path)).parents


def _selects_suite(config: pytest.Config) -> bool:
    """Whether this invocation may collect suite tests (used to decide on junit.xml)."""
    args = [a.split("::")[0] for a in config.args if not a.startswith("-")]
    if not args:
        return True
    for arg in args:
        path = Path(arg).resolve()
        if path == SUITE_DIR or SUITE_DIR in path.parents or path in SUITE_DIR.parents:
            return True
    return False


# -- hooks --------------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("statuspage-contract", "statuspage-contract: the contract suite")
    group.addoption(
        "--site",
        action="append",
        metavar="SITE",
        help="site to test: mock, a Datadog site (datadoghq.eu, us3.datadoghq.com, ...), an "
        "http(s) URL, or 'all'; repeatable (default: DD_SITE, else mock)",
    )
    group.addoption(
        "--allow-mutations",
        action="store_true",
        help="allow tests that create, change or delete the account on a non-mock site",
    )
    group.addoption(
        "--replace-existing-account",
        action="store_true",
        help="with --allow-mutations: run even when the site already has an account "
        "(it will be deleted)",
    )
    group.addoption(
        "--contract-profile",
        choices=sorted(PROFILES),
        help="Hypothesis profile: fast (default), ci (deterministic; default when CI is set), "
        "thorough (many examples, shrinking)",
    )
    group.addoption(
        "--contract-examples",
        type=int,
        metavar="N",
        help="examples per property-based test (overrides the profile's number)",
    )
    group.addoption(
        "--request-budget",
        type=int,
        metavar="N",
        help=f"stop sending after N requests per site (default: {DEFAULT_BUDGET_LIVE} on "
        "non-mock sites, unlimited on the mock; 0 = unlimited)",
    )
    group.addoption(
        "--max-rate-wait",
        type=float,
        default=60.0,
        metavar="S",
        help="longest wait, in seconds, for X-RateLimit-Reset before retrying a 429 (default 60)",
    )
    group.addoption(
        "--request-timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds to wait for each answer before the site counts as unreachable "
        f"(default {DEFAULT_TIMEOUT:g})",
    )
    group.addoption(
        "--mock-fault",
        action="append",
        metavar="NAME",
        help="with --site mock: turn a fault mode on in the embedded mock (repeatable)",
    )
    group.addoption(
        "--report-dir", metavar="DIR", help="where contract reports are written (default: reports/)"
    )
    group.addoption(
        "--no-contract-report", action="store_true", help="do not write contract reports"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "mutating: creates, changes or deletes an account")
    config.addinivalue_line("markers", "mock_only: needs the embedded mock's private controls")
    config.addinivalue_line("markers", "slow: thorough runs, excluded by default")
    try:  # validate before anything is sent, so a usage error is one clear line
        sites = requested_sites(config)
        check_faults(config.getoption("mock_fault") or ())
        for name in sites:
            if name != MOCK:
                keys_for(name)
    except (UnknownSiteError, UnknownFaultError, TargetError) as exc:
        raise pytest.UsageError(str(exc)) from None
    if config.getoption("mock_fault") and sites != [MOCK]:
        raise pytest.UsageError("--mock-fault applies to --site mock only")
    if config.getoption("request_timeout") <= 0:
        raise pytest.UsageError("--request-timeout must be more than 0 seconds")
    session = ContractSession(config)
    config.stash[SESSION_KEY] = session
    session.old_sigterm = sigterm_as_interrupt()
    settings.load_profile(f"statuspage-{session.profile}")
    examples = config.getoption("contract_examples", None)
    if examples is not None:
        if examples < 1:
            raise pytest.UsageError("--contract-examples must be at least 1")
        settings.register_profile(
            "statuspage-custom",
            settings.get_profile(f"statuspage-{session.profile}"),
            max_examples=examples,
        )
        settings.load_profile("statuspage-custom")
    report_dir = report_dir_of(config)
    wants_junit = report_dir is not None and _selects_suite(config)
    if wants_junit and not hasattr(config, "workerinput"):
        assert report_dir is not None
        _remove_stale_reports(report_dir)
        if not config.option.xmlpath:
            report_dir.mkdir(parents=True, exist_ok=True)
            config.option.xmlpath = str(report_dir / "junit.xml")


def pytest_sessionstart(session: pytest.Session) -> None:
    cs = session.config.stash.get(SESSION_KEY, None)
    if cs is not None:
        cs.session = session


def pytest_unconfigure(config: pytest.Config) -> None:
    cs = config.stash.get(SESSION_KEY, None)
    if cs is not None and cs.old_sigterm is not None:
        import signal

        signal.signal(signal.SIGTERM, cs.old_sigterm)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "site_name" not in metafunc.fixturenames:
        return
    session = contract_session(metafunc.config)
    if not session.multi_site:
        return
    params = [pytest.param(s, id=s, marks=pytest.mark.xdist_group(s)) for s in session.sites]
    metafunc.parametrize("site_name", params, indirect=True, scope="session")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if not _is_suite_item(item):
        return
    session = contract_session(item.config)
    session.current_test = item.nodeid
    for run in session.runs.values():
        run.recorder.current_test = item.nodeid


def _skip_if_not_allowed(item: pytest.Item, target: Target) -> None:
    if item.get_closest_marker("mock_only") and not target.is_mock:
        pytest.skip(f"needs the embedded mock's controls; {target.name} is not the mock")
    if item.get_closest_marker("mutating"):
        reason = target.mutation_skip_reason
        if reason:
            pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if call.excinfo is not None and call.excinfo.errisinstance(BudgetExhausted):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {call.excinfo.value}")
    if call.excinfo is not None and isinstance(call.excinfo.value, ContractViolation):
        # "[rule] headline", the response and its reproduction: what a reader needs, not a
        # traceback through the client (JUnit's message and pytest's summary start with it).
        report.longrepr = str(call.excinfo.value)
    if report.longrepr is not None and len(SECRETS):
        if isinstance(report.longrepr, tuple):
            path, line, text = report.longrepr
            report.longrepr = (path, line, redact(text))
        else:
            report.longrepr = redact(str(report.longrepr))
    report.sections = [(title, redact(text)) for title, text in report.sections]
    if not _is_suite_item(item):
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        session = contract_session(item.config)
        site = item.callspec.params.get("site_name") if hasattr(item, "callspec") else None
        run = session.run_for(site or session.sites[0])
        if call.excinfo is not None and call.excinfo.errisinstance((RunAborted, SiteUnreachable)):
            session.note_abort(run, f"{ABORTED_MID_RUN}: {call.excinfo.value}")
        rules: list[str] = []
        if call.excinfo is not None and isinstance(call.excinfo.value, ContractViolation):
            rules = call.excinfo.value.rules
        why = ""
        if report.skipped and isinstance(report.longrepr, tuple):
            why = str(report.longrepr[2]).removeprefix("Skipped: ")
        run.recorder.record_test(item.nodeid, report.outcome, report.duration, rules, why)


@pytest.hookimpl(tryfirst=True)  # before junitxml writes its file, so it gets the reasons
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    cs = session.config.stash.get(SESSION_KEY, None)
    if cs is None:
        return
    for run in cs.runs.values():
        cs.close(run)
    reports = cs.reports(int(exitstatus))
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the reports to the controller
        workeroutput["contract_reports"] = [SECRETS.redact_tree(r) for r in reports]
        workeroutput["contract_secrets"] = sorted(SECRETS.secrets)
        return
    reports += cs.worker_reports
    if not reports and _selects_suite(session.config):  # nothing ran: say so, never go stale
        reports = [_nothing_tested(cs, site, int(exitstatus)) for site in cs.sites]
    _junit_properties(session.config, reports)
    report_dir = report_dir_of(session.config)
    if report_dir is None or not reports:
        return
    from contract.report import write_all

    cs.written = write_all(reports, report_dir, multi_site=cs.multi_site)


def _nothing_tested(cs: ContractSession, site: str, exitstatus: int) -> dict[str, Any]:
    """The report of a site on which no test ran (e.g. ``-k`` selected nothing)."""
    from contract.report import build_report

    run = SiteRun(site, finished=time.time())
    run.target_info = {"site": site, "base_url": ""}
    return build_report(run, profile=cs.profile, seed=cs.seed, exitstatus=exitstatus)


def _remove_stale_reports(report_dir: Path) -> None:
    """Delete the reports an earlier run left, so a run that writes none leaves none."""
    from contract.report import REPORT_FILES

    for folder in (report_dir, *(p for p in report_dir.glob("*") if p.is_dir())):
        for name in REPORT_FILES:
            (folder / name).unlink(missing_ok=True)


def _junit_properties(config: pytest.Config, reports: list[dict[str, Any]]) -> None:
    """Carry why a run stopped, and what it left behind, into junit.xml as properties."""
    try:
        from _pytest.junitxml import xml_key
    except ImportError:  # pragma: no cover - pytest moved it; the other reports still say it
        return
    xml = config.stash.get(xml_key, None)
    if xml is None:
        return
    for report in reports:
        run = report["run"]
        for key in ("aborted", "left_behind"):
            if run.get(key):
                xml.add_global_property(f"statuspage-contract.{key}", redact(run[key]))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    output = getattr(node, "workeroutput", {}) or {}
    cs = node.config.stash.get(SESSION_KEY, None)
    if cs is not None:
        SECRETS.add(*output.get("contract_secrets", []))
        cs.worker_reports.extend(output.get("contract_reports", []))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    cs = config.stash.get(SESSION_KEY, None)
    if cs is None:
        return
    reports = cs.reports(int(exitstatus)) + cs.worker_reports
    if not reports:
        return
    terminalreporter.section("statuspage contract")
    from contract.verdict import decide_site

    for report in sorted(reports, key=lambda r: r["run"]["site"]):
        run = report["run"]
        decision = decide_site(report)
        terminalreporter.write_line(
            f"site {run['site']} ({redact(run['base_url'])}): {decision.verdict.value}; "
            f"{run['requests']} requests; profile {run['hypothesis_profile']}"
        )
        terminalreporter.write_line(f"  {decision.reason}")
        for event in run.get("safety_events") or ():
            terminalreporter.write_line(f"  state change: {event}")
        for line in finding_lines(report):
            terminalreporter.write_line(f"  {line}")
    for path in cs.written:
        terminalreporter.write_line(f"report: {path}")


# -- fixtures -----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def contract_run(request: pytest.FixtureRequest) -> ContractSession:
    """The process's contract state (per-site runs, recorders, settings)."""
    return contract_session(request.config)


@pytest.fixture(scope="session")
def site_name(request: pytest.FixtureRequest, contract_run: ContractSession) -> str:
    """The site under test (parametrised when several sites are asked for)."""
    return str(getattr(request, "param", contract_run.sites[0]))


@pytest.fixture(scope="session")
def target(site_name: str, contract_run: ContractSession) -> Iterator[Target]:
    """The site under test, opened (and for the mock, started) once per session and site."""
    try:
        run = contract_run.open(site_name)
    except TargetError as exc:
        pytest.exit(f"usage error: {exc}", returncode=4)
    assert run.target is not None
    yield run.target
    contract_run.close(run)


@pytest.fixture(scope="session")
def client(target: Target, contract_run: ContractSession, site_name: str) -> ContractClient:
    """A checking client for the target's account operations."""
    run = contract_run.run_for(site_name)
    assert run.client is not None
    return run.client


@pytest.fixture
def suite_guard(
    request: pytest.FixtureRequest, target: Target, contract_run: ContractSession, site_name: str
) -> None:
    """Applies the safety markers (mutating, mock_only) once the target is known, and stops
    a site's tests once its run was aborted."""
    aborted = contract_run.run_for(site_name).aborted
    if aborted:
        pytest.skip(aborted)
    _skip_if_not_allowed(request.node, target)


@pytest.fixture
def mock_site(target: Target) -> Iterator[MockSite]:
    """The embedded mock's controls (skips on other sites); restores its settings after."""
    if target.mock is None:
        pytest.skip(f"needs the embedded mock's controls; {target.name} is not the mock")
    yield target.mock
    target.mock.set_rate_limit(None)
