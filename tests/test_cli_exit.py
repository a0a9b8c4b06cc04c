"""The console script ends promptly, and loses nothing on the way out
(``statuspage_contract.cli.entry``).

It skips the interpreter's teardown, so these tests check what that teardown would have done
for a program: its output is flushed into a pipe, exit handlers run, the exit code is the
command's, and a thread that is not a daemon is waited for.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from importlib.metadata import entry_points

import pytest


def run_entry(prelude: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``statuspage-contract ARGS`` through ``statuspage_contract.cli.entry``, after ``prelude``."""
    code = (
        f"import sys\n{prelude}\n"
        "from statuspage_contract.cli import entry\n"
        f"sys.argv = ['statuspage-contract', *{list(args)!r}]\n"
        "entry()\n"
        "print('not reached')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    with tempfile.TemporaryDirectory() as cwd:  # even a refused `run` clears ./reports
        return subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            cwd=cwd,
        )


def test_the_console_script_is_the_prompt_entry() -> None:
    (script,) = entry_points(group="console_scripts", name="statuspage-contract")
    assert script.value == "statuspage_contract.cli:entry"


def test_output_reaches_a_pipe_and_exit_handlers_run() -> None:
    done = run_entry("import atexit; atexit.register(print, 'exit handler ran')", "sites")
    assert done.returncode == 0, done.stderr
    assert "datadoghq.eu" in done.stdout
    assert done.stdout.rstrip().endswith("exit handler ran")
    assert "not reached" not in done.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--version",), 0, "statuspage-contract"),
        (("run", "--site", "nowhere.example"), 2, "unknown site"),
        (("run", "--examples", "0"), 2, "--examples must be 1 to"),
    ],
)
def test_the_exit_code_is_the_commands(args: tuple[str, ...], code: int, message: str) -> None:
    done = run_entry("", *args)
    assert done.returncode == code, done.stderr
    assert message in done.stdout + done.stderr


def test_a_thread_that_is_not_a_daemon_is_waited_for() -> None:
    prelude = (
        "import threading, time\n"
        "def work():\n"
        "    time.sleep(0.3)\n"
        "    print('thread finished', flush=True)\n"
        "threading.Thread(target=work).start()"
    )
    done = run_entry(prelude, "--version")
    assert done.returncode == 0, done.stderr
    assert "thread finished" in done.stdout
