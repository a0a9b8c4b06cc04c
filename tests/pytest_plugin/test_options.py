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
    carried = suite.parse_args(pytest_argv(given))
    assert vars(carried) == vars(given)
    assert {o.dest for o in OPTIONS} == set(vars(given))


def test_defaults_are_the_same_under_pytest_and_run():
    run, suite = parsers()
    assert vars(run.parse_args([])) == vars(suite.parse_args([]))


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
