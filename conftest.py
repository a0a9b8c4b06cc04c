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
    """``-n auto`` (the addopts): one pytest-xdist worker more than there are CPUs. The
    toolkit's tests wait a fifth of their time (for timeouts, servers, the suite runs they
    start); a third worker on 2 CPUs fills it: 145.8 s -> 119.9 s of wall, the same CPU
    (benchmarks/README.md, test suite time)."""
    return (os.cpu_count() or 1) + 1
