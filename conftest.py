"""Repository conftest: load the contract suite's pytest plugin for `pytest` runs from here
(this repository's addopts turn entry-point autoloading off), and keep the options' older
spellings working here (`--site mock`, `--contract-profile ci`, `--report-dir DIR`): aliases
of the `--statuspage-` options, registered in this repository's sessions only."""

import os

import pytest

from statuspage_contract.pytest_plugin.options import add_pytest_options

pytest_plugins = ["statuspage_contract.pytest_plugin.plugin"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("statuspage-contract (this repository's older spellings)")
    add_pytest_options(group.addoption, legacy=True)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` (the addopts): two pytest-xdist workers more than there are CPUs. The
    toolkit's tests wait a fifth of their time (for timeouts, servers, the suite runs they
    start), which the extra workers fill: on 2 CPUs, 145.8 s with two workers, 119.9 s with
    three (session 10), and 4-7 s less again with four, measured back to back in both orders
    (session 11; benchmarks/README.md, test suite time)."""
    return (os.cpu_count() or 1) + 2
