"""Opening a target: the keys, or a bearer token in their place (DD_BEARER_TOKEN)."""

from __future__ import annotations

import pytest

from statuspage_contract.errors import TargetError
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
