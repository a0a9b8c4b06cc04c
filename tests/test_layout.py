"""The package's layout keeps its promises: facts of the contract live only in ``spec/``, no
import cycle, small modules, and light imports where a command needs to start fast."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "contract"
MAX_MODULE_LINES = 400

#: (module, literal) pairs that spell a contract word for another reason. Kept short.
ALLOWED_WORDS = {
    ("contract/scenarios.py", "type"): "the JSON Schema keyword, read while walking schemas",
    ("contract/scenarios.py", "data"): "requests' data= argument (a raw body)",
    ("contract/generation.py", "data"): "requests' data= argument (a raw body)",
    ("contract/edges/model.py", "data"): "requests' data= argument (a raw body)",
    ("contract/plan/shapes.py", "data"): "requests' data= argument (a raw body)",
    ("contract/edges/derive.py", "data"): "requests' data= argument (a raw body)",
    ("contract/edges/derive.py", "type"): "the JSON Schema keyword, read while walking schemas",
    ("contract/mock/app.py", "type"): "the key of ASGI scopes and messages",
    ("contract/proxy/forward.py", "type"): "the key of ASGI scopes and messages",
    ("contract/pytest_plugin/options.py", "type"): "argparse's type= argument",
    ("contract/drift.py", "type"): "the JSON Schema keyword, and a compared field's own name",
}


# -- what the contract says ----------------------------------------------------------------
def contract_words(document: Any) -> tuple[set[str], set[str], set[int]]:
    """(field names and enum values, media types, status codes) of an OpenAPI document."""
    words: set[str] = set()
    media: set[str] = set()
    statuses: set[int] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "properties" and isinstance(value, dict):
                    words.update(value)
                elif key == "enum" and isinstance(value, list):
                    words.update(v for v in value if isinstance(v, str))
                elif key == "content" and isinstance(value, dict):
                    media.update(value)
                elif key == "responses" and isinstance(value, dict):
                    statuses.update(int(s) for s in value if str(s).isdigit())
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    return words, media, statuses


WORDS, MEDIA, STATUSES = contract_words(
    yaml.safe_load((PACKAGE / "spec" / "openapi.yaml").read_text(encoding="utf-8"))
)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            found.add(id(first.value))
    return found


#: Where a number equal to a status is not one: bounds of a range, sizes, counts.
_NOT_A_STATUS = (ast.Dict, ast.Slice, ast.arguments, ast.BinOp, ast.keyword)


def _a_size(parent: ast.AST | None) -> bool:
    """``LIMIT = 200``: a named constant that is plainly not a status (its name neither says
    status nor names one, as ``CONFLICT = 409`` would)."""
    if not isinstance(parent, ast.Assign) or len(parent.targets) != 1:
        return False
    target = parent.targets[0]
    if not isinstance(target, ast.Name) or not target.id.isupper():
        return False
    words = set(target.id.split("_"))
    return "STATUS" not in words and target.id not in HTTPStatus.__members__


def contract_literals(source: str) -> Iterator[tuple[int, str]]:
    """(line, literal) for each field name, enum value, media type or status code of the
    contract spelled in ``source`` (docstrings aside)."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in docs:
            value = node.value
            if isinstance(value, str) and (value in WORDS or any(m in value for m in MEDIA)):
                yield node.lineno, value
            elif type(value) is int and value in STATUSES:
                parent = parents.get(id(node))
                ordering = isinstance(parent, ast.Compare) and all(
                    isinstance(op, ast.Lt | ast.LtE | ast.Gt | ast.GtE) for op in parent.ops
                )
                if not ordering and not isinstance(parent, _NOT_A_STATUS) and not _a_size(parent):
                    yield node.lineno, str(value)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "HTTPStatus"
            and node.attr in HTTPStatus.__members__
            and int(HTTPStatus[node.attr]) in STATUSES
        ):
            yield node.lineno, f"HTTPStatus.{node.attr}"


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def test_no_contract_fact_is_spelled_outside_the_spec_layer() -> None:
    found = []
    for path in _modules():
        if path.parent.name == "spec" and path.parent.parent == PACKAGE:
            continue
        for line, literal in contract_literals(path.read_text(encoding="utf-8")):
            if (_rel(path), literal) not in ALLOWED_WORDS:
                found.append(f"{_rel(path)}:{line}: {literal!r}")
    assert not found, "read these from statuspage_contract.spec instead:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        'x = body["data"]["attributes"]',
        "if status == 409: pass",
        "allowed = {400, 409}",
        "ok = status in (200, 404)",
        "s = HTTPStatus.CONFLICT",
        'headers = {"Content-Type": "application/json; charset=utf-8"}',
        'kind = "statuspage-account"',
        "return self.error(403, 'Forbidden')",
        "CONFLICT = 409",
        "GONE_STATUS = 404",
    ],
)
def test_the_literal_check_catches_each_kind_of_fact(source: str) -> None:
    assert list(contract_literals(source)), source


@pytest.mark.parametrize(
    "source",
    [
        "ok = 200 <= status < 300",
        "text = line[:200]",
        "settings = {'max_examples': 400}",
        "def f(limit=200): pass",
        "LIVE_BUDGET = 200",
        "text = shorten(text, limit=200)",
        '"""A docstring may say 409 and data."""',
    ],
)
def test_the_literal_check_leaves_other_numbers_alone(source: str) -> None:
    assert not list(contract_literals(source)), source


def test_the_allowlist_holds_only_pairs_still_needed() -> None:
    for (module, literal), why in ALLOWED_WORDS.items():
        source = (REPO / module).read_text(encoding="utf-8")
        assert literal in [lit for _, lit in contract_literals(source)], (module, literal, why)


# -- imports -------------------------------------------------------------------------------
def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(path: Path, node: ast.ImportFrom) -> str:
    """The module a ``from`` import names, relative imports resolved against ``path``'s package
    (named after the folders, as every module here is)."""
    if node.level == 0:
        return node.module or ""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _imports(path: Path, names: set[str], top_level_only: bool) -> set[str]:
    """The toolkit modules ``path`` imports (at module level, TYPE_CHECKING included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = (
        [n for n in ast.walk(tree) if not isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        if not top_level_only
        else _top_level(tree)
    )
    out = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in names}
        elif isinstance(node, ast.ImportFrom) and (node.module or node.level):
            module = _absolute(path, node)
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                out.add(sub if sub in names else module)
    return {m for m in out if m in names}


def _top_level(tree: ast.Module) -> list[ast.AST]:
    """Statements run at import: the module body and its if/try blocks, not functions."""
    out: list[ast.AST] = []
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        out.append(node)
        if isinstance(node, ast.If | ast.Try):
            todo += [*node.body, *node.orelse, *getattr(node, "finalbody", [])]
            todo += [h for handler in getattr(node, "handlers", []) for h in handler.body]
    return out


def import_graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in _modules()}
    names = set(paths)
    return {
        name: _imports(path, names, top_level_only=True) - {name} for name, path in paths.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (a path that returns to its start), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_module_imports_itself_back_not_even_for_type_checking() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_import_graph_reads_relative_imports() -> None:
    graph = import_graph()
    assert "contract.spec" in graph["contract.mock.app"]  # from ..spec import ...
    assert "contract.mock.state" in graph["contract.mock.app"]  # from .state import ...
    assert "contract.spec.loader" in graph["contract.spec"]  # (in __init__) from .loader import


def test_the_package_imports_itself_only_relatively() -> None:
    """Inside the package no import names the folder (``contract``) or the installed name
    (``statuspage_contract``): the code runs whatever either is called."""
    found = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            named = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            for name in named:
                if name.split(".")[0] in {PACKAGE.name, "statuspage_contract"}:
                    found.append(f"{_rel(path)}:{node.lineno}: {name}")
    assert not found, "import these relatively (from .x / from ..x):\n" + "\n".join(found)


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize(
    ("module", "absent"),
    [
        ("statuspage_contract.gate", ("jinja2", "werkzeug", "statuspage_contract.report.html")),
        ("statuspage_contract.scenarios", ("werkzeug",)),
        ("statuspage_contract.cli", ("jinja2", "werkzeug", "jsonschema", "schemathesis", "pytest")),
    ],
)
def test_importing_a_room_loads_only_what_it_needs(module: str, absent: tuple[str, ...]) -> None:
    code = f"import sys, {module}; print(sorted(m for m in {absent!r} if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout


# -- size ----------------------------------------------------------------------------------
def test_every_module_is_small() -> None:
    big = {
        _rel(p): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not big, big
