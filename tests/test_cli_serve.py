"""The ``sites`` and ``serve`` commands, run as a user runs them: in a subprocess."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from cli_runner import run_cli as zygote_run_cli

from statuspage_contract.mock import DEMO_API_KEY, DEMO_APP_KEY, FAULTS
from statuspage_contract.mock.server import READ_ONLY_BEARER_TOKEN_ENV
from statuspage_contract.mock.state import DEMO_BEARER_TOKEN
from statuspage_contract.sites import site_names
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
REPO_ROOT = Path(__file__).resolve().parents[1]
ACCOUNT_PATH = "/api/v2/integration/statuspage/account"
URL_LINE = re.compile(r"(http://127\.0\.0\.1:\d+)\s*$")


def cli_env(**overrides: str | None) -> dict[str, str]:
    """The current environment without DD_* keys or site, plus the given overrides."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    env["PYTHONUNBUFFERED"] = "1"
    for name, value in overrides.items():
        if value is not None:
            env[name] = value
    return env


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    """A command that ends on its own (an error, a listing), forked from the tests' zygote."""
    return zygote_run_cli(args, cwd=REPO_ROOT, env=env or cli_env(), timeout=timeout)


class Served:
    """A ``serve`` process; its first stdout line gives the base URL."""

    def __init__(self, *args: str, env: dict[str, str] | None = None):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "statuspage_contract.cli", "serve", "--port", "0", *args],
            cwd=REPO_ROOT,
            env=env or cli_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # never hang the test run on a server that prints nothing
        self._watchdog = threading.Timer(20, self.process.kill)
        self._watchdog.start()
        first = self.process.stdout.readline()
        match = URL_LINE.search(first)
        if not match:
            self.process.kill()
            _, err = self.process.communicate(timeout=10)
            raise AssertionError(f"no base URL on the first line: {first!r}; stderr: {err}")
        self.first_line = first
        self.base_url = match.group(1)
        self.more_lines = [first]
        while "Ctrl-C" not in self.more_lines[-1]:
            line = self.process.stdout.readline()
            if not line:
                break
            self.more_lines.append(line)

    @property
    def banner(self) -> str:
        return "".join(self.more_lines)

    def interrupt(self, timeout: float = 5) -> tuple[int, str, str]:
        """Ctrl-C, once the server is surely serving (a request got an answer)."""
        requests.get(self.base_url + "/", timeout=5)
        self.process.send_signal(signal.SIGINT)
        out, err = self.process.communicate(timeout=timeout)
        return self.process.returncode, out, err

    def close(self) -> None:
        self._watchdog.cancel()
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate(timeout=10)


@pytest.fixture
def mock_served():
    started: list[Served] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Served:
        served = Served(*args, env=env)
        started.append(served)
        return served

    yield start
    for served in started:
        served.close()


# -- sites ----------------------------------------------------------------------------------


def test_sites_lists_the_mock_and_all_nine_datadog_sites():
    result = run_cli("sites")
    assert result.returncode == 0, result.stderr
    names = {line.split()[0] for line in result.stdout.splitlines() if line.strip()}
    assert set(site_names()) <= names
    assert "mock" in names
    assert len(site_names()) == 10
    assert "https://api.datadoghq.eu" in result.stdout


# -- serve --list-faults --------------------------------------------------------------------


def test_serve_list_faults_prints_one_line_per_fault_starting_with_its_name():
    result = run_cli("serve", "--list-faults")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(FAULTS)
    assert [line.split()[0] for line in lines] == list(FAULTS)


# -- serve ----------------------------------------------------------------------------------


def test_serve_prints_its_base_url_first_serves_it_and_exits_0_on_ctrl_c(mock_served):
    served = mock_served("--quiet")
    assert served.first_line.startswith("statuspage-contract mock site at http://127.0.0.1:")
    headers = {"DD-API-KEY": DEMO_API_KEY, "DD-APPLICATION-KEY": DEMO_APP_KEY}
    response = requests.get(served.base_url + ACCOUNT_PATH, headers=headers, timeout=5)
    assert response.status_code == 404
    assert response.json() == {"errors": ["Statuspage account not found"]}
    started = time.monotonic()
    code, _, err = served.interrupt()
    assert code == 0, err
    assert time.monotonic() - started < 5
    assert "Traceback" not in err


def test_serve_with_a_fault_serves_that_fault(mock_served):
    served = mock_served("--quiet", "--fault", "unmasked-api-key")
    assert "faults: unmasked-api-key" in served.banner
    headers = {"DD-API-KEY": DEMO_API_KEY, "DD-APPLICATION-KEY": DEMO_APP_KEY}
    body = {"data": {"attributes": {"api_key": "sp-visible"}, "type": "statuspage-account"}}
    response = requests.post(served.base_url + ACCOUNT_PATH, json=body, headers=headers, timeout=5)
    assert response.json()["data"]["attributes"]["api_key"] == "sp-visible"
    assert served.interrupt()[0] == 0


def test_serve_with_a_rate_limit_sends_the_rate_limit_headers(mock_served):
    served = mock_served("--quiet", "--rate-limit", "1", "--rate-period", "30")
    assert "rate limit: 1 requests per 30 s" in served.banner
    headers = {"DD-API-KEY": DEMO_API_KEY, "DD-APPLICATION-KEY": DEMO_APP_KEY}
    url = served.base_url + ACCOUNT_PATH
    assert requests.get(url, headers=headers, timeout=5).status_code == 404
    limited = requests.get(url, headers=headers, timeout=5)
    assert limited.status_code == 429
    assert limited.headers["X-RateLimit-Period"] == "30"
    assert served.interrupt()[0] == 0


def test_serve_with_access_log_logs_requests_to_stderr_without_keys(mock_served):
    served = mock_served("--access-log")
    headers = {"DD-API-KEY": DEMO_API_KEY, "DD-APPLICATION-KEY": DEMO_APP_KEY}
    requests.get(served.base_url + ACCOUNT_PATH, headers=headers, timeout=5)
    code, _, err = served.interrupt()
    assert code == 0
    assert f'GET {ACCOUNT_PATH}" 404' in err
    assert DEMO_API_KEY not in err and DEMO_APP_KEY not in err


def test_serve_logs_no_requests_by_default(mock_served):
    served = mock_served()
    headers = {"DD-API-KEY": DEMO_API_KEY, "DD-APPLICATION-KEY": DEMO_APP_KEY}
    requests.get(served.base_url + ACCOUNT_PATH, headers=headers, timeout=5)
    code, _, err = served.interrupt()
    assert code == 0
    assert ACCOUNT_PATH not in err


def test_the_access_log_never_writes_control_characters_from_a_request(mock_served):
    served = mock_served("--access-log")
    host, port = served.base_url.removeprefix("http://").split(":")
    for target in (b"/%1b[31mred%07", b"/\x1b[31mred"):  # encoded, and raw (refused: 400)
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert sock.recv(4096).split(b" ")[1] in (b"404", b"400")
    code, _, err = served.interrupt()
    assert code == 0
    assert "\x1b" not in err and "\x07" not in err
    assert '"GET /%1b[31mred%07" 404' in err  # logged as sent, percent-encoded


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--fault", "no-such-fault"], id="unknown-fault"),
        pytest.param(["--fault", "unmasked-api-key", "--fault", "bogus"], id="one-unknown"),
        pytest.param(["--rate-limit", "0"], id="rate-limit-0"),
        pytest.param(["--rate-period", "0"], id="rate-period-0"),
    ],
)
def test_serve_refuses_bad_options_with_exit_2_and_a_one_line_error(args):
    result = run_cli("serve", "--port", "0", *args, timeout=15)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("statuspage-contract serve: error:")
    assert "Traceback" not in result.stderr


def test_an_unknown_fault_error_lists_the_valid_faults():
    result = run_cli("serve", "--port", "0", "--fault", "no-such-fault", timeout=15)
    assert "no-such-fault" in result.stderr
    for name in FAULTS:
        assert name in result.stderr


def test_serve_refuses_a_port_in_use_with_exit_2(mock_fresh_site):
    result = run_cli("serve", "--port", str(mock_fresh_site.port), timeout=15)
    assert result.returncode == 2
    assert "cannot listen" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_serve_refuses_an_impossible_port_in_one_line(port):
    result = run_cli("serve", "--port", port, timeout=15)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "--port" in result.stderr.strip().splitlines()[-1]


def test_serve_prints_copy_paste_export_lines_for_the_demo_keys(mock_served):
    served = mock_served("--quiet", env=cli_env())
    assert f"export DD_API_KEY={DEMO_API_KEY}" in served.banner
    assert f"export DD_APP_KEY={DEMO_APP_KEY}" in served.banner
    assert f"export DD_BEARER_TOKEN={DEMO_BEARER_TOKEN}" in served.banner  # in their place
    served.interrupt()


# -- keys -----------------------------------------------------------------------------------


def test_serve_prints_the_demo_keys_when_dd_api_key_is_unset(mock_served):
    served = mock_served("--quiet", env=cli_env())
    assert DEMO_API_KEY in served.banner
    assert DEMO_APP_KEY in served.banner
    served.interrupt()


def test_serve_never_prints_dd_keys_from_the_environment(mock_served):
    api_key = f"ddapi-{secrets.token_hex(16)}"
    app_key = f"ddapp-{secrets.token_hex(20)}"
    token = f"ddtoken-{secrets.token_hex(16)}"
    reader = f"ddreader-{secrets.token_hex(16)}"
    env = cli_env(
        DD_API_KEY=api_key,
        DD_APP_KEY=app_key,
        DD_BEARER_TOKEN=token,
        **{READ_ONLY_BEARER_TOKEN_ENV: reader},
    )
    served = mock_served(env=env)
    assert "from the environment" in served.banner
    assert READ_ONLY_BEARER_TOKEN_ENV in served.banner
    assert DEMO_API_KEY not in served.banner and DEMO_BEARER_TOKEN not in served.banner
    headers = {"DD-API-KEY": api_key, "DD-APPLICATION-KEY": app_key}
    response = requests.get(served.base_url + ACCOUNT_PATH, headers=headers, timeout=5)
    assert response.status_code == 404  # the environment's keys are the default org's keys
    bearer = CONTRACT.bearer.headers(token)  # and its DD_BEARER_TOKEN the org's token
    assert (
        requests.get(served.base_url + ACCOUNT_PATH, headers=bearer, timeout=5).status_code == 404
    )
    # DD_BEARER_TOKEN_READ_ONLY: the org's token that may read, not write
    reads = CONTRACT.bearer.headers(reader)
    settings = served.base_url + CONTRACT.url_settings.collection_path
    assert requests.get(settings, headers=reads, timeout=5).status_code == 200
    body = CONTRACT.url_settings.request_example(CONTRACT.url_settings.create.method)
    written = requests.post(settings, json=body, headers=reads, timeout=5)
    assert written.status_code == CONTRACT.url_settings.status.forbidden
    code, out, err = served.interrupt()
    assert code == 0
    everything = served.banner + out + err
    assert api_key not in everything
    assert app_key not in everything
    assert token not in everything
    assert reader not in everything


def test_a_run_with_only_a_bearer_token_holds_on_the_mock_and_on_a_served_mock(
    mock_served, tmp_path
):
    """``serve`` with DD_BEARER_TOKEN, then one run of two sites with that token and no key:
    the embedded mock and the served one by URL (whose demo keys the run does not have: only
    the token lets it in). Both hold, and the token is printed and written nowhere."""
    token = f"ddtoken-{secrets.token_hex(16)}"
    env = cli_env(DD_BEARER_TOKEN=token)
    served = mock_served("--quiet", env=env)
    served._watchdog.cancel()  # the run below may outlast it on a busy machine
    cmd = ["run", "--site", "mock", "--site", served.base_url, "--allow-mutations"]
    done = zygote_run_cli([*cmd, "--report-dir", str(tmp_path)], env=env, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    combined = json.loads((tmp_path / "contract-report.json").read_text())
    assert set(combined["sites"]) == {"mock", served.base_url}
    assert {s["decision"]["verdict"] for s in combined["sites"].values()} == {"HOLDS"}
    _, out, err = served.interrupt()
    assert token not in output + served.banner + out + err
    for path in tmp_path.rglob("*"):
        assert not path.is_file() or token.encode() not in path.read_bytes(), path
