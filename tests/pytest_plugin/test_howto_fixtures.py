"""How to write your own contract-aware tests with the toolkit's fixtures: each test below
runs, with pytester, a test file a team would keep in its own repository (copy the strings).

- ``statuspage_client``: a client of the chosen site (the test's own embedded mock by default,
  or ``--statuspage-site``) that judges every exchange by the contract and fails the test with
  ``ContractViolation`` naming the broken rule.
- ``statuspage_mock``: that embedded mock (URL, keys, ``set_faults``, state), built from
  configuration fixtures a team overrides: ``statuspage_mock_faults`` (default ``()``),
  ``statuspage_mock_keys``, ``statuspage_mock_rate_limit``, ``statuspage_client_settings``.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

#: A plain contract-aware test: create the account, read it back, delete it. Every response is
#: judged by every rule of the contract; the test only says what it is about.
PLAIN = """
def test_create_read_delete(statuspage_client):
    created = statuspage_client.create()
    assert created.status == 201
    assert statuspage_client.get().status == 200
    assert statuspage_client.delete().status == 204


def test_the_mock_is_the_tests_own(statuspage_mock, statuspage_client):
    assert statuspage_client.base_url == statuspage_mock.base_url
    assert statuspage_mock.base_url.startswith("http://127.0.0.1:")
"""

#: Turn a fault of the mock on by overriding a configuration fixture (in a conftest.py, a
#: module or a class): the client's test fails, and the failure names the broken rule.
FAULT = """
import pytest


@pytest.fixture
def statuspage_mock_faults():
    return ("unmasked-api-key",)  # 2xx bodies return the api_key verbatim


def test_create(statuspage_client):
    statuspage_client.create()
"""

#: Switch a fault mid-test, and judge without failing at once: ``judge.raise_on_violation = False``
#: records the verdicts on the exchange.
MID_TEST = """
def test_a_fault_switched_on_mid_test(statuspage_mock, statuspage_client):
    assert statuspage_client.create().status == 201
    statuspage_mock.set_faults(["unmasked-api-key"])
    statuspage_client.judge.raise_on_violation = False
    exchange = statuspage_client.get()
    broken = [v.rule for v in exchange.verdicts if not v.passed]
    assert broken == ["api-key-masked"]
"""


def run(pytester: pytest.Pytester, source: str) -> pytest.RunResult:
    """The team's file run as the team runs it: ``pytest`` in its folder, the toolkit
    installed (the entry point loads it; no conftest, no option)."""
    pytester.makepyfile(test_team=source)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "statuspage_contract")


def test_a_plain_contract_aware_test_passes(pytester: pytest.Pytester) -> None:
    result = run(pytester, PLAIN)
    result.assert_outcomes(passed=2)


def test_overriding_a_config_fixture_turns_a_fault_on_and_the_rule_is_named(
    pytester: pytest.Pytester,
) -> None:
    result = run(pytester, FAULT)
    result.assert_outcomes(failed=1)
    assert "ContractViolation: [api-key-masked] api_key is returned unmasked" in result.stdout.str()


def test_a_fault_switched_on_mid_test_is_judged(pytester: pytest.Pytester) -> None:
    run(pytester, MID_TEST).assert_outcomes(passed=1)
