"""The suite's options, defined once: for pytest (``pytest --statuspage-site ...``) and for
``statuspage-contract run``, which translates them into the pytest arguments of the suite.

Under pytest every option is namespaced: ``--statuspage-`` and its name under ``run``
(``--statuspage-site``, ``--statuspage-profile``), stored as ``statuspage_site``,
``statuspage_profile``; nothing unprefixed is registered in a user's session. This repository's
own ``conftest.py`` adds the table's older spellings (``--site``, ``--contract-profile``) as
aliases (:func:`add_pytest_options` with ``legacy=True``).

Only the standard library is imported here, so ``statuspage-contract --help`` stays fast.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import OptionError

#: What every pytest flag of the toolkit starts with, and every pytest ``dest``.
PYTEST_PREFIX = "--statuspage-"
PYTEST_DEST_PREFIX = "statuspage_"

#: Hypothesis profiles, named once here (their settings: statuspage_contract.profiles).
#: ``ci`` is derandomised: every run of it sends the same inputs.
FAST_PROFILE, CI_PROFILE, THOROUGH_PROFILE = "fast", "ci", "thorough"
PROFILE_NAMES = (FAST_PROFILE, CI_PROFILE, THOROUGH_PROFILE)
#: Requests per site before a live run stops sending (0 or a negative budget: unlimited), by
#: profile: each is about 1.8x what a full ``--allow-mutations`` run of that profile sends to
#: a correct site (measured: fast 844, ci 1,093, thorough 6,652), so a run that spends it is
#: one whose site made the suite send far more than usual (retries, undoing, probes).
LIVE_BUDGETS = {FAST_PROFILE: 1500, CI_PROFILE: 2000, THOROUGH_PROFILE: 12000}
DEFAULT_TIMEOUT = 30.0
DEFAULT_RATE_WAIT = 60.0
#: The largest values the numeric options accept: beyond them a value is a typo (a run of a
#: day per request, a billion examples), and some would overflow a timer or a socket timeout.
MAX_SECONDS = 86_400.0
MAX_EXAMPLES = 1_000_000
MAX_COUNT = 1_000_000_000


def default_profile() -> str:
    """The profile when none is chosen: ``ci`` under a CI variable, else ``fast``."""
    return CI_PROFILE if os.environ.get("CI") else FAST_PROFILE


@dataclass(frozen=True)
class Option:
    """One option of the suite: its pytest flag, its argparse settings, and its name in
    ``statuspage-contract run`` when that differs."""

    flag: str
    settings: dict[str, Any] = field(default_factory=dict)
    run_flag: str | None = None
    #: Other spellings pytest accepts (``--statuspage-site``: a name no other plugin uses).
    aliases: tuple[str, ...] = ()

    @property
    def dest(self) -> str:
        """Where ``run`` stores the value, and the name :func:`check` asks for."""
        return self.flag.lstrip("-").replace("-", "_")

    @property
    def pytest_flag(self) -> str:
        """The flag under pytest: ``--statuspage-`` and the option's name under ``run``."""
        return PYTEST_PREFIX + (self.run_flag or self.flag).removeprefix("--")

    @property
    def pytest_dest(self) -> str:
        """Where pytest stores the value (``config.getoption(option.pytest_dest)``)."""
        return self.pytest_flag.lstrip("-").replace("-", "_")

    @property
    def legacy_flags(self) -> tuple[str, ...]:
        """The older pytest spellings this repository keeps (its conftest.py)."""
        return tuple(f for f in (self.flag, *self.aliases) if f != self.pytest_flag)


OPTIONS: tuple[Option, ...] = (
    Option(
        "--site",
        {
            "action": "append",
            "metavar": "SITE",
            "help": "mock, a Datadog site (datadoghq.eu, app.datadoghq.com, ...), an http(s) "
            "URL, or 'all'; repeat to test several sites in parallel (default: DD_SITE, else "
            "mock)",
        },
        aliases=("--statuspage-site",),
    ),
    Option(
        "--allow-mutations",
        {
            "action": "store_true",
            "help": "allow creating, changing and deleting the account on a non-mock site "
            "(only what the run can prove it created is deleted)",
        },
    ),
    Option(
        "--replace-existing-account",
        {
            "action": "store_true",
            "help": "with --allow-mutations: run the create/update/delete tests even when the "
            "site already has an account (which will be deleted for good)",
        },
    ),
    Option(
        "--contract-profile",
        {
            "choices": PROFILE_NAMES,
            "help": "Hypothesis profile: fast (default), ci (deterministic; default when the CI "
            "variable is set), both one generated body per input class; thorough (many "
            "examples, every body, shrinking)",
        },
        run_flag="--profile",
    ),
    Option(
        "--contract-examples",
        {
            "type": int,
            "metavar": "N",
            "help": "examples per property-based test (overrides the profile's number)",
        },
        run_flag="--examples",
    ),
    Option(
        "--request-budget",
        {
            "type": int,
            "metavar": "N",
            "help": "stop sending after N requests per site (default on non-mock sites, by "
            f"profile: {', '.join(f'{p} {n}' for p, n in LIVE_BUDGETS.items())}; unlimited "
            "on the mock; 0: unlimited); a run that spends it ends INCOMPLETE",
        },
    ),
    Option(
        "--max-rate-wait",
        {
            "type": float,
            "default": DEFAULT_RATE_WAIT,
            "metavar": "S",
            "help": "longest wait, in seconds, for X-RateLimit-Reset before the next request "
            f"or a 429's retry (default: {DEFAULT_RATE_WAIT:g})",
        },
    ),
    Option(
        "--request-timeout",
        {
            "type": float,
            "default": DEFAULT_TIMEOUT,
            "metavar": "S",
            "help": "seconds to wait for each answer; past it the site counts as unreachable "
            f"and the run stops (default: {DEFAULT_TIMEOUT:g})",
        },
    ),
    Option(
        "--contract-waivers",
        {
            "metavar": "FILE",
            "help": "TOML waivers, as for 'gate': a waived rule's failure or absence does not "
            "decide the verdict; the reports record the waivers applied, so every output and "
            "the gate decide alike",
        },
        run_flag="--waivers",
    ),
    Option(
        "--mock-fault",
        {
            "action": "append",
            "metavar": "NAME",
            "help": "with --site mock: break one contract rule in the embedded mock "
            "(repeatable; see 'statuspage-contract serve --list-faults')",
        },
    ),
    Option(
        "--contract-example-db",
        {
            "metavar": "DIR|redis://HOST:PORT/N",
            "help": "keep the failing examples of the property-based tests in this directory or "
            "Redis database (needs the redis extra) and replay them first in every later run "
            "that names it, on any machine; only generated test data is stored, never the keys",
        },
        run_flag="--example-db",
    ),
    Option(
        "--plan",
        {
            "action": "store_true",
            "help": "send nothing: print and save (plan.json in the report folder) the "
            "requests the run would send to each site, by class (read, could change state, "
            "owned cleanup) and method, with upper bounds, the budget and the keys it needs",
        },
    ),
)


#: The report options, pytest's only (``run`` has its own ``--report-dir``): flag, dest, settings.
REPORT_OPTIONS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "--statuspage-report-dir",
        "statuspage_report_dir",
        {"metavar": "DIR", "help": "where contract reports are written (default: reports/)"},
    ),
    (
        "--statuspage-no-report",
        "statuspage_no_report",
        {"action": "store_true", "help": "do not write contract reports"},
    ),
)
#: This repository's older spellings of the report options.
LEGACY_REPORT_FLAGS = {
    "statuspage_report_dir": "--report-dir",
    "statuspage_no_report": "--no-contract-report",
}

#: ``run``'s dest of each option -> pytest's (``"site"`` -> ``"statuspage_site"``).
PYTEST_DESTS = {option.dest: option.pytest_dest for option in OPTIONS}


def add_pytest_options(add: Callable[..., Any], *, legacy: bool = False) -> None:
    """Register every option with pytest (``add`` is an option group's ``addoption``), under
    its ``--statuspage-`` flag; ``legacy``: the older spellings instead, into the same dests."""
    for option in OPTIONS:
        flags = option.legacy_flags if legacy else (option.pytest_flag,)
        if flags:
            add(*flags, dest=option.pytest_dest, **option.settings)
    for flag, dest, settings in REPORT_OPTIONS:
        add(LEGACY_REPORT_FLAGS[dest] if legacy else flag, dest=dest, **settings)


def option_value(config: Any, dest: str) -> Any:
    """The value pytest holds for the option ``run`` stores as ``dest`` (``"site"``)."""
    return config.getoption(PYTEST_DESTS.get(dest, dest), None)


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Register every option with ``statuspage-contract run``'s parser."""
    for option in OPTIONS:
        parser.add_argument(option.run_flag or option.flag, dest=option.dest, **option.settings)


def pytest_argv(values: argparse.Namespace) -> list[str]:
    """The pytest arguments that carry ``run``'s option values to the suite."""
    argv: list[str] = []
    for option in OPTIONS:
        value = getattr(values, option.dest, None)
        action = option.settings.get("action")
        if action == "append":
            for item in value or ():
                argv += [option.pytest_flag, str(item)]
        elif action == "store_true":
            argv += [option.pytest_flag] if value else []
        elif value is not None:
            argv += [option.pytest_flag, str(value)]
    return argv


def check(get: Callable[[str], Any]) -> list[str]:
    """Validate option values (``get(dest)``) before anything is sent; the sites to test.
    Raises :class:`OptionError` with one clear line."""
    from ..mock.faults import UnknownFaultError, check_faults
    from ..sites import MOCK, UnknownSiteError, check_mock_faults, expand_sites
    from ..target import TargetError, keys_for

    try:
        sites = expand_sites(get("site"))
        check_faults(get("mock_fault") or ())
        for name in sites:
            if name != MOCK and not get("plan"):  # a plan sends nothing: it says the keys
                keys_for(name)
    except (UnknownSiteError, UnknownFaultError, TargetError) as exc:
        raise OptionError(str(exc)) from None
    try:
        check_mock_faults(get("mock_fault") or (), sites)
    except TargetError as exc:
        raise OptionError(str(exc)) from None
    if get("contract_waivers") is not None:
        run_waivers(get("contract_waivers"))
    if get("contract_example_db") is not None:
        from ..example_db import check_example_db

        check_example_db(get("contract_example_db"))
    budget = get("request_budget")
    if budget is not None and not 0 <= budget <= MAX_COUNT:
        raise OptionError(f"--request-budget must be 0 (unlimited) to {MAX_COUNT:,}, not {budget}")
    examples = get("contract_examples")
    if examples is not None and not 1 <= examples <= MAX_EXAMPLES:
        raise OptionError(f"--examples must be 1 to {MAX_EXAMPLES:,}, not {examples}")
    timeout = get("request_timeout")
    if not (math.isfinite(timeout) and 0 < timeout <= MAX_SECONDS):
        raise OptionError(
            f"--request-timeout must be more than 0 and at most {MAX_SECONDS:g} seconds,"
            f" not {timeout:g}"
        )
    wait = get("max_rate_wait")
    if not (math.isfinite(wait) and 0 <= wait <= MAX_SECONDS):
        raise OptionError(f"--max-rate-wait must be 0 to {MAX_SECONDS:g} seconds, not {wait:g}")
    return sites


def run_waivers(path: str) -> list[dict[str, Any]]:
    """The waivers of a ``--waivers`` file in force today, as a report records them (see
    statuspage_contract.gate.waivers.Waiver.to_dict); a file that cannot be used is an
    OptionError."""
    from datetime import UTC, datetime
    from pathlib import Path

    from ..errors import GateInputError
    from ..gate.waivers import load_waivers

    try:
        waivers = load_waivers(Path(path))
    except GateInputError as exc:
        raise OptionError(str(exc)) from None
    today = datetime.now(UTC).date()
    return [w.to_dict() for w in waivers if not w.expired(today)]
