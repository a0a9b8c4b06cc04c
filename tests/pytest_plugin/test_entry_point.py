"""The entry-point plugin (``pytest11``: ``statuspage_contract``), as a team meets it after
``pip install``: in an empty folder with no configuration and pytest's plugin autoloading on,
``pytest --help`` lists the ``--statuspage-`` options and nothing unprefixed, ``pytest
--fixtures`` lists the team fixtures, the packaged suite passes with ``--pyargs``; and the
plugin costs an unrelated session nothing heavy (benchmarks/bench_plugin_load.py times it)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from statuspage_contract.pytest_plugin.options import OPTIONS, REPORT_OPTIONS

#: What loading the entry point may import: the package's facade, its errors, the options
#: table, the collection hooks and the team fixtures' module (pytest and the standard
#: library aside, which pytest has loaded anyway).
LIGHT = {
    "statuspage_contract",
    "statuspage_contract.errors",
    "statuspage_contract.pytest_plugin",
    "statuspage_contract.pytest_plugin.collect",
    "statuspage_contract.pytest_plugin.entry",
    "statuspage_contract.pytest_plugin.options",
    "statuspage_contract.pytest_plugin.user_fixtures",
}
#: Never imported by an unrelated session, by name prefix.
HEAVY = (
    "hypothesis",
    "schemathesis",
    "requests",
    "urllib3",
    "uvicorn",
    "jsonschema_rs",
    "yaml",
    "jinja2",
    "aiohttp",
    "statuspage_contract.mock",
    "statuspage_contract.http",
    "statuspage_contract.spec",
    "statuspage_contract.pytest_plugin.plugin",
    "statuspage_contract.pytest_plugin.session",
)

#: Prints, as JSON, the modules a ``pytest --co`` session of ARGS had imported by its end.
MODULES_OF_A_SESSION = """
import json, sys, pytest
class Dump:
    def pytest_collection_finish(self, session):
        self.modules = sorted(sys.modules)
dump = Dump()
code = pytest.main(sys.argv[1:], plugins=[dump])
print("MODULES=" + json.dumps(dump.modules))
sys.exit(int(code))
"""


def clean_env() -> dict[str, str]:
    """The environment without pytest's or pytest-xdist's variables, nor Datadog's keys."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DD_"))}


def pytest_in(folder: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=folder,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def modules_of_a_session(folder: Path, *plugin_args: str) -> set[str]:
    (folder / "test_unrelated.py").write_text("def test_one():\n    assert True\n")
    done = subprocess.run(
        [sys.executable, "-c", MODULES_OF_A_SESSION, "--co", "-q", "-p", "no:cacheprovider",
         "--disable-plugin-autoload", *plugin_args, "test_unrelated.py"],
        cwd=folder, env=clean_env(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return set(json.loads(done.stdout.split("MODULES=", 1)[1]))


def test_loading_the_plugin_imports_nothing_heavy(tmp_path: Path) -> None:
    """The modules an unrelated session imports with the entry point (``-p`` by its name, as
    autoloading loads it) against without: only the light ones, none of the heavy ones."""
    without = modules_of_a_session(tmp_path)
    with_plugin = modules_of_a_session(tmp_path, "-p", "statuspage_contract")
    added = with_plugin - without
    assert "statuspage_contract.pytest_plugin.entry" in added  # the plugin did load
    # (pytest reads the entry point's metadata with the standard library's email parser)
    outside_stdlib = {m for m in added if m.split(".")[0] not in sys.stdlib_module_names}
    assert outside_stdlib <= LIGHT, sorted(outside_stdlib - LIGHT)
    assert not [m for m in with_plugin if m.startswith(HEAVY)], "a heavy module was imported"


def test_an_option_activates_the_suites_plugin(tmp_path: Path) -> None:
    """Proof the check above can fail: given an option, the heavy plugin is imported."""
    modules = modules_of_a_session(
        tmp_path, "-p", "statuspage_contract", "--statuspage-site", "mock", "--statuspage-no-report"
    )
    assert "statuspage_contract.pytest_plugin.plugin" in modules
    assert "hypothesis" in modules


def test_help_in_an_empty_folder_lists_every_option_prefixed(tmp_path: Path) -> None:
    done = pytest_in(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    section = done.stdout.split("statuspage-contract: the contract suite:", 1)[1]
    section = section.split("\n\n", 1)[0]
    flags = re.findall(r"^  (--[\w-]+)", section, re.MULTILINE)
    expected = [o.pytest_flag for o in OPTIONS] + [flag for flag, _, _ in REPORT_OPTIONS]
    assert flags == expected
    assert all(flag.startswith("--statuspage-") for flag in flags)
    for legacy in ("--site", "--allow-mutations", "--contract-profile", "--report-dir"):
        assert not re.search(rf"^\s+{legacy}[ =,]", done.stdout, re.MULTILINE), legacy


def test_fixtures_in_an_empty_folder_lists_the_team_fixtures(tmp_path: Path) -> None:
    done = pytest_in(tmp_path, "--fixtures")
    assert done.returncode == 0, done.stderr
    for name in ("statuspage_mock", "statuspage_client", "statuspage_mock_faults"):
        assert re.search(rf"^{name} -- .*\n    \S", done.stdout, re.MULTILINE), name
    assert "contract_client" not in done.stdout  # the suite's own fixtures stay inactive


def test_the_packaged_suite_passes_from_an_empty_folder(tmp_path: Path) -> None:
    done = pytest_in(
        tmp_path, "--pyargs", "statuspage_contract.suite", "--statuspage-site", "mock",
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    assert re.search(r"site mock \(http://127\.0\.0\.1:\d+\): HOLDS", done.stdout), done.stdout
    assert (tmp_path / "reports" / "contract-report.json").is_file()


@pytest.mark.parametrize("flag", ["--site", "--contract-profile", "--report-dir"])
def test_unprefixed_names_are_not_options_outside_this_repository(
    tmp_path: Path, flag: str
) -> None:
    done = pytest_in(tmp_path, flag, "x")
    assert done.returncode == 4 and "unrecognized arguments" in done.stderr, done.stderr
