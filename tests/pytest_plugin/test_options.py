"""The suite's options are defined once and mean the same under pytest and under `run`."""

from __future__ import annotations

import argparse

import pytest

from statuspage_contract.pytest_plugin.options import (
    OPTIONS,
    OptionError,
    add_pytest_options,
    add_run_options,
    check,
    pytest_argv,
)

RUN_ARGS = [
    "--site", "mock", "--allow-mutations", "--replace-existing-account", "--profile", "ci",
    "--examples", "7", "--request-budget", "9", "--max-rate-wait", "2.5",
    "--request-timeout", "4", "--mock-fault", "unmasked-api-key",
]  # fmt: skip


def parsers() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    run, suite = argparse.ArgumentParser(), argparse.ArgumentParser()
    add_run_options(run)
    add_pytest_options(suite.add_argument)
    return run, suite


def test_run_options_reach_the_suite_unchanged():
    run, suite = parsers()
    given = run.parse_args(RUN_ARGS)
    carried = vars(suite.parse_args(pytest_argv(given)))
    assert {o.dest: carried[o.pytest_dest] for o in OPTIONS} == vars(given)
    assert {o.dest for o in OPTIONS} == set(vars(given))


def test_defaults_are_the_same_under_pytest_and_run():
    run, suite = parsers()
    defaults = vars(suite.parse_args([]))
    assert vars(run.parse_args([])) == {o.dest: defaults[o.pytest_dest] for o in OPTIONS}


def test_under_pytest_every_option_and_dest_is_namespaced():
    _, suite = parsers()
    flags = [
        f for action in suite._actions for f in action.option_strings if f not in ("-h", "--help")
    ]
    assert flags and all(f.startswith("--statuspage-") for f in flags), flags
    assert all(d.startswith("statuspage_") for d in vars(suite.parse_args([])))


def test_the_older_spellings_fill_the_same_dests():
    """This repository's conftest.py: ``--site`` is ``--statuspage-site``, and so on."""
    legacy = argparse.ArgumentParser()
    add_pytest_options(legacy.add_argument, legacy=True)
    old = legacy.parse_args(["--site", "mock", "--contract-profile", "ci", "--report-dir", "r"])
    _, suite = parsers()
    new = suite.parse_args(
        ["--statuspage-site", "mock", "--statuspage-profile", "ci", "--statuspage-report-dir", "r"]
    )
    assert vars(old) == vars(new)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"request_budget": -1}, "--request-budget must be 0"),
        ({"contract_examples": 0}, "--examples must be 1 to"),
        ({"request_timeout": 0}, "--request-timeout must be more than 0"),
        ({"max_rate_wait": -1}, "--max-rate-wait must be 0 to"),
        ({"site": ["nowhere.example"]}, "unknown site"),
        ({"mock_fault": ["no-such-fault"]}, "unknown fault"),
    ],
)
def test_bad_values_are_one_line_errors(values, message):
    run, _ = parsers()
    defaults = vars(run.parse_args(["--site", "mock"]))
    with pytest.raises(OptionError, match=message):
        check(lambda dest: {**defaults, **values}[dest])
