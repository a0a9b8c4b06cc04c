"""The toolkit's own files are collected under the name they are installed as.

pytest names a test module after its folders: from an editable install the suite's
``test_examples.py`` would be ``contract.suite.test_examples`` (the repository's folder), a second
copy of the toolkit under another name, colliding with a team's own ``contract`` package on the
way. Here every module and package inside the toolkit's folder is imported by its installed
name instead (``statuspage_contract.suite.test_examples``), whatever the folder is called and
whatever ``--import-mode``. Only the standard library and pytest are imported here.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pytest

#: The folder the toolkit's code is in, and the name it is installed as.
PACKAGE_DIR = Path(__file__).resolve().parents[1]
PACKAGE = __name__.rsplit(".", 2)[0]


def installed_name(path: Path) -> str | None:
    """``statuspage_contract.suite.test_examples`` for ``<PACKAGE_DIR>/suite/test_examples.py``
    (a package's folder gives the package's name); None outside the toolkit's folder."""
    try:
        relative = path.resolve().relative_to(PACKAGE_DIR)
    except ValueError:
        return None
    parts = list(relative.with_suffix("").parts if path.suffix == ".py" else relative.parts)
    if parts[-1:] == ["__init__"]:
        parts.pop()
    if not all(part.isidentifier() for part in parts):
        return None
    return ".".join([PACKAGE, *parts])


def _import(node: pytest.Collector, name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise node.CollectError(f"ImportError while importing {name} ({node.path}): {exc}") from exc


class InstalledModule(pytest.Module):
    """A test module of the toolkit, imported by its installed name."""

    def _getobj(self) -> ModuleType:
        return _import(self, installed_name(self.path) or "")


class InstalledPackage(pytest.Package):
    """A package of the toolkit: its ``__init__`` imported by name (none has setup_module)."""

    def setup(self) -> None:
        _import(self, installed_name(self.path) or "")


@pytest.hookimpl(tryfirst=True)
def pytest_collect_directory(path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if (path / "__init__.py").is_file() and installed_name(path) is not None:
        return InstalledPackage.from_parent(parent, path=path)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(
    module_path: Path, parent: pytest.Collector
) -> pytest.Module | None:
    if installed_name(module_path) is not None:
        return InstalledModule.from_parent(parent, path=module_path)
    return None
