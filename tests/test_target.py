"""Opening a target: the keys, or a bearer token in their place (DD_BEARER_TOKEN)."""

from __future__ import annotations

import json
import os
import secrets

import pytest
from cli_runner import run_cli

from statuspage_contract.errors import TargetError
from statuspage_contract.mock import MockSite
from statuspage_contract.redact import SECRETS, redact
from statuspage_contract.target import open_target

TOKEN = "bearer-token-of-the-test-5f0c1e"


@pytest.fixture
def no_dd_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("DD_API_KEY", "DD_APP_KEY", "DD_APP_KEY_READ_ONLY", "DD_BEARER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_a_live_site_needs_the_keys_or_a_bearer_token(no_dd_env):
    with pytest.raises(TargetError, match="DD_BEARER_TOKEN"):
        open_target("http://127.0.0.1:9")
    no_dd_env.setenv("DD_BEARER_TOKEN", TOKEN)
    target = open_target("http://127.0.0.1:9")
    assert target.bearer_token == TOKEN and target.api_key is None
    assert TOKEN not in repr(target)
    assert TOKEN not in redact(f"Authorization: Bearer {TOKEN}")  # registered as a secret


def test_the_embedded_mock_knows_the_runs_bearer_token(no_dd_env):
    no_dd_env.setenv("DD_BEARER_TOKEN", TOKEN)
    target = open_target("mock")
    try:
        assert target.bearer_token == TOKEN
        assert target.mock is not None and target.mock.bearer_token == TOKEN
    finally:
        target.stop()
    assert TOKEN in SECRETS


def test_a_run_with_only_a_bearer_token_holds_on_the_mock_and_on_a_served_mock_by_url(tmp_path):
    """One run of two sites with DD_BEARER_TOKEN and no key: the embedded mock, and a served
    mock whose keys the run does not know (only the token lets it in). Both hold, and the
    token is written nowhere."""
    token = f"bearer-{secrets.token_hex(16)}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    env["DD_BEARER_TOKEN"] = token
    keys = secrets.token_hex(16), secrets.token_hex(20)
    with MockSite(api_key=keys[0], app_key=keys[1], bearer_token=token) as site:
        cmd = ["run", "--site", "mock", "--site", site.base_url, "--allow-mutations"]
        done = run_cli([*cmd, "--report-dir", str(tmp_path)], env=env, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    combined = json.loads((tmp_path / "contract-report.json").read_text())
    assert {s["decision"]["verdict"] for s in combined["sites"].values()} == {"HOLDS"}
    assert set(combined["sites"]) == {"mock", site.base_url}
    assert token not in output
    for path in tmp_path.rglob("*"):
        assert not path.is_file() or token.encode() not in path.read_bytes(), path
