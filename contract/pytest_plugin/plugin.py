"""The pytest plugin behind the contract suite: targets, fixtures, redaction, reports.

Activated by the entry point (:mod:`.entry`, which registers the ``--statuspage-`` options)
when an option is given or the suite is selected; loaded directly by the repository's
``conftest.py`` and by ``statuspage-contract run`` (``-p``), when it registers the entry
point's module itself.
With several sites (``--site`` repeated, or ``--site all``) every suite test is parametrised
by site and grouped per site, so pytest-xdist (``-n``, ``--dist loadgroup``) runs the sites
in parallel; each worker sends its per-site reports to the controller, which writes them.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from ..http.client import BudgetExhausted, SiteUnreachable
from ..judging import ContractViolation
from ..live.preflight import (
    ABORTED_MID_RUN,
    sigterm_as_interrupt,
)
from ..live.safety import RunAborted
from ..profiles import PROFILES, SAFE_SETTINGS
from ..redact import SECRETS, redact
from ..report.console import decision_line, finding_lines, request_line
from ..report.directory import claim_report_dir
from ..report.format import JUNIT_NAME
from ..report.presentation import collapse_repeats
from ..sites import resolve_site
from ..suite import SUITE_DIR, order_for_the_mock
from . import entry
from .collect import pytest_collect_directory, pytest_pycollect_makemodule
from .fixtures import (  # noqa: F401  (registered with the plugin)
    contract_client,
    contract_guard,
    contract_mock_site,
    contract_run,
    contract_site_name,
    contract_target,
)
from .options import PROFILE_NAMES, OptionError, option_value
from .options import check as check_options
from .session import (
    SESSION_KEY,
    ContractSession,
    SiteRun,
    contract_session,
)

#: The top contract-report.json and its text, written last (pytest_unconfigure).
_LAST_FILE = pytest.StashKey[tuple[Path, str]]()

#: The toolkit's files are collected under their installed name (collect.py), never the folder's.
COLLECTION_HOOKS = (pytest_collect_directory, pytest_pycollect_makemodule)

for _name, _values in PROFILES.items():
    settings.register_profile(f"statuspage-{_name}", **SAFE_SETTINGS, **_values)

assert tuple(PROFILES) == PROFILE_NAMES, (
    "statuspage_contract.pytest_plugin.options names the same profiles"
)


def report_dir_of(config: pytest.Config) -> Path | None:
    if config.getoption("statuspage_no_report", False):
        return None
    chosen = config.getoption("statuspage_report_dir", None)
    return Path(chosen) if chosen else Path(str(config.rootpath)) / "reports"


def _is_suite_item(item: pytest.Item) -> bool:
    return SUITE_DIR in Path(str(item.path)).parents


def _selects_suite(config: pytest.Config) -> bool:
    """Whether this invocation may collect suite tests (used to decide on junit.xml)."""
    return entry.selects_suite(config)


# -- hooks --------------------------------------------------------------------------------
def pytest_addoption(pluginmanager: pytest.PytestPluginManager) -> None:
    """Loaded without the entry point (``-p``, a conftest, autoload off): register it, for
    the options and the team fixtures."""
    if not pluginmanager.is_registered(entry):
        pluginmanager.register(entry, entry.ENTRY_NAME)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "mutating: creates, changes or deletes an account")
    config.addinivalue_line("markers", "mock_only: needs the embedded mock's private controls")
    config.addinivalue_line("markers", "slow: thorough runs, excluded by default")
    report_dir = report_dir_of(config)
    planning = bool(option_value(config, "plan"))  # --plan: collect, plan, send nothing
    wants_junit = report_dir is not None and _selects_suite(config) and not planning
    if planning:
        config.option.collectonly = True
    claims = wants_junit and not hasattr(config, "workerinput")

    def check() -> None:  # before anything is sent, so a usage error is one clear line
        check_options(lambda dest: option_value(config, dest))

    try:  # an existing report folder first: even a refused run leaves no earlier verdict
        if claims:
            assert report_dir is not None
            report_dir, _ = claim_report_dir(report_dir, check)
        else:
            check()
    except OptionError as exc:
        raise pytest.UsageError(str(exc)) from None
    session = ContractSession(config)
    config.stash[SESSION_KEY] = session
    session.old_sigterm = sigterm_as_interrupt()
    settings.load_profile(f"statuspage-{session.profile}")
    examples = option_value(config, "contract_examples")
    if examples is not None:
        settings.register_profile(
            "statuspage-custom",
            settings.get_profile(f"statuspage-{session.profile}"),
            max_examples=examples,
        )
        settings.load_profile("statuspage-custom")
    # --example-db: the chosen profile, with Hypothesis' example database (example_db.py)
    example_db = option_value(config, "contract_example_db")
    if example_db is not None:
        from ..example_db import use_example_db

        use_example_db(example_db)
    if wants_junit and not hasattr(config, "workerinput"):
        assert report_dir is not None
        if not config.option.xmlpath:
            config.option.xmlpath = str(report_dir / JUNIT_NAME)


def pytest_sessionstart(session: pytest.Session) -> None:
    cs = session.config.stash.get(SESSION_KEY, None)
    if cs is not None:
        cs.session = session


def pytest_collection_finish(session: pytest.Session) -> None:
    """Each site's request plan, from the tests this session will run; ``--plan`` saves it."""
    cs = session.config.stash.get(SESSION_KEY, None)
    if cs is None:
        return
    from .planning import make_plans, write_plan

    cs.plans = make_plans(session.config, session.items, cs.sites, cs.profile)
    report_dir = report_dir_of(session.config)
    if option_value(session.config, "plan") and report_dir is not None:
        cs.written = [write_plan(report_dir, cs.plans)]


def pytest_unconfigure(config: pytest.Config) -> None:
    last = config.stash.get(_LAST_FILE, None)
    if last is not None:  # after junit.xml: the report the gate reads is the last file written
        from ..report.build import write_files

        del config.stash[_LAST_FILE]
        write_files([last])
    cs = config.stash.get(SESSION_KEY, None)
    if cs is not None and cs.old_sigterm is not None:
        import signal

        signal.signal(signal.SIGTERM, cs.old_sigterm)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "contract_site_name" not in metafunc.fixturenames:
        return
    session = contract_session(metafunc.config)
    if not session.multi_site:
        return
    params = [pytest.param(s, id=s, marks=pytest.mark.xdist_group(s)) for s in session.sites]
    metafunc.parametrize("contract_site_name", params, indirect=True, scope="session")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the embedded mock alone, the suite runs in statuspage_contract.suite.MOCK_ORDER."""
    session = config.stash.get(SESSION_KEY, None)
    if session is not None and all(resolve_site(name).is_mock for name in session.sites):
        order_for_the_mock(items)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if not _is_suite_item(item):
        return
    session = contract_session(item.config)
    session.current_test = item.nodeid  # what each site's judge records with


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
        site = item.callspec.params.get("contract_site_name") if hasattr(item, "callspec") else None
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
    if cs is None or option_value(session.config, "plan"):
        return
    for run in cs.runs.values():
        cs.close(run)
    reports = cs.reports(int(exitstatus))
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the reports to the controller
        workeroutput["contract_reports"] = [SECRETS.redact_tree(r) for r in reports]
        # only what UTF-8 can carry (an edge submits lone surrogates): the reports are
        # redacted already, so a secret that cannot be sent cannot be in them either
        workeroutput["contract_secrets"] = sorted(s for s in SECRETS.secrets if _utf8(s))
        return
    reports += cs.worker_reports
    if not reports and _selects_suite(session.config):  # nothing ran: say so, never go stale
        reports = [_nothing_tested(cs, site, int(exitstatus)) for site in cs.sites]
    from ..report.build import merge_same_site, render_all, write_files

    cs.final_reports = merge_same_site(reports)
    _junit_properties(session.config, cs.final_reports)
    report_dir = report_dir_of(session.config)
    if report_dir is None or not reports:
        return
    files = render_all(cs.final_reports, report_dir, multi_site=cs.multi_site)
    # Everything but the top contract-report.json now; that one replaces the unfinished
    # marker in pytest_unconfigure, once pytest has written junit.xml too.
    cs.written = [*write_files(files[:-1]), files[-1][0]]
    session.config.stash[_LAST_FILE] = files[-1]


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _nothing_tested(cs: ContractSession, site: str, exitstatus: int) -> dict[str, Any]:
    """The report of a site on which no test ran (e.g. ``-k`` selected nothing)."""
    from ..report.build import build_report

    run = SiteRun(site, finished=time.time())
    run.target_info = {"site": site, "base_url": ""}
    return build_report(
        run, profile=cs.profile, seed=cs.seed, exitstatus=exitstatus, waivers=cs.waivers
    )


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
    if not reports:
        return
    from ..report.build import combine

    # the one decision, as the console's last line and every other report say it
    whole = reports[0] if len(reports) == 1 else combine(reports)
    decision = whole["decision"]
    line = decision_line(decision, several=len(reports) > 1)
    xml.add_global_property("statuspage-contract.decision", redact(line))
    waivers = sorted(
        {
            f"{w['rule']}" + (f" on {w['site']}" if w.get("site") else "")
            for r in reports
            for w in r["run"].get("waivers") or ()
        }
    )
    if waivers:
        xml.add_global_property("statuspage-contract.waivers", ", ".join(waivers))


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
    if option_value(config, "plan"):
        from ..plan.compare import plan_table

        terminalreporter.section("statuspage contract plan (nothing was sent)")
        for plan in cs.plans.values():
            for line in plan_table(plan):
                terminalreporter.write_line(line)
        for path in cs.written:
            terminalreporter.write_line(f"plan: {path}")
        return
    from ..report.build import merge_same_site
    from ..report.decision import decide_site

    # Several xdist workers may each have run part of one site: judge the site as a whole.
    reports = merge_same_site(cs.reports(int(exitstatus)) + cs.worker_reports)
    if not reports:
        return
    terminalreporter.section("statuspage contract")

    for report in sorted(reports, key=lambda r: r["run"]["site"]):
        run = report["run"]
        decision = decide_site(report)
        terminalreporter.write_line(
            f"site {run['site']} ({redact(run['base_url'])}): {decision.verdict.value}; "
            f"{request_line(run)}; profile {run['hypothesis_profile']}"
        )
        terminalreporter.write_line(f"  {decision.reason}")
        for event in collapse_repeats(run.get("safety_events") or ()):
            terminalreporter.write_line(f"  state change: {event}")
        for line in finding_lines(report):
            terminalreporter.write_line(f"  {line}")
        if report.get("plan"):
            from ..plan.compare import comparison_line

            terminalreporter.write_line(f"  {comparison_line(report['plan'])}")
    for path in cs.written:
        terminalreporter.write_line(f"report: {path}")
