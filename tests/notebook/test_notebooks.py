"""The notebooks in notebooks/: committed without outputs, and executed top to bottom.

Each notebook runs in a fresh ``python3`` kernel of this interpreter (nbclient), from a copy
of notebooks/ next to an empty reports/ directory (as in CI), with DD_API_KEY / DD_APP_KEY
set to fresh sentinels that the embedded mock then uses. Any cell error fails the test; then
every text output of every cell is searched for a secret: the sentinels, the mock's demo
keys, and every api_key the kernel submitted.

Run only these with ``pytest -m notebooks``; deselect them with ``-m "not notebooks"``.
"""

from __future__ import annotations

import ast
import json
import secrets
import shutil
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from statuspage_contract.mock.state import DEMO_API_KEY, DEMO_APP_KEY
from statuspage_contract.rules import ECHO_MIN
from statuspage_contract.spec import load_contract

# The marker is not in pyproject's list (yet): register-free use must not warn.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
    pytestmark = pytest.mark.notebooks

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 120  # seconds per cell
ALLOWED_IMPORT = "statuspage_contract.notebook"
#: A real client may be imported too (04-proxy sends its requests through the proxy).
ALLOWED_CLIENT = "datadog_api_client"


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _code_cells(notebook: dict[str, Any]) -> list[dict[str, Any]]:
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def _source(cell: dict[str, Any]) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else str(source)


def test_the_three_notebooks_exist() -> None:
    names = [path.name for path in NOTEBOOKS]
    assert names[:3] == [
        "01-explore-the-endpoint.ipynb",
        "02-property-based-exploration.ipynb",
        "03-reports.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path: Path) -> None:
    notebook = _load(path)
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    for number, cell in enumerate(_code_cells(notebook), start=1):
        assert cell["outputs"] == [], f"code cell {number} of {path.name} has outputs"
        assert cell["execution_count"] is None, f"code cell {number} of {path.name} was run"
    for cell in notebook["cells"]:
        assert "execution" not in cell.get("metadata", {}), f"{path.name} keeps run timings"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_cells_import_only_the_notebook_api(path: Path) -> None:
    for cell in _code_cells(_load(path)):
        for node in ast.walk(ast.parse(_source(cell))):
            if isinstance(node, ast.Import):
                pytest.fail(f"{path.name}: 'import {node.names[0].name}' in a cell")
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                allowed = module == ALLOWED_IMPORT or module.split(".")[0] == ALLOWED_CLIENT
                assert allowed, f"{path.name}: imports from {node.module}"


# -- execution ------------------------------------------------------------------------------
def _kernel_requirements() -> None:
    for module in ("nbclient", "nbformat", "ipykernel", "pandas", "matplotlib"):
        pytest.importorskip(
            module, reason=f"executing notebooks needs {module} (pip install -e '.[notebooks]')"
        )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of notebooks/ next to an empty reports/ (the notebooks' ../reports)."""
    root = tmp_path_factory.mktemp("notebooks-run")
    shutil.copytree(NOTEBOOK_DIR, root / "notebooks")
    (root / "reports").mkdir()
    return root


@pytest.fixture
def sentinel_keys(monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """Fresh DD keys in the environment: the mock (in the kernel and in the suite's
    subprocesses) uses them as its default organisation's keys."""
    api, app = f"nbapi{secrets.token_hex(16)}", f"nbapp{secrets.token_hex(20)}"
    monkeypatch.setenv("DD_API_KEY", api)
    monkeypatch.setenv("DD_APP_KEY", app)
    monkeypatch.delenv("DD_SITE", raising=False)
    return api, app


def _dump_cell(target: Path) -> str:
    """Code for a last cell that writes the kernel's secrets and interpreter to ``target``."""
    return (
        "import json as _json, pathlib as _pathlib, sys as _sys\n"
        "from statuspage_contract.redact import SECRETS as _SECRETS\n"
        f"_pathlib.Path({str(target)!r}).write_text(_json.dumps("
        '{"secrets": sorted(_SECRETS.secrets), "prefix": _sys.prefix}))'
    )


def _texts(cell: dict[str, Any]) -> Iterator[str]:
    """Every text a cell's outputs hold (images are skipped)."""
    for output in cell.get("outputs", []):
        kind = output["output_type"]
        if kind == "stream":
            yield output["text"]
        elif kind == "error":
            yield output.get("evalue", "")
            yield "\n".join(output.get("traceback", []))
        else:
            for mime, data in output.get("data", {}).items():
                if not mime.startswith("image/"):
                    yield data if isinstance(data, str) else json.dumps(data)


def _hypothesis_constant_strings() -> set[str]:
    """Hypothesis' own pool of tricky strings (right-to-left text, emoji, ...), which it draws
    from now and then. They are public: a sample may show one that a later session happens to
    send as a key, which is no leak."""
    try:
        from hypothesis.internal.conjecture.providers import GLOBAL_CONSTANTS
    except ImportError:  # moved in another Hypothesis version: look for every key
        return set()
    return set(GLOBAL_CONSTANTS.strings)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom_without_leaking_secrets(
    path: Path, workdir: Path, sentinel_keys: tuple[str, str], tmp_path: Path
) -> None:
    _kernel_requirements()
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(workdir / "notebooks" / path.name, as_version=4)
    dump = tmp_path / "kernel.json"
    notebook.cells.append(nbformat.v4.new_code_cell(_dump_cell(dump)))
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(workdir / "notebooks")}},
    )
    started = time.monotonic()
    client.execute()  # raises CellExecutionError on the first failing cell
    elapsed = time.monotonic() - started
    print(f"{path.name}: executed in {elapsed:.1f} s")

    kernel = json.loads(dump.read_text())
    assert kernel["prefix"] == sys.prefix, "the kernel is not this environment's python3"
    contract_text, public = load_contract().raw_text, _hypothesis_constant_strings()
    submitted = [
        s
        for s in kernel["secrets"]
        if len(s) >= ECHO_MIN and s not in contract_text and s not in public
    ]  # shorter generated keys are too common to look for (as in the no-key-echo rule)
    forbidden = {*sentinel_keys, DEMO_API_KEY, DEMO_APP_KEY, *submitted}

    cells = notebook.cells[:-1]
    executed = [cell for cell in cells if cell.cell_type == "code"]
    assert executed and all(cell.execution_count for cell in executed)
    assert any(cell.outputs for cell in executed), f"{path.name} showed nothing"
    for number, cell in enumerate(executed, start=1):
        for text in _texts(cell):
            leaked = [s for s in forbidden if s in text]
            assert not leaked, f"{path.name}, code cell {number}: a secret is in its output"
