"""The toolkit installs as ``statuspage_contract``, beside any project: a team's own ``contract``
package (``tests/contract/``) and the toolkit's suite run in one pytest session, with or without
``__init__.py`` files, under pytest's default and ``importlib`` import modes, from a regular and
an editable install (issue 30)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FOLDER = REPO / "contract"
NAME = "statuspage_contract"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
ENTRY_POINT = f"{NAME}.pytest_plugin.entry"
TEAM_TEST = "def test_mine():\n    assert 1 + 1 == 2\n"
MODES = ("prepend", "importlib")


# -- what is installed ---------------------------------------------------------------------
def test_the_folder_installs_under_the_name_that_cannot_collide() -> None:
    assert SETUPTOOLS["package-dir"] == {NAME: "contract"}
    assert PYPROJECT["project"]["scripts"]["statuspage-contract"] == f"{NAME}.cli:entry"


def test_the_pytest_plugin_is_an_entry_point_of_the_installed_name() -> None:
    assert PYPROJECT["project"]["entry-points"]["pytest11"] == {NAME: ENTRY_POINT}


def test_every_package_of_the_folder_is_installed() -> None:
    folders = {
        ".".join([NAME, *init.parent.relative_to(FOLDER).parts])
        for init in FOLDER.rglob("__init__.py")
    }
    assert sorted(SETUPTOOLS["packages"]) == sorted(folders)


def test_every_data_file_of_the_package_is_installed() -> None:
    globs = SETUPTOOLS["package-data"][NAME]
    covered = {path for glob in globs for path in FOLDER.glob(glob)}
    assert all(any(FOLDER.glob(glob)) for glob in globs), globs
    data = {
        path
        for path in FOLDER.rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts
    }
    assert data <= covered, sorted(str(p.relative_to(FOLDER)) for p in data - covered)


def test_these_tests_import_the_toolkit_as_installed_and_nothing_named_contract() -> None:
    import statuspage_contract
    from statuspage_contract.spec import load_contract

    assert statuspage_contract.__name__ == NAME
    assert load_contract().account_path  # the spec, package data, is found
    assert "contract" not in sys.modules  # the folder is never imported under its own name


# -- a team's session ----------------------------------------------------------------------
def team_folder(root: Path, *, init: bool) -> Path:
    """An otherwise empty folder with a team's ``tests/contract/`` package."""
    package = root / "team" / "tests" / "contract"
    package.mkdir(parents=True)
    if init:
        (package / "__init__.py").write_text("")
    (package / "test_mine.py").write_text(TEAM_TEST)
    return package.parents[1]


def team_session(
    python: str, team: Path, mode: str, *extra: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``pytest tests`` in the team's folder, the toolkit's plugin (by its entry point, with
    autoloading on as pytest has it by default) and suite in the same session."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DD_"))}
    cmd = [
        python, "-m", "pytest", "-p", "no:cacheprovider",
        "--statuspage-site", "mock", f"--import-mode={mode}",
        "--statuspage-report-dir", str(team.parent / "reports"), "-v", "--tb=short",
        "tests", "--pyargs", f"{NAME}.suite", *extra,
    ]  # fmt: skip
    return subprocess.run(
        cmd, cwd=team, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def assert_both_ran(done: subprocess.CompletedProcess[str], verdict: str = "HOLDS") -> None:
    """The team's test passed, and the suite ran to the contract summary's verdict."""
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    assert "tests/contract/test_mine.py::test_mine PASSED" in done.stdout, out[-4000:]
    assert "test_examples.py::" in done.stdout, out[-4000:]
    assert "site mock (http://127.0.0.1:" in done.stdout and f"): {verdict};" in done.stdout, out


#: Two of the four combinations by default (each side of each axis once); ``-m slow`` all four.
TEAM_LAYOUTS = [
    pytest.param(
        init,
        mode,
        id=f"{'with' if init else 'without'}-init-{mode}",
        marks=() if init == (mode == MODES[0]) else pytest.mark.slow,
    )
    for init in (True, False)
    for mode in MODES
]


@pytest.mark.parametrize(("init", "mode"), TEAM_LAYOUTS)
def test_a_teams_contract_package_and_the_suite_share_a_session(
    tmp_path: Path, mode: str, init: bool
) -> None:
    """With the toolkit installed as these tests have it: every suite module is collected, the
    team's test and the suite's example tests run."""
    team = team_folder(tmp_path, init=init)
    done = team_session(sys.executable, team, mode, "-k", "test_mine or test_examples")
    assert_both_ran(done, "INCOMPLETE")  # the example tests alone leave some rules unexercised


def test_with_no_option_the_teams_tests_pass_alone(tmp_path: Path) -> None:
    """The entry point is loaded, but no ``--statuspage-`` option is given: the suite's
    plugin stays inactive (no contract summary, no reports)."""
    team = team_folder(tmp_path, init=True)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests", "-v"],
        cwd=team,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and "test_mine PASSED" in done.stdout, done.stdout[-2000:]
    assert "statuspage contract" not in done.stdout and not (team / "reports").exists()


# -- fresh installs ------------------------------------------------------------------------
def _source_copy(root: Path) -> Path:
    """What pip needs of this checkout, copied (pip would build in the checkout's build/)."""
    source = root / "source"
    shutil.copytree(FOLDER, source / "contract", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    return source


@pytest.fixture(scope="module", params=["regular", "editable"])
def installed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh virtualenv with the toolkit installed (``pip install .`` or ``-e .``)."""
    root = tmp_path_factory.mktemp(request.param)
    source = _source_copy(root)
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    target = ["-e", str(source)] if request.param == "editable" else [str(source)]
    done = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", *target],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return python


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("init", [True, False], ids=["with-init", "without-init"])
def test_from_a_fresh_install_the_team_and_the_whole_suite_pass(
    installed: str, tmp_path: Path, mode: str, init: bool
) -> None:
    done = team_session(installed, team_folder(tmp_path, init=init), mode)
    assert_both_ran(done)


@pytest.mark.slow
def test_from_a_fresh_install_run_finds_its_suite_and_data(installed: str, tmp_path: Path) -> None:
    script = Path(installed).parent / "statuspage-contract"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DD_"))}
    done = subprocess.run(
        [str(script), "run", "--site", "mock", "--report-dir", str(tmp_path / "reports")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0 and "HOLDS" in done.stdout, done.stdout + done.stderr
    assert (tmp_path / "reports" / "contract-report.html").is_file()
