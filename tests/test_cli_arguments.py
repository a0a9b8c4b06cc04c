"""Bad arguments are refused before anything is sent: one line, exit 2, at once.

Every option of every subcommand is tried with the values a person gets wrong (a file where a
directory goes, a directory that cannot be made or written, zero, negative, huge and
not-a-number values, bad URLs, unknown names, an option given twice, bytes that are not UTF-8)
the way a user types them, as ``statuspage-contract ARGS`` in a process of its own
(tests/cli_runner.py forks it from a process that imported the toolkit, so the time measured
is the command's own). The same report-directory mistakes through plain ``pytest`` with the
plugin are pytest's usage error (exit 4), in one line.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_runner import REPO, run_cli

from statuspage_contract.suite import SUITE_DIR

#: A refused command answers in well under this (the forked process does not import anew).
QUICK = 1.0
NOT_UTF8 = os.fsdecode(b"\xff\xfe")  # what Python makes of such bytes in sys.argv
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Files and directories the cases name, and a listening socket that must stay silent."""
    run_cli(["--version"])  # start the process the commands are forked from: not timed
    base = tmp_path_factory.mktemp("args")
    (base / "a-file.txt").write_text("not a directory\n")
    (base / "empty-dir").mkdir()
    (base / "latin1.toml").write_bytes(b'# caf\xe9\n[[waiver]]\nrule = "x"\n')
    (base / "bad.toml").write_text("[[waiver]\n")
    (base / "unknown-rule.toml").write_text(
        '[[waiver]]\nrule = "no-such-rule"\nreason = "r"\nexpires = 2999-01-01\n'
    )
    (base / "report.json").write_text("{}")
    locked = base / "locked"
    locked.mkdir()
    (locked / "waivers.toml").write_text("")
    locked.chmod(0o500)
    (base / "unreadable.toml").write_text("")
    (base / "unreadable.toml").chmod(0o000)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        yield {"base": str(base), "url": url, "listener": str(listener.fileno())}
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):  # nothing ever connected to the site
            listener.accept()
        locked.chmod(0o700)


#: (arguments, a fragment of the one line that must say what is wrong). {base} is a scratch
#: directory with the files of ``scene``; {url} is a site that must never be reached.
CASES: list[tuple[tuple[str, ...], str]] = [
    # the report directory
    (("run", "--site", "{url}", "--report-dir", "{base}/a-file.txt"), "is a file"),
    (("run", "--site", "{url}", "--report-dir", "{base}/a-file.txt/sub"), "cannot create"),
    (("run", "--site", "{url}", "--report-dir", "/proc/nope"), "cannot create"),
    (("run", "--site", "{url}", "--report-dir", "/proc"), "cannot write"),
    (("run", "--site", "{url}", "--report-dir", ""), "empty"),
    (("run", "--site", "{url}", "--report-dir", f"{{base}}/{NOT_UTF8}"), "not UTF-8"),
    (("run", "--site", "{url}", "--report-dir", "a", "--report-dir", "b"), "given twice"),
    # numbers
    (("run", "--site", "{url}", "--examples", "0"), "--examples must be 1 to"),
    (("run", "--site", "{url}", "--examples", "-3"), "--examples must be 1 to"),
    (("run", "--site", "{url}", "--examples", "10000000000"), "--examples must be 1 to"),
    (("run", "--site", "{url}", "--examples", "many"), "invalid int value"),
    (("run", "--site", "{url}", "--request-budget", "-1"), "--request-budget must be"),
    (("run", "--site", "{url}", "--request-budget", "99999999999999"), "--request-budget"),
    (("run", "--site", "{url}", "--request-timeout", "0"), "--request-timeout must be"),
    (("run", "--site", "{url}", "--request-timeout", "nan"), "--request-timeout must be"),
    (("run", "--site", "{url}", "--request-timeout", "inf"), "--request-timeout must be"),
    (("run", "--site", "{url}", "--request-timeout", "1e12"), "--request-timeout must be"),
    (("run", "--site", "{url}", "--max-rate-wait", "-1"), "--max-rate-wait must be"),
    (("run", "--site", "{url}", "--max-rate-wait", "nan"), "--max-rate-wait must be"),
    (("run", "--site", "{url}", "--max-rate-wait", "1e300"), "--max-rate-wait must be"),
    (("run", "--site", "{url}", "--workers", "0"), "--workers must be"),
    (("run", "--site", "{url}", "--workers", "100000"), "--workers must be"),
    # names, choices, sites
    (("run", "--site", "{url}", "--profile", "quick"), "invalid choice"),
    (("run", "--site", "{url}", "--profile", "ci", "--profile", "fast"), "given twice"),
    (("run", "--site", "nowhere.example"), "unknown site"),
    (("run", "--site", "http://[::1"), "not a valid http(s) URL"),
    (("run", "--site", "http://127.0.0.1:99999"), "not a valid http(s) URL"),
    (("run", "--site", "http://a host/"), "not a valid http(s) URL"),
    (("run", "--site", "ftp://example.com"), "not an http(s) URL"),
    (("run", "--site", f"http://{NOT_UTF8}/"), "not a valid http(s) URL"),
    (("run", "--site", NOT_UTF8), "unknown site"),
    (("run", "--site", "{url}", "--mock-fault", "no-such-fault"), "unknown fault"),
    (("run", "--site", "{url}", "--mock-fault", "unmasked-api-key"), "--site mock only"),
    (("run", "--site", "{url}", "-k", "reference and ("), "-k"),
    (("run", "--site", "{url}", "--bogus"), "unrecognized arguments"),
    (
        ("run", "--site", "{url}", "--report-dir", "{base}/r", "--", "-p", "no_such_plugin_x"),
        "pytest could not start",
    ),
    # waivers files
    (("run", "--site", "{url}", "--waivers", "{base}/missing.toml"), "does not exist"),
    (("run", "--site", "{url}", "--waivers", "{base}/empty-dir"), "is a directory"),
    (("run", "--site", "{url}", "--waivers", "{base}/latin1.toml"), "not UTF-8"),
    (("run", "--site", "{url}", "--waivers", "{base}/bad.toml"), "not valid TOML"),
    (("run", "--site", "{url}", "--waivers", "{base}/unknown-rule.toml"), "no-such-rule"),
    # serve
    (("serve", "--port", "99999"), "a port is 0 to 65535"),
    (("serve", "--port", "-1"), "a port is 0 to 65535"),
    (("serve", "--port", "http"), "not a port number"),
    (("serve", "--port", "0", "--port", "1"), "given twice"),
    (("serve", "--rate-limit", "0"), "--rate-limit must be"),
    (("serve", "--rate-period", "0"), "--rate-period must be"),
    (("serve", "--fault", "no-such-fault"), "unknown fault"),
    (("serve", "--port", "0", "--host", "999.1.1.1"), "cannot listen"),
    # proxy
    (("proxy", "--port", "0", "--report-dir", "{base}/a-file.txt"), "is a file"),
    (("proxy", "--port", "0", "--report-dir", "/proc/nope"), "cannot create"),
    (("proxy", "--duration", "0"), "--duration"),
    (("proxy", "--duration", "nan"), "--duration"),
    (("proxy", "--duration", "inf"), "--duration"),
    (("proxy", "--requests", "-2"), "--requests"),
    (("proxy", "--timeout", "1e99"), "--timeout"),
    (("proxy", "--site", "http://[::1"), "not a valid http(s) URL"),
    (("proxy", "--site", "http://127.0.0.1:99999"), "not a valid http(s) URL"),
    (("proxy", "--mock-fault", "no-such-fault"), "unknown fault"),
    (("proxy", "--port", "0", "--host", "999.1.1.1"), "cannot listen"),
    # gate
    (("gate", "{base}/missing.json"), "does not exist"),
    (("gate", "{base}/empty-dir"), "does not exist"),
    (("gate", "{base}/a-file.txt"), "not valid JSON"),
    (("gate", "{base}/report.json", "--today", "2024-02-30"), "expected a date"),
    (("gate", "{base}/report.json", "--today", "2024-01-01", "--today", "2024-01-02"), "twice"),
    (("gate", "{base}/report.json", "--baseline", "{base}/missing.json"), ""),
    # sites, drift (no options of their own) and the command itself
    (("sites", "--all"), "unrecognized arguments"),
    (("drift", "--client", "x"), "unrecognized arguments"),
    ((), "required: COMMAND"),
    (("deploy",), "invalid choice"),
]
if not AS_ROOT:  # root reads and writes whatever the permissions say
    CASES += [
        (("run", "--site", "{url}", "--report-dir", "{base}/locked"), "cannot write"),
        (("run", "--site", "{url}", "--report-dir", "{base}/locked/new"), "cannot create"),
        (("run", "--site", "{url}", "--waivers", "{base}/unreadable.toml"), "cannot read"),
    ]


def _fill(args: tuple[str, ...], scene: dict[str, str]) -> list[str]:
    return [a.replace("{base}", scene["base"]).replace("{url}", scene["url"]) for a in args]


@pytest.mark.parametrize(("args", "says"), CASES, ids=[" ".join(a) or "(none)" for a, _ in CASES])
def test_a_bad_argument_is_one_line_exit_2_at_once(
    args: tuple[str, ...], says: str, scene: dict[str, str], tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    env.update(DD_API_KEY=secrets.token_hex(16), DD_APP_KEY=secrets.token_hex(20))
    started = time.monotonic()
    done = run_cli(_fill(args, scene), cwd=tmp_path, env=env, timeout=30)
    took = time.monotonic() - started
    lines = done.stderr.splitlines()
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr and "INTERNALERROR" not in done.stderr
    assert lines[0].startswith("statuspage-contract"), lines[0]
    assert ": error: " in lines[0]
    assert says in lines[0]
    assert "test session starts" not in done.stdout
    assert not list(tmp_path.iterdir()), "a refused command wrote into its working directory"
    assert took < QUICK, f"took {took:.2f} s"


#: The same mistakes through plain pytest with the plugin: pytest's own usage error (exit 4).
PYTEST_CASES = [
    (("--report-dir", "{base}/a-file.txt"), "is a file"),
    (("--report-dir", "/proc/nope"), "cannot create"),
    (("--request-timeout", "nan"), "--request-timeout must be"),
    (("--site", "http://[::1"), "not a valid http(s) URL"),
    (("--contract-waivers", "{base}/missing.toml"), "does not exist"),
]


@pytest.mark.parametrize(("args", "says"), PYTEST_CASES, ids=[a[0] for a, _ in PYTEST_CASES])
def test_plain_pytest_refuses_the_same_in_one_line(
    args: tuple[str, ...], says: str, scene: dict[str, str]
) -> None:
    command = [sys.executable, "-m", "pytest", str(SUITE_DIR), "-n", "0", "-p", "no:cacheprovider"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    done = subprocess.run(
        [*command, *_fill(args, scene)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = (done.stdout + done.stderr).strip().splitlines()
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert len(output) == 1, output
    assert output[0].startswith("ERROR: ") and says in output[0]
    assert "INTERNALERROR" not in done.stderr
