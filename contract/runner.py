"""``statuspage-contract run``: the contract suite (and only it) against chosen sites.

Exit codes: 0 the contract HOLDS, 1 it is VIOLATED, 3 INCOMPLETE (nothing failed, but required
rules were not exercised), 2 ABORTED, NOTHING TESTED, or a usage error (see contract.verdict).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

Waived = Callable[[str, str], bool]

SUITE_DIR = Path(__file__).parent / "suite"
EXIT_HOLDS, EXIT_VIOLATED, EXIT_ERROR, EXIT_INCOMPLETE = 0, 1, 2, 3


class RunUsageError(Exception):
    pass


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``run`` subcommand's arguments (and its exit codes, in --help)."""
    parser.description = (
        "Run the contract suite against a site and write contract-report.json, .html, "
        "summary.md and junit.xml. The last line is the decision reports and gate share. "
        "Exit 0: HOLDS; 1: VIOLATED; 3: INCOMPLETE (nothing failed, but required rules were "
        "not exercised); 2: ABORTED, NOTHING TESTED or a usage error."
    )
    parser.add_argument(
        "--site",
        action="append",
        metavar="SITE",
        help="mock, a Datadog site (datadoghq.eu, app.datadoghq.com, ...), an http(s) URL, or "
        "'all'; repeat to run several sites in parallel (default: DD_SITE, else mock)",
    )
    parser.add_argument(
        "--allow-mutations",
        action="store_true",
        help="allow creating, changing and deleting the account on a non-mock site",
    )
    parser.add_argument(
        "--replace-existing-account",
        action="store_true",
        help="with --allow-mutations: run the create/update/delete tests even when the site "
        "already has an account (which will be deleted)",
    )
    parser.add_argument(
        "--profile",
        choices=["fast", "ci", "thorough"],
        help="Hypothesis profile (default: fast; ci when the CI variable is set)",
    )
    parser.add_argument(
        "--examples", type=int, metavar="N", help="examples per property-based test"
    )
    parser.add_argument(
        "--request-budget", type=int, metavar="N", help="most requests per site (0: unlimited)"
    )
    parser.add_argument(
        "--max-rate-wait",
        type=float,
        default=60.0,
        metavar="S",
        help="longest wait for X-RateLimit-Reset before retrying a 429 (default: %(default)s)",
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=30.0,
        metavar="S",
        help="seconds to wait for each answer; past it the site counts as unreachable and the "
        "run stops (default: %(default)s)",
    )
    parser.add_argument(
        "--mock-fault",
        action="append",
        metavar="NAME",
        help="with --site mock: break one contract rule in the embedded mock (repeatable; "
        "see 'statuspage-contract serve --list-faults')",
    )
    parser.add_argument(
        "--report-dir",
        default="reports",
        metavar="DIR",
        help="where reports are written (default: %(default)s)",
    )
    parser.add_argument(
        "--waivers",
        metavar="FILE",
        help="TOML waivers, as for 'gate': a waived rule's failure or absence does not decide "
        "the exit code (so run and gate agree)",
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
    """Check the options before pytest starts; raise RunUsageError with one clear line."""
    # Imported here: `statuspage-contract --help` builds this command's parser without
    # loading the mock (jsonschema, Werkzeug) that contract.mock.faults and target pull in.
    from contract.mock.faults import UnknownFaultError, check_faults
    from contract.sites import MOCK, UnknownSiteError, expand_sites
    from contract.target import TargetError, keys_for

    try:
        sites = expand_sites(args.site)
        check_faults(args.mock_fault or ())
        for name in sites:
            if name != MOCK:
                keys_for(name)
    except (UnknownSiteError, UnknownFaultError, TargetError) as exc:
        raise RunUsageError(str(exc)) from None
    if args.mock_fault and sites != [MOCK]:
        raise RunUsageError("--mock-fault applies to --site mock only")
    if args.request_budget is not None and args.request_budget < 0:
        raise RunUsageError("--request-budget must be 0 (unlimited) or more")
    if args.examples is not None and args.examples < 1:
        raise RunUsageError("--examples must be at least 1")
    if args.request_timeout <= 0:
        raise RunUsageError("--request-timeout must be more than 0 seconds")
    if args.workers is not None and args.workers < 1:
        raise RunUsageError("--workers must be at least 1")
    return sites


def pytest_arguments(args: argparse.Namespace, sites: list[str]) -> list[str]:
    report_dir = Path(args.report_dir).resolve()
    argv = [
        str(SUITE_DIR),
        "-c", str(SUITE_DIR / "run.ini"),
        "--rootdir", str(SUITE_DIR),
        "-p", "contract.pytest_plugin",
        # The suite judges with its own rules, not bare asserts; plain asserts spare pytest
        # from rewriting every plugin module on each start (several seconds when
        # PYTHONDONTWRITEBYTECODE is set, as on these machines).
        "--assert=plain",
        "--report-dir", str(report_dir),
        "--junitxml", str(report_dir / "junit.xml"),
        "--max-rate-wait", str(args.max_rate_wait),
        "--request-timeout", str(args.request_timeout),
    ]  # fmt: skip
    for site in sites:
        argv += ["--site", site]
    for fault in args.mock_fault or ():
        argv += ["--mock-fault", fault]
    if args.allow_mutations:
        argv.append("--allow-mutations")
    if args.replace_existing_account:
        argv.append("--replace-existing-account")
    if args.profile:
        argv += ["--contract-profile", args.profile]
    if args.request_budget is not None:
        argv += ["--request-budget", str(args.request_budget)]
    if args.examples is not None:
        argv += ["--contract-examples", str(args.examples)]
    if args.keyword:
        argv += ["-k", args.keyword]
    if args.verbose:
        argv += ["-" + "v" * args.verbose, "--tb=short"]
    else:
        # Each distinct violation is shown once, with counts, in the contract summary (see
        # contract.console); per-test tracebacks and summary lines only repeat it.
        argv += ["--tb=no", "-rs"]
    if len(sites) > 1:
        workers = args.workers or min(len(sites), os.cpu_count() or 1)
        argv += ["-n", str(workers), "--dist", "loadgroup"]
    extra = list(args.pytest_args or [])
    if extra[:1] == ["--"]:
        extra = extra[1:]
    derandomized = (args.profile or ("ci" if os.environ.get("CI") else "fast")) == "ci"
    if not derandomized and not any(a.startswith("--hypothesis-seed") for a in extra):
        # A recorded seed makes a random run reproducible: `run ... -- --hypothesis-seed=N`.
        argv.append(f"--hypothesis-seed={secrets.randbelow(2**32)}")
    return argv + extra


def _read_report(report_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((report_dir / "contract-report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _site_reports(report: dict[str, Any]) -> list[dict[str, Any]]:
    if report.get("kind") == "combined":
        return list(report.get("sites", {}).values())
    return [report]


def outcome(
    pytest_status: int, report: dict[str, Any] | None, waived: Waived | None = None
) -> tuple[int, str]:
    """The run's exit code and one-line reason: the decision of contract.verdict over the
    report this run wrote (pytest's own status only when there is no report)."""
    from contract.verdict import decide_site, worst

    if report is None:
        reasons = {
            2: "ABORTED: the run was interrupted before any report was written",
            3: "ABORTED: pytest reported an internal error",
            4: "ABORTED: pytest rejected its arguments",
            5: "NOTHING TESTED: no tests ran (check -k and the pytest arguments)",
        }
        return EXIT_ERROR, reasons.get(
            pytest_status, f"ABORTED: pytest exited with status {pytest_status} and no report"
        )
    decisions = [
        decide_site(r, waived) if waived else decide_site(r) for r in _site_reports(report)
    ]
    decision = worst(decisions)
    where = f" on {decision.site}" if len(decisions) > 1 else ""
    return decision.exit_code, f"{decision.verdict.value}{where}: {decision.reason}"


def _waivers(path: str) -> Waived:
    """Load a waivers file as the gate does; a waiver in force today covers (rule, site)."""
    from datetime import UTC, datetime

    from contract.errors import UsageError
    from contract.gate import GateInputError, load_waivers
    from contract.rules import RULES

    try:
        waivers = load_waivers(Path(path), RULES)
    except GateInputError as exc:
        raise UsageError(str(exc)) from None
    today = datetime.now(UTC).date()
    return lambda rule, site: any(w.covers(rule, site) and not w.expired(today) for w in waivers)


def run_suite(args: argparse.Namespace) -> int:
    import pytest

    from contract.errors import UsageError

    try:
        sites = validate(args)
    except RunUsageError as exc:
        raise UsageError(str(exc)) from None
    waived = _waivers(args.waivers) if args.waivers else None
    report_dir = Path(args.report_dir).resolve()
    stale = report_dir / "contract-report.json"
    if stale.exists():
        stale.unlink()  # never mistake an old report for this run's
    # Hypothesis keeps a storage directory, by default .hypothesis/ in the working directory:
    # keep `run` from writing where it was started. The command line points it at a per-user
    # cache (contract.cli.use_hypothesis_cache); otherwise a temporary directory.
    key = "HYPOTHESIS_STORAGE_DIRECTORY"
    with tempfile.TemporaryDirectory(prefix="statuspage-contract-") as scratch:
        chosen = key in os.environ
        os.environ.setdefault(key, scratch)
        try:
            status = int(pytest.main(pytest_arguments(args, sites)))
        finally:
            if not chosen:
                del os.environ[key]
    code, reason = outcome(status, _read_report(report_dir), waived)
    label = ", ".join(sites)
    print(f"statuspage-contract run ({label}): {reason}", file=sys.stderr if code else sys.stdout)
    if (report_dir / "contract-report.json").exists():
        print(f"reports: {report_dir}")
    return code
