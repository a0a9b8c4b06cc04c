"""Plain ``pytest`` after ``pip install -e .`` (no extra) skips what needs an extra, saying which.

A fresh virtual environment per test run would take minutes; instead pytest runs in a process
where every module that only an extra of pyproject.toml installs cannot be imported (a
``sitecustomize`` puts a blocking finder first on ``sys.meta_path``), as if it were missing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from cli_runner import REPO

#: Modules that come with an extra's packages without being named by one (ipykernel's).
ALSO_BLOCKED = ("IPython", "jupyter_client")

BLOCKER = """
import sys

BLOCKED = set({blocked!r})


class _NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


sys.meta_path.insert(0, _NotInstalled())
"""


def _module(requirement: str) -> str:
    name = re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]
    return name.lower().replace("-", "_")


def extra_only_modules() -> set[str]:
    """The import names of every package an extra adds to the base dependencies."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    base = {_module(r) for r in project["dependencies"]}
    extras = {_module(r) for rs in project["optional-dependencies"].values() for r in rs}
    names = {n for n in extras - base if not n.startswith("types_")}
    return names | set(ALSO_BLOCKED)


def pytest_without_extras(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    blocked = sorted(extra_only_modules())
    (tmp_path / "sitecustomize.py").write_text(BLOCKER.format(blocked=blocked))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DD_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp_path), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "pytest", "-n", "0", "-p", "no:cacheprovider", "-rs", *args]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def test_the_blocked_modules_are_the_extras_packages() -> None:
    names = extra_only_modules()
    assert {"jsonschema", "datadog_api_client", "pandas", "nbclient", "matplotlib"} <= names
    assert not names & {"pytest", "hypothesis", "schemathesis", "jsonschema_rs", "jinja2"}


def test_collecting_every_test_without_the_extras_has_no_error(tmp_path: Path) -> None:
    done = pytest_without_extras(tmp_path, "--collect-only", "-q", "tests")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert "error" not in output.strip().splitlines()[-1], output[-4000:]
    assert "ImportError" not in output and "ModuleNotFoundError" not in output
    skipped = [line for line in output.splitlines() if line.startswith("SKIPPED")]
    # the blocker works: the modules built on Datadog's client are skipped, saying why
    assert any("test_datadog_client.py" in line and "extra" in line for line in skipped), skipped
    assert all("extra" in line for line in skipped), skipped  # each says which extra


def test_a_test_that_needs_an_extra_is_skipped_with_the_reason(tmp_path: Path) -> None:
    done = pytest_without_extras(
        tmp_path, "tests/spec/test_spec.py", "-k", "valid_openapi or each_documented_example"
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert re.search(r"\b0 passed|\d+ skipped", output), output[-2000:]
    assert "passed" not in output.strip().splitlines()[-1], output[-2000:]
    assert "SKIPPED" in output and "pip install -e '.[test]'" in output
