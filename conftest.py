"""Repository conftest: load the contract suite's pytest plugin for `pytest` runs from here
(this repository's addopts turn entry-point autoloading off), and keep the options' older
spellings working here (`--site mock`, `--contract-profile ci`, `--report-dir DIR`): aliases
of the `--statuspage-` options, registered in this repository's sessions only."""

import pytest

from statuspage_contract.pytest_plugin.options import add_pytest_options

pytest_plugins = ["statuspage_contract.pytest_plugin.plugin"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("statuspage-contract (this repository's older spellings)")
    add_pytest_options(group.addoption, legacy=True)
