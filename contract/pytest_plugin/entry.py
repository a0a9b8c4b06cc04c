"""The toolkit's pytest entry point (``pytest11``: ``statuspage_contract``), loaded in every
session of an environment that has the toolkit installed, so it costs nothing it need not.

It registers the ``--statuspage-`` options and the fixtures a team builds on
(:mod:`.user_fixtures`), importing only the standard library, pytest and the options table.
The suite's plugin (:mod:`.plugin`: Hypothesis, Schemathesis, the mock, reports) is activated
only when a ``--statuspage-`` option is given or the shipped suite is selected; a fixture's
heavy imports happen when a test uses it. ``pytest -p no:statuspage_contract`` turns it off.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .collect import PACKAGE, PACKAGE_DIR
from .options import OPTIONS, REPORT_OPTIONS, add_pytest_options
from .user_fixtures import (  # noqa: F401  (registered with this plugin)
    statuspage_client,
    statuspage_client_settings,
    statuspage_mock,
    statuspage_mock_faults,
    statuspage_mock_keys,
    statuspage_mock_rate_limit,
    statuspage_site,
)

#: The entry point's name (pyproject.toml), under which this module is registered.
ENTRY_NAME = "statuspage_contract"
#: The suite's plugin, activated on demand.
SUITE_PLUGIN = __name__.rsplit(".", 1)[0] + ".plugin"
#: The shipped suite's folder and import name.
SUITE_DIR = PACKAGE_DIR / "suite"
SUITE_MODULE = f"{PACKAGE}.suite"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("statuspage-contract", "statuspage-contract: the contract suite")
    add_pytest_options(group.addoption)


def _defaults() -> dict[str, object]:
    settings = [(o.pytest_dest, o.settings) for o in OPTIONS]
    settings += [(dest, s) for _, dest, s in REPORT_OPTIONS]
    return {
        dest: s.get("default", False if s.get("action") == "store_true" else None)
        for dest, s in settings
    }


def option_given(config: pytest.Config) -> bool:
    """Whether any ``--statuspage-`` option has a value other than its default."""
    return any(config.getoption(dest, None) != d for dest, d in _defaults().items())


def selects_suite(config: pytest.Config) -> bool:
    """Whether this invocation may collect the shipped suite: a path inside it or above it,
    or (``--pyargs``) its module name or the toolkit's."""
    args = [str(a).split("::")[0] for a in config.args if not str(a).startswith("-")]
    if not args:
        return True
    for arg in args:
        if config.getoption("pyargs", False) and (
            arg in (PACKAGE, SUITE_MODULE) or arg.startswith(SUITE_MODULE + ".")
        ):
            return True
        path = Path(arg).resolve()
        if path == SUITE_DIR or SUITE_DIR in path.parents or path in SUITE_DIR.parents:
            return True
    return False


@pytest.hookimpl(tryfirst=True)  # before junitxml's, which reads the path the suite sets
def pytest_configure(config: pytest.Config) -> None:
    if option_given(config) or selects_suite(config):
        config.pluginmanager.import_plugin(SUITE_PLUGIN)
