"""``statuspage-contract run``: the contract suite (and only it) against chosen sites.

Exit codes: 0 the contract HOLDS, 1 it is VIOLATED, 3 INCOMPLETE (nothing failed, but required
rules were not exercised), 2 ABORTED, NOTHING TESTED, or a usage error
(statuspage_contract.report.decision).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .errors import OptionError, UsageError
from .exit_codes import ERROR, FAILED, INCOMPLETE, OK
from .report.format import JUNIT_NAME
from .suite import SUITE_DIR
from .tuning import LeanGarbageCollection, lean_gc

Waived = Callable[[str, str], bool]


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``run`` subcommand's arguments (and its exit codes, in --help)."""
    parser.description = (
        "Run the contract suite against a site and write contract-report.json, .html, "
        "summary.md and junit.xml. The last line is the decision reports and gate share. "
        f"Exit {OK}: HOLDS; {FAILED}: VIOLATED; {INCOMPLETE}: INCOMPLETE (nothing failed, but "
        f"required rules were not exercised); {ERROR}: ABORTED, NOTHING TESTED or a usage error."
    )
    from .pytest_plugin.options import add_run_options

    add_run_options(parser)
    parser.add_argument(
        "--report-dir",
        default="reports",
        metavar="DIR",
        help="where reports are written (default: %(default)s)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="pytest-xdist workers for several sites (default: one per site, at most the CPUs)",
    )
    parser.add_argument("-k", dest="keyword", metavar="EXPR", help="only tests matching EXPR")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more output")
    parser.add_argument(
        "pytest_args", nargs=argparse.REMAINDER, help="after '--': extra arguments for pytest"
    )


def validate(args: argparse.Namespace) -> list[str]:
    """Check the options before pytest starts; raise UsageError with one clear line."""
    from .pytest_plugin.options import OptionError, check

    try:
        sites = check(lambda dest: getattr(args, dest))
    except OptionError as exc:
        raise UsageError(str(exc)) from None
    if args.workers is not None and not 1 <= args.workers <= max(len(sites), 1):
        raise UsageError(
            f"--workers must be 1 to {max(len(sites), 1)} (at most one per site;"
            f" {len(sites)} site(s) chosen), not {args.workers}"
        )
    if args.keyword is not None:
        _check_keyword(args.keyword)
    return sites


def _check_keyword(expression: str) -> None:
    """A ``-k`` expression pytest can parse (pytest's own message is several lines)."""
    try:
        from _pytest.mark.expression import Expression
    except ImportError:  # pragma: no cover - pytest moved it; pytest itself still says it
        return
    try:
        Expression.compile(expression)
    except SyntaxError as exc:  # pytest's ParseError (a SyntaxError since pytest 8.4)
        raise UsageError(f"-k {expression!r} is not a valid expression: {exc.msg}") from None
    except Exception as exc:  # older pytest: ParseError is its own type
        raise UsageError(f"-k {expression!r} is not a valid expression: {exc}") from None


def pytest_arguments(args: argparse.Namespace, sites: list[str]) -> list[str]:
    """The pytest command line that runs the shipped suite with ``run``'s options."""
    from .pytest_plugin.options import CI_PROFILE, default_profile, pytest_argv

    report_dir = Path(args.report_dir).resolve()
    argv = [
        str(SUITE_DIR),
        "-c", str(SUITE_DIR / "run.ini"),
        "--rootdir", str(SUITE_DIR),
        "-p", "statuspage_contract.pytest_plugin.plugin",
        # The suite judges with its own rules, not bare asserts; plain asserts spare pytest
        # from rewriting every plugin module on each start (several seconds when
        # PYTHONDONTWRITEBYTECODE is set, as on these machines).
        "--assert=plain",
        "--statuspage-report-dir", str(report_dir),
    ]  # fmt: skip
    planning = bool(getattr(args, "plan", False))
    # --plan collects and sends nothing: no junit.xml, no workers, pytest's item list terse
    argv += ["-qq"] if planning else ["--junitxml", str(report_dir / JUNIT_NAME)]
    args_for_suite = argparse.Namespace(**{**vars(args), "site": sites})
    argv += pytest_argv(args_for_suite)
    if args.keyword:
        argv += ["-k", args.keyword]
    if args.verbose:
        argv += ["-" + "v" * args.verbose, "--tb=short"]
    else:
        # Each distinct violation is shown once, with counts, in the contract summary (see
        # statuspage_contract.report.console); per-test tracebacks and summary lines only repeat it.
        argv += ["--tb=no", "-rs"]
    extra = list(args.pytest_args or [])
    if extra[:1] == ["--"]:
        extra = extra[1:]
    argv += _plugins(parallel=(len(sites) > 1 and not planning) or _asks_for_xdist(extra))
    if len(sites) > 1 and not planning:
        workers = args.workers or min(len(sites), os.cpu_count() or 1)
        argv += ["-n", str(workers), "--dist", "loadgroup"]
    profile = args.contract_profile or default_profile()
    derandomized = profile == CI_PROFILE
    # Hypothesis keeps no example database for a seeded test: --example-db replays instead.
    replays = getattr(args, "contract_example_db", None) is not None
    if not (derandomized or replays) and not any(a.startswith("--hypothesis-seed") for a in extra):
        # A recorded seed makes a random run reproducible: `run ... -- --hypothesis-seed=N`.
        argv.append(f"--hypothesis-seed={secrets.randbelow(2**32)}")
    return argv + extra


#: The installed pytest plugins the suite needs (Hypothesis' for its options and reporting,
#: pytest-xdist to run several sites in parallel). Every other installed plugin is left out:
#: loading them all cost ~0.6 s and 4 MB a run. ``run -- -p NAME`` loads another one.
_SUITE_PLUGINS = ("_hypothesis_pytestplugin",)
_PARALLEL_PLUGINS = ("xdist.plugin",)
_XDIST_OPTIONS = ("-n", "--numprocesses", "--dist", "--maxprocesses", "-d", "--tx")


def _asks_for_xdist(extra: list[str]) -> bool:
    """Whether the user's own pytest arguments use pytest-xdist's options."""
    return any(
        a == o or a.startswith(o + ("=" if o.startswith("--") else ""))
        for a in extra
        for o in _XDIST_OPTIONS
    )


def _plugins(*, parallel: bool) -> list[str]:
    names = _SUITE_PLUGINS + (_PARALLEL_PLUGINS if parallel else ())
    return ["--disable-plugin-autoload", *(arg for name in names for arg in ("-p", name))]


class _FinalReports:
    """A pytest plugin of ``run``'s own: it takes the reports the suite wrote, as objects, so
    that the run decides over exactly what it wrote without reading it back."""

    def __init__(self) -> None:
        self.reports: list[dict[str, Any]] = []

    def pytest_sessionfinish(self, session: Any) -> None:  # after the plugin's (tryfirst)
        from .pytest_plugin.session import SESSION_KEY

        cs = session.config.stash.get(SESSION_KEY, None)
        self.reports = list(cs.final_reports) if cs is not None else []

    def report(self) -> dict[str, Any] | None:
        """The run's report: one site's, or the combination of several; None if none."""
        from .report.build import combine

        if not self.reports:
            return None
        return self.reports[0] if len(self.reports) == 1 else combine(self.reports)


def _request_lines(report: dict[str, Any] | None) -> list[str]:
    """What the run cost each site, one short line each (``N requests (M state control)``;
    with several sites each line names its site)."""
    from .report.console import request_line
    from .report.reader import site_reports

    if report is None:
        return []
    sites = site_reports(report)
    if len(sites) == 1:
        return [request_line(site["run"]) for site in sites.values()]
    return [f"{name}: {request_line(site['run'])}" for name, site in sites.items()]


def outcome(
    pytest_status: int, report: dict[str, Any] | None, waived: Waived | None = None
) -> tuple[int, str]:
    """The run's exit code and one-line reason: the decision of statuspage_contract.report.decision
    over the report this run wrote (pytest's own status only when there is no report)."""
    from .report.console import decision_line
    from .report.decision import decide_site, worst
    from .report.reader import site_reports

    if report is None:
        reasons = {
            2: "ABORTED: the run was interrupted before any report was written",
            3: "ABORTED: pytest reported an internal error",
            4: "ABORTED: pytest rejected its arguments",
            5: "NOTHING TESTED: no tests ran (check -k and the pytest arguments)",
        }
        return ERROR, reasons.get(
            pytest_status, f"ABORTED: pytest exited with status {pytest_status} and no report"
        )
    decisions = [
        decide_site(r, waived) if waived else decide_site(r) for r in site_reports(report).values()
    ]
    decision = worst(decisions)
    line = decision_line({**decision.to_dict(), "site": decision.site}, several=len(decisions) > 1)
    return decision.exit_code, line


def _refuse(report_dir: Path, why: str) -> None:
    """Record in the marker why this run ended without reports (the gate quotes it)."""
    from .report.build import mark_unfinished

    with contextlib.suppress(OSError):
        mark_unfinished(report_dir, why)


@contextlib.contextmanager
def _hypothesis_storage(report_dir: Path) -> Iterator[None]:
    """Hypothesis keeps a storage directory, by default .hypothesis/ in the working directory:
    keep `run` from writing where it was started. The command line points it at a per-user
    cache (statuspage_contract.hypothesis_cache); otherwise a scratch folder in the report folder,
    which the next run removes should a kill leave it (nothing in the system's temporary folder)."""
    from .report.format import SCRATCH_PREFIX

    key = "HYPOTHESIS_STORAGE_DIRECTORY"
    if key in os.environ:
        yield
        return
    with tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX, dir=report_dir) as scratch:
        os.environ[key] = scratch
        try:
            yield
        finally:
            del os.environ[key]


def plan_suite(args: argparse.Namespace) -> int:
    """``run --plan``: collect the suite as the run would, print and save each site's request
    plan (statuspage_contract.plan); nothing is sent, not even a preflight. Exit 0, or 2."""
    import pytest

    from .report.directory import check_report_dir

    sites = validate(args)  # a plan needs no keys: it says which ones the run would
    try:
        check_report_dir(args.report_dir)
    except OptionError as exc:
        raise UsageError(str(exc)) from None
    status = int(pytest.main(pytest_arguments(args, sites)))
    label = ", ".join(sites)
    if status not in (0, 5):  # 5: no test selected, an empty plan
        print(f"statuspage-contract run --plan ({label}): pytest could not collect the suite "
              f"(status {status}); nothing was sent", file=sys.stderr)  # fmt: skip
        return ERROR
    print(f"statuspage-contract run --plan ({label}): nothing was sent")
    return OK


def run_suite(args: argparse.Namespace) -> int:
    import pytest

    from .report.directory import claim_report_dir

    if getattr(args, "plan", False):
        return plan_suite(args)

    try:
        report_dir, sites = claim_report_dir(args.report_dir, lambda: validate(args))
    except OptionError as exc:  # the report folder itself
        raise UsageError(str(exc)) from None
    final = _FinalReports()
    with _hypothesis_storage(report_dir), lean_gc():
        plugins = [final, LeanGarbageCollection()]
        try:
            status = int(pytest.main(pytest_arguments(args, sites), plugins=plugins))
        except ImportError as exc:  # a plugin named after '--' (-p NAME) that does not load
            _refuse(report_dir, f"the last run here was refused: pytest could not start: {exc}")
            raise UsageError(f"pytest could not start: {exc}") from None
    code, reason = outcome(status, final.report())
    if not final.reports:
        _refuse(report_dir, f"the last run here wrote no report: {reason}")
    label = ", ".join(sites)
    for line in _request_lines(final.report()):
        print(line)
    print(f"statuspage-contract run ({label}): {reason}", file=sys.stderr if code else sys.stdout)
    if final.reports:
        print(f"reports: {report_dir}")
    return code
