"""Shared fixtures of the toolkit's own tests.

Every fixture here is prefixed ``mock_`` so that it cannot collide with the fixtures of the
contract suite's pytest plugin (``contract_target``, ``contract_client``, ...);
``contract_mock_site`` is deliberately not used here.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

# The toolkit is imported as installed (``statuspage_contract``; an editable install maps it to
# contract/), never from this folder by path: nothing here puts the repository on sys.path.
# The tests mirror the package's rooms (tests/mock/, tests/live/, ...); their shared helpers
# (hostile_site, cli_runner, notebook_helpers, alt_server) stay here, importable from all.
if str(REPO_ROOT / "tests") not in sys.path:
    sys.path.append(str(REPO_ROOT / "tests"))

# These machines set PYTHONDONTWRITEBYTECODE. Then each process the tests start (the suite
# runs' zygotes, notebook kernels, command lines) compiled the toolkit anew (~0.6 s of CPU
# each), and the test workers rewrote every test module on every run. So the tests let Python
# keep bytecode as it normally does: pip's compiled libraries, and __pycache__ beside the
# toolkit's and the tests' sources (ignored by git). A PYTHONPYCACHEPREFIX outside the tree,
# used before, made every process ignore pip's bytecode: on a machine that had never run the
# tests, each early process compiled every library it imported (IPython, pandas,
# Schemathesis, ...), ~15 CPU-s in a fresh CI run.
if os.environ.pop("PYTHONDONTWRITEBYTECODE", None):
    sys.dont_write_bytecode = False

# Collecting imports every test module and builds ~1,500 items, millions of objects none of which
# is garbage; the cyclic garbage collector walked them again and again (~2 of the ~11 CPU-s each
# pytest process spent collecting, measured before addopts stopped the plugins' assertion
# rewriting). It collects rarely until collection ends, then as before.
_GC_THRESHOLDS = gc.get_threshold()
gc.set_threshold(50_000, *_GC_THRESHOLDS[1:])

# Hypothesis builds its Unicode tables once per storage directory (~4 s of CPU, 200 MB): let
# these tests, the suite runs they start and the notebook kernels share the per-user cache that
# `run` uses, instead of one .hypothesis/ per working directory.
from statuspage_contract.hypothesis_cache import use_hypothesis_cache  # noqa: E402

use_hypothesis_cache()

import requests  # noqa: E402

from statuspage_contract.http.loopback import LoopbackAdapter  # noqa: E402
from statuspage_contract.mock import MockSite  # noqa: E402
from statuspage_contract.redact import SECRETS  # noqa: E402
from statuspage_contract.spec import load_contract  # noqa: E402

CONTRACT = load_contract()
ACCOUNT_PATH = CONTRACT.account_path
KEY_ENV_VARS = ("DD_API_KEY", "DD_APP_KEY")

_NO_BODY = object()


class MockApi:
    """A tiny HTTP client for one mock site and one pair of keys (real HTTP, loopback only):
    one kept-alive connection, over the embedded mock's own transport (a new
    ``requests.request`` per call cost a session, a connection and the environment's proxy
    lookup each: ~3 ms a request)."""

    def __init__(
        self,
        site: MockSite,
        api_key: str | None = None,
        app_key: str | None = None,
        session: requests.Session | None = None,
    ):
        self.site = site
        self.keys = (api_key or site.api_key, app_key or site.app_key)
        if session is None:
            session = requests.Session()
            session.trust_env = False  # loopback: no proxy applies
            session.mount(site.base_url + "/", LoopbackAdapter())
        self.session = session

    def as_keys(self, api_key: str, app_key: str) -> MockApi:
        """The same site, seen with other keys."""
        return MockApi(self.site, api_key, app_key, self.session)

    def auth_headers(self) -> dict[str, str]:
        return {CONTRACT.api_key_header: self.keys[0], CONTRACT.app_key_header: self.keys[1]}

    def call(
        self,
        method: str,
        body: Any = _NO_BODY,
        *,
        raw: bytes | str | None = None,
        content_type: str | None = "application/json",
        auth: bool = True,
        headers: dict[str, str] | None = None,
        path: str | None = None,
        timeout: float = 10,
    ) -> requests.Response:
        """Send one request; ``body`` is sent as JSON, ``raw`` as given."""
        sent: dict[str, str] = dict(self.auth_headers()) if auth else {}
        data: bytes | str | None = None
        if body is not _NO_BODY:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        elif raw is not None:
            data = raw
        if data is not None and content_type is not None:
            sent["Content-Type"] = content_type
        sent.update(headers or {})
        url = self.site.base_url + (path or ACCOUNT_PATH)
        return self.session.request(method, url, data=data, headers=sent, timeout=timeout)

    def post(self, body: Any = _NO_BODY, **kwargs: Any) -> requests.Response:
        return self.call("POST", body, **kwargs)

    def patch(self, body: Any = _NO_BODY, **kwargs: Any) -> requests.Response:
        return self.call("PATCH", body, **kwargs)

    def get(self, **kwargs: Any) -> requests.Response:
        return self.call("GET", **kwargs)

    def delete(self, **kwargs: Any) -> requests.Response:
        return self.call("DELETE", **kwargs)


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER") is None:  # pytest's main process, before workers
        _unicode_tables_once()


def _unicode_tables_once() -> None:
    """Hypothesis works out which characters UTF-8 encodes (~4 s of CPU) the first time a
    process needs it, and keeps the table in its storage. On a machine that had never run the
    tests, every early process (both workers, their zygotes, the first notebook kernel) worked
    it out at once. Here pytest's main process does it first, and the others read it; a stored
    table is only read (~20 ms)."""
    try:
        from hypothesis.errors import HypothesisSideeffectWarning
        from hypothesis.internal.charmap import charmap, intervals_from_codec
    except ImportError:  # moved in another Hypothesis version: each process works it out
        return
    with warnings.catch_warnings():
        # Hypothesis' plugin ends its initialization after this hook, and warns of any slow
        # work before that: this one is slow on purpose, once, before the workers start.
        warnings.simplefilter("ignore", HypothesisSideeffectWarning)
        charmap()
        intervals_from_codec("utf-8")


@pytest.fixture(autouse=True, scope="module")
def _secrets_stay_in_their_module() -> Iterator[None]:
    """What a test module registers as secret is forgotten when the module ends. The registry
    is process-wide, and redaction looks for every secret in every text: a worker that had
    kept the ~400 generated keys of the modules before it took 27-43 s, instead of 2 s, to
    redact the 33 MiB body of one proxy test's reproduction."""
    before = SECRETS.secrets
    yield
    SECRETS.clear()
    SECRETS.add(*before)


@pytest.fixture(scope="session")
def mock_shared_site() -> Iterator[MockSite]:
    """One mock site for the whole session (stopping a site costs up to half a second)."""
    with MockSite() as site:
        yield site


@pytest.fixture
def mock_fresh_site(mock_shared_site: MockSite) -> MockSite:
    """The shared mock site, healthy: no faults, no rate limit, only the default organisation."""
    mock_shared_site.set_faults([])
    mock_shared_site.set_rate_limit(None)
    mock_shared_site.reset()
    return mock_shared_site


@pytest.fixture
def mock_api(mock_fresh_site: MockSite) -> MockApi:
    """A client of the healthy shared mock site, with the default organisation's keys."""
    return MockApi(mock_fresh_site)


@pytest.fixture(scope="session")
def mock_client() -> type[MockApi]:
    """Build a client for a mock site of the test's own: ``mock_client(site, api, app)``."""
    return MockApi


@pytest.fixture
def mock_no_key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No DD_API_KEY / DD_APP_KEY in the environment."""
    for name in KEY_ENV_VARS:
        monkeypatch.delenv(name, raising=False)


#: The order in which modules start (the rest follow in collection order). With ``--dist
#: loadfile --no-loadscope-reorder`` pytest-xdist hands modules to its two workers in this
#: order. The proof comes first: its pool keeps two suite runs going, enough for both CPUs.
#: Beside it, the other worker takes the modules that mostly wait (for subprocesses, timeouts,
#: servers stopping), whose idle time the proof's runs fill. The long CPU-bound modules
#: follow; the many short ones fill in at the end. Measured in session 8, each module alone:
#: CPU-seconds, and in brackets the seconds it waited (wall minus CPU).
FIRST = (
    "test_suite_proof.py",  # 63
    "test_proxy.py",  # 4 (5)
    "test_proxy_cli.py",  # 11 (5)
    "test_generation.py",  # 4 (3)
    "test_proxy_robustness.py",  # 7 (2)
    "test_mock_robustness.py",  # (mostly waits for timeouts)
    "test_preflight.py",  # 2 (2)
    "test_notebook_explorer.py",  # 2 (2)
    "test_mock_faults.py",  # 11 (2)
    "test_cli_serve.py",  # 7 (2)
    "test_runner_stale_reports.py",  # (waits for the runs it kills)
    "test_served_faults.py",  # 35 (session 9: every fault served and run)
    "test_notebooks.py",  # 30
    "test_live_safety.py",  # 27
    "test_runner.py",  # 16
    "test_multi_site.py",  # 14
    "test_secrets.py",  # 13
    "test_redact.py",  # 10
    "test_packaging.py",
    "test_cli_arguments.py",
    "test_entry_point.py",  # (session 10: pytest in empty folders, ~10 s)
    "test_example_db.py",  # (session 10: five runs in a row, ~9 s)
    "test_howto_fixtures.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: place for place, name in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: modules stay whole


def pytest_collection_finish(session: pytest.Session) -> None:
    # What collection built lives as long as the process: frozen, later full collections no
    # longer walk it (full collections took ~1.7 of the ~2.5 CPU-s that the two workers spent
    # in the garbage collector during a run).
    gc.freeze()
    gc.set_threshold(*_GC_THRESHOLDS)
