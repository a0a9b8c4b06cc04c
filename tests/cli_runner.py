"""Run ``statuspage-contract`` commands for the tests, without paying Python's start-up each time.

A suite run started as ``python -m statuspage_contract.cli run ...`` spends about 2.5 CPU-seconds
importing pytest, Schemathesis, Hypothesis and the toolkit before it sends a request, and the proof
tests start dozens of them. Here one *zygote* process per test process imports all that once, then
forks a child for each command, as many at a time as the test's threads ask for: the child is
the same program (``statuspage_contract.cli.main``) in a fresh process of its own, with its own
working directory, environment, stdout and stderr, and exit code. Only the imports are shared,
copy-on-write.

``run_cli`` has the shape of ``subprocess.run(..., capture_output=True, text=True)``. Tests that
must signal the run's process (Ctrl-C, SIGTERM) keep starting it with ``subprocess`` themselves.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import json
import os
import queue
import select
import signal
import subprocess
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
#: What the zygote imports before forking: everything a suite run needs, its plugins included
#: (``run`` has pytest import them with plain asserts, so pytest reuses these modules rather
#: than rewriting them). Not the suite's test modules: Hypothesis fixes a test's settings when
#: it decorates it, and each run loads its own profile before collecting.
PRELOAD = (
    "statuspage_contract.cli",
    "statuspage_contract.runner",
    "statuspage_contract.generation",
    "statuspage_contract.scenarios",
    "statuspage_contract.mock.server",
    "statuspage_contract.report.build",
    "statuspage_contract.report.html",
    "statuspage_contract.pytest_plugin.plugin",
    "_hypothesis_pytestplugin",
    "hypothesis",
    "jsonschema_rs",
    "pytest",
    "schemathesis",
    "xdist",
)


# -- the zygote (runs in its own process) ----------------------------------------------------
def _child(job: dict[str, Any]) -> None:
    """In the forked child: become ``statuspage-contract ARGS`` and exit with its code."""
    code: Any = 70
    try:
        os.setsid()
        os.chdir(job["cwd"])
        os.environ.clear()
        os.environ.update(job["env"])
        with open(os.devnull, "rb") as devnull:
            os.dup2(devnull.fileno(), 0)
        for fd, path in ((1, job["out"]), (2, job["err"])):
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(handle, fd)
            os.close(handle)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _fresh_randomness()
        sys.argv = ["statuspage-contract", *job["args"]]
        from statuspage_contract.cli import main

        code = main(job["args"])
    except SystemExit as exc:
        code = exc.code
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code if isinstance(code, int) else (0 if code is None else 1))


def _fresh_randomness() -> None:
    """A fork shares the zygote's random state, Hypothesis' global generator included (the
    warm-up made it): every unseeded run (``--example-db`` passes no seed) drew the same
    examples as every other. Each child starts its own, as a new process would."""
    import random

    from hypothesis import core

    random.seed()
    core.threadlocal._hypothesis_global_random = None


def _warm_hypothesis() -> None:
    """Pay once, before forking, what each run's first generated case costs Hypothesis:
    describing Schemathesis' strategies (it parses a source file to word a lambda; ~0.15 s),
    registering its random generator (a full garbage collection; ~0.1 s) and collecting the
    constants of the loaded local modules (it adds those of modules loaded later)."""
    from hypothesis import HealthCheck, Phase, find, settings

    from statuspage_contract import generation

    generation.schema()  # the contract as a Schemathesis schema: imports most of Schemathesis
    once = settings(
        database=None,
        max_examples=1,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    for method, valid in (("POST", True), ("POST", False), ("PATCH", True)):
        find(generation.cases(method, valid=valid), lambda _: True, settings=once)


def _scan_for_local_constants() -> None:
    """Have Hypothesis look, once, at the modules imported since the warm-up for constants of
    local code. Left to each child, the first generation of each run walked the ~950 modules
    again (~0.12 s of a run's ~0.3 s before its first test)."""
    try:
        from hypothesis.internal.conjecture.providers import _get_local_constants
    except ImportError:  # moved in another Hypothesis version: each child scans for itself
        return
    _get_local_constants()


def _serve() -> None:
    """The zygote: import once, then fork a child per job line read from stdin."""
    import importlib

    # First, before Hypothesis' pytest plugin is imported: from then on until a pytest session
    # configures it, Hypothesis warns about any generation as a plugin's slow side effect.
    _warm_hypothesis()
    from hypothesis.errors import HypothesisSideeffectWarning

    with warnings.catch_warnings():
        # Loading the plugin restarts Hypothesis' initialization, which then reports the
        # warm-up's generation as a plugin's side effect: it is none.
        warnings.simplefilter("ignore", HypothesisSideeffectWarning)
        for name in PRELOAD:
            importlib.import_module(name)
    _scan_for_local_constants()
    print(json.dumps({"ready": os.getpid()}), flush=True)
    _fork_jobs()


def _fork_jobs() -> None:
    """Fork a child per job line on stdin, at once, and report each child's exit by job id:
    one zygote serves every thread of the test process, however many jobs run at a time."""
    children: dict[int, Any] = {}  # pid -> job id
    pending = b""
    stdin_open = True
    while stdin_open or children:
        # While children run, wake up now and then to collect those that ended.
        waiting = [0] if stdin_open else []
        ready, _, _ = select.select(waiting, [], [], 0.005 if children else None)
        if ready:
            data = os.read(0, 65536)
            stdin_open = bool(data)
            pending += data
            *lines, pending = pending.split(b"\n")
            for line in lines:
                job = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    _child(job)
                children[pid] = job["id"]
                print(json.dumps({"id": job["id"], "pid": pid}), flush=True)
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            code = os.waitstatus_to_exitcode(status)
            print(json.dumps({"id": children.pop(pid), "code": code}), flush=True)


# -- the client (runs in the tests) ----------------------------------------------------------
class _Zygote:
    """The zygote of this test process, shared by its threads: each job gets an id, and a
    reader thread hands each message to the job it names."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], 120)
        if not ready or "ready" not in json.loads(self.proc.stdout.readline() or "{}"):
            self.close()
            raise RuntimeError("the zygote did not start")
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._inboxes: dict[int, queue.Queue[dict[str, Any]]] = {}
        threading.Thread(target=self._read, daemon=True, name="zygote-reader").start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            message = json.loads(line)
            with self._lock:
                inbox = self._inboxes.get(message["id"])
            if inbox is not None:
                inbox.put(message)
        with self._lock:  # the zygote died: nobody waits forever
            for inbox in self._inboxes.values():
                inbox.put({"died": True})

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def run(self, job: dict[str, Any], timeout: float) -> int:
        inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        with self._lock:
            job_id = next(self._ids)
            self._inboxes[job_id] = inbox
            assert self.proc.stdin is not None
            self.proc.stdin.write(json.dumps({**job, "id": job_id}) + "\n")
            self.proc.stdin.flush()
        try:
            child = self._next(inbox, 30)["pid"]
            try:
                return int(self._next(inbox, timeout)["code"])
            except TimeoutError:
                os.killpg(child, signal.SIGKILL)
                self._next(inbox, 30)
                raise
        finally:
            with self._lock:
                del self._inboxes[job_id]

    @staticmethod
    def _next(inbox: queue.Queue[dict[str, Any]], timeout: float) -> dict[str, Any]:
        try:
            message = inbox.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError from None
        if message.get("died"):
            raise RuntimeError("the zygote died")
        return message

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


_zygote: _Zygote | None = None
_lock = threading.Lock()


def _the_zygote() -> _Zygote:
    """This process' zygote, started on first use (and again if it died)."""
    global _zygote
    with _lock:
        if _zygote is None or not _zygote.alive:
            _zygote = _Zygote()
        return _zygote


@atexit.register
def _close() -> None:
    if _zygote is not None:
        _zygote.close()


def run_cli(
    args: Sequence[str],
    *,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """``statuspage-contract ARGS`` in a fresh (forked) process: its exit code and output."""
    with tempfile.TemporaryDirectory(prefix="cli-run-") as scratch:
        out, err = Path(scratch) / "stdout", Path(scratch) / "stderr"
        job = {
            "args": [str(a) for a in args],
            "cwd": str(cwd or os.getcwd()),
            "env": dict(os.environ if env is None else env),
            "out": str(out),
            "err": str(err),
        }
        try:
            code = _the_zygote().run(job, timeout)
        except TimeoutError:
            command = ["statuspage-contract", *job["args"]]
            raise subprocess.TimeoutExpired(command, timeout) from None
        return subprocess.CompletedProcess(
            ["statuspage-contract", *job["args"]],
            code,
            out.read_text(encoding="utf-8", errors="replace"),
            err.read_text(encoding="utf-8", errors="replace"),
        )


#: Runs started with :func:`submit_cli` go two at a time.
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="cli-run")


def submit_cli(
    args: Sequence[str],
    *,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
) -> Future[subprocess.CompletedProcess[str]]:
    """:func:`run_cli` in the background: a future of its result."""
    return _POOL.submit(run_cli, args, cwd=cwd, env=env, timeout=timeout)


def modules_in_junit_order(report_dir: Path) -> list[str]:
    """The suite's module names in the order a run ran their tests (its junit.xml keeps it)."""
    import xml.etree.ElementTree as ET

    out: list[str] = []
    for case in ET.parse(report_dir / "junit.xml").iter("testcase"):
        name = case.get("classname", "").split(".")[-1] + ".py"
        if not out or out[-1] != name:
            out.append(name)
    return out


if __name__ == "__main__" and sys.argv[1:] == ["--serve"]:
    _serve()


@contextlib.contextmanager
def serving(command: Sequence[str], env: Mapping[str, str]) -> Iterator[str]:
    """Start a server process that prints its base URL last on its first line (``serve
    --port 0``, tests/alt_server.py); yield that URL; stop the process after."""
    proc = subprocess.Popen(list(command), stdout=subprocess.PIPE, text=True, env=dict(env))
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        url = first.split()[-1] if first else ""
        assert url.startswith("http://127.0.0.1:"), first
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
