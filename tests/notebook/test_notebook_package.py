"""The package statuspage_contract.notebook: a curated facade, lazy heavy imports, no import cycle,
and no fact of the contract restated in it."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "contract" / "notebook"
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
#: Longest module of the package, in lines (one job each).


def test_the_notebook_module_exports_a_curated_api() -> None:
    import statuspage_contract.notebook as nb

    assert nb.__all__ and all(hasattr(nb, name) for name in nb.__all__)
    assert "explore" in nb.__all__ and "_guard" not in nb.__all__


def test_importing_the_package_loads_neither_pandas_nor_matplotlib() -> None:
    code = (
        "import sys, statuspage_contract.notebook\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'matplotlib'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def _imports(name: str) -> set[str]:
    """The package's modules that ``name`` imports, at any level (TYPE_CHECKING too); inside
    the package, imports are relative (``from .x import``, ``from . import x``)."""
    tree = ast.parse((PACKAGE / f"{name}.py").read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module is None:
                found |= {alias.name for alias in node.names if alias.name in MODULES}
            else:
                found.add(node.module.split(".")[0])
    return found


#: One interpreter imports the third-party libraries the package uses (none of ``contract``),
#: then forks a child per module that imports ``statuspage_contract.notebook.<name>`` and nothing
#: else of the toolkit first: each module on its own, without paying Python's start-up 13 times.
_IMPORT_EACH = """
import json, os, sys, traceback
import hypothesis, jinja2, jsonschema_rs, requests, schemathesis, uvicorn, yaml
results = {}
for name in sys.argv[1:]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            __import__("statuspage_contract.notebook." + name)
            message = ""
        except BaseException:
            message = traceback.format_exc()
        os.write(write, message.encode())
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    results[name] = b"".join(chunks).decode()
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def imported_alone() -> dict[str, str]:
    """Each module's import traceback ("" when it imported), each in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH, *MODULES], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


@pytest.mark.parametrize("name", MODULES)
def test_each_module_imports_on_its_own(name: str, imported_alone: dict[str, str]) -> None:
    assert imported_alone[name] == ""


def _fields(schema: Any, out: set[str]) -> set[str]:
    if isinstance(schema, dict):
        out.update(schema.get("properties", {}))
        for value in schema.values():
            _fields(value, out)
    elif isinstance(schema, list):
        for value in schema:
            _fields(value, out)
    return out


def _docstrings(tree: ast.AST) -> set[int]:
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, kinds)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
