"""The package's layout keeps its promises: facts of the contract live only in ``spec/``, no
import cycle (imports read at every level, functions included), small modules, light imports
where a command needs to start fast, process-wide speed settings only in ``tuning.py``, every
module named in ARCHITECTURE.md, and a benchmarks page that holds the current figures only."""

from __future__ import annotations

import ast
import re
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
    ("contract/bad_inputs.py", "type"): "the JSON Schema keyword, read while walking schemas",
    ("contract/bad_inputs.py", "data"): "requests' data= argument (a raw body)",
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
    ("contract/generation.py", "url"): "the url key of Schemathesis' transport arguments",
    ("contract/notebook/results.py", "id"): "the id column of a catalogue (an input's id)",
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


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The module a ``from`` import names, relative imports resolved against ``module``'s
    package (named after the folders, as every module here is)."""
    if node.level == 0:
        return node.module or ""
    package = module.split(".")
    if not is_package:
        package.pop()
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports_of(source: str, module: str, names: set[str], *, is_package: bool = False) -> set[str]:
    """The toolkit modules (of ``names``) that ``source``, the module ``module``, imports at
    every level: module body, ``if TYPE_CHECKING:`` blocks, function and method bodies. An
    import inside a function is still a dependency: it only runs later."""
    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in names}
        elif isinstance(node, ast.ImportFrom) and (node.module or node.level):
            base = _absolute(module, is_package, node)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out.add(sub if sub in names else base)
    return {m for m in out if m in names} - {module}


def import_graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in _modules()}
    names = set(paths)
    return {
        name: imports_of(
            path.read_text(encoding="utf-8"), name, names, is_package=path.name == "__init__.py"
        )
        for name, path in paths.items()
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


def test_no_module_imports_itself_back_at_any_level() -> None:
    """Not at module level, not for type checking, not inside a function."""
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_import_graph_reads_relative_imports() -> None:
    graph = import_graph()
    assert "contract.spec" in graph["contract.mock.app"]  # from ..spec import ...
    assert "contract.mock.state" in graph["contract.mock.app"]  # from .state import ...
    assert "contract.spec.loader" in graph["contract.spec"]  # (in __init__) from .loader import


_NAMES = {"pkg", "pkg.a", "pkg.b", "pkg.sub", "pkg.sub.c"}


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("from .b import x", {"pkg.b"}),
        ("def f():\n    from .b import x", {"pkg.b"}),
        ("class C:\n    def m(self):\n        from . import b", {"pkg.b"}),
        ("if TYPE_CHECKING:\n    from .sub.c import C", {"pkg.sub.c"}),
        ("try:\n    import pkg.sub\nexcept ImportError:\n    pass", {"pkg.sub"}),
        ("async def f():\n    with x:\n        from .sub import c", {"pkg.sub.c"}),
        ("f = lambda: 0\nfrom . import a", set()),  # itself
        ("from os import path", set()),
    ],
    ids=["module", "function", "method", "type-checking", "try", "async-with", "self", "stdlib"],
)
def test_imports_are_read_at_every_level(source: str, found: set[str]) -> None:
    assert imports_of(source, "pkg.a", _NAMES) == found


def test_a_circle_through_a_function_level_import_is_found() -> None:
    names = {"pkg.a", "pkg.b"}
    graph = {
        "pkg.a": imports_of("from .b import x", "pkg.a", names),
        "pkg.b": imports_of("def late():\n    from .a import y", "pkg.b", names),
    }
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.a"]


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


# -- performance knobs ---------------------------------------------------------------------
#: Calls that tune the whole process for speed or memory: only ``contract/tuning.py`` makes them.
PROCESS_KNOBS = {("gc", "freeze"), ("gc", "set_threshold"), ("gc", "disable"), (None, "mallopt")}


def process_knobs(source: str) -> list[int]:
    """Lines of ``source`` that call one of :data:`PROCESS_KNOBS`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value.id if isinstance(node.func.value, ast.Name) else None
            if (owner, node.func.attr) in PROCESS_KNOBS or (None, node.func.attr) in PROCESS_KNOBS:
                found.append(node.lineno)
    return found


def test_process_wide_knobs_live_in_the_tuning_module() -> None:
    found = [
        f"{_rel(p)}:{line}"
        for p in _modules()
        if p != PACKAGE / "tuning.py"
        for line in process_knobs(p.read_text(encoding="utf-8"))
    ]
    assert not found, "move these into contract/tuning.py:\n" + "\n".join(found)
    assert process_knobs((PACKAGE / "tuning.py").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "source", ["gc.freeze()", "gc.set_threshold(1)", "ctypes.CDLL(None).mallopt(-3, 1)"]
)
def test_the_knob_check_finds_each_kind(source: str) -> None:
    assert process_knobs(source) == [1]


# -- the architecture page -----------------------------------------------------------------
ARCHITECTURE = REPO / "ARCHITECTURE.md"


def unnamed_modules(doc: str, modules: list[str]) -> list[str]:
    """The modules (paths below ``contract/``) that ``doc`` does not name.

    The rule: a name counts in backticks only. ``room/file.py`` anywhere names that module, and so
    does ``file.py`` on a line that names its room as ``room/`` (a row of the rooms' table). A
    module at the top (``runner.py``) is named by its file name; a room's ``__init__.py`` by
    the room (``room/``); the package's own ``__init__.py`` as ``contract/__init__.py``."""
    lines = [set(re.findall(r"`([^`\n]+)`", line)) for line in doc.splitlines()]
    spans = set().union(*lines) if lines else set()
    spans |= {s.removeprefix("contract/") for s in spans}
    missing = []
    for module in modules:
        room, _, file = module.rpartition("/")
        if not room:
            named = file in spans if file != "__init__.py" else "__init__.py" in spans
        elif file == "__init__.py":
            named = f"{room}/" in spans
        else:
            named = module in spans or any(f"{room}/" in ln and file in ln for ln in lines)
        if not named:
            missing.append(module)
    return missing


def test_every_module_is_named_in_the_architecture_page() -> None:
    modules = [p.relative_to(PACKAGE).as_posix() for p in _modules()]
    missing = unnamed_modules(ARCHITECTURE.read_text(encoding="utf-8"), modules)
    assert not missing, "say in ARCHITECTURE.md what these hold (one clause each):\n" + "\n".join(
        missing
    )


def test_the_architecture_check_catches_an_unnamed_module() -> None:
    doc = "| `proxy/` | `judge.py` (rules) |\n| `mock/` | `app.py` |\nThe `runner.py` runs."
    modules = [
        "proxy/judge.py",
        "mock/app.py",
        "mock/judge.py",
        "runner.py",
        "cli.py",
        "mock/__init__.py",
    ]
    assert unnamed_modules(doc, modules) == ["mock/judge.py", "cli.py"]
    assert unnamed_modules("`mock/judge.py`, `cli.py`", ["mock/judge.py", "cli.py"]) == []
    assert unnamed_modules("judge.py and proxy/ without backticks", ["proxy/judge.py"]) == [
        "proxy/judge.py"
    ]


# -- the benchmarks' page ------------------------------------------------------------------
BENCHMARKS = REPO / "benchmarks"
#: The method and the current figures only; history stays in git.
MAX_BENCHMARKS_README_LINES = 250


def test_the_benchmarks_page_holds_the_current_figures_only() -> None:
    text = (BENCHMARKS / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_BENCHMARKS_README_LINES, "history belongs in git"
    headings = re.findall(r"^## `(bench_\w+\.py)`", text, flags=re.MULTILINE)
    scripts = sorted(p.name for p in BENCHMARKS.glob("bench_*.py") if p.name != "bench_servers.py")
    assert sorted(headings) == scripts, "one section per benchmark script"
    for section in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        if section.startswith("`bench_"):
            for part in ("**Measures**", "**Installs", "**Target", "**Current"):
                assert part in section, (section.splitlines()[0], part)


# -- size ----------------------------------------------------------------------------------
def test_every_module_is_small() -> None:
    big = {
        _rel(p): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not big, big
