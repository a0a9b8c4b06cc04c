"""The fixtures a team builds its own contract-aware tests on, in the pytest-httpserver style.

``statuspage_mock`` is an embedded mock site for one test (its URL, keys, fault switches and
state); ``statuspage_client`` is a :class:`~statuspage_contract.ContractClient` bound to the
chosen site (the mock by default, or ``--statuspage-site``) that judges every exchange and
fails the test with a ``ContractViolation`` naming the broken rule. Both are built from small
configuration fixtures a team overrides in its own ``conftest.py`` or test module::

    @pytest.fixture
    def statuspage_mock_faults():
        return ("unmasked-api-key",)

Only pytest and the standard library are imported here; the mock, the client and the
contract are imported when a test first uses a fixture.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ..judging import JudgedClient
    from ..mock.server import MockSite

#: The site ``statuspage_site`` names when ``--statuspage-site`` is not given.
MOCK = "mock"


@pytest.fixture
def statuspage_mock_faults() -> Sequence[str]:
    """Fault modes the test's embedded mock starts with, each breaking one contract rule
    (default: none; names: ``statuspage-contract serve --list-faults``). Override it to see
    a rule fail; ``statuspage_mock.set_faults([...])`` switches them mid-test."""
    return ()


@pytest.fixture
def statuspage_mock_keys() -> tuple[str, str]:
    """The API and application key the test's mock accepts (default: fresh random test keys,
    never the environment's DD_API_KEY / DD_APP_KEY)."""
    import secrets

    return secrets.token_hex(16), secrets.token_hex(20)


@pytest.fixture
def statuspage_mock_rate_limit() -> int | None:
    """Requests per minute the test's mock allows before it answers 429 (default: no limit)."""
    return None


@pytest.fixture
def statuspage_mock(
    statuspage_mock_faults: Sequence[str],
    statuspage_mock_keys: tuple[str, str],
    statuspage_mock_rate_limit: int | None,
) -> Iterator[MockSite]:
    """An embedded mock Statuspage site, started on 127.0.0.1 for this test and stopped after:
    ``.base_url``, ``.api_key`` / ``.app_key``, ``.set_faults()``, ``.state``,
    ``.add_organisation()``... Built from ``statuspage_mock_faults``, ``statuspage_mock_keys``
    and ``statuspage_mock_rate_limit``."""
    from ..mock.server import MockSite

    api_key, app_key = statuspage_mock_keys
    mock = MockSite(
        faults=tuple(statuspage_mock_faults),
        rate_limit=statuspage_mock_rate_limit,
        api_key=api_key,
        app_key=app_key,
    )
    with mock:
        yield mock


@pytest.fixture
def statuspage_site(request: pytest.FixtureRequest) -> str:
    """The site ``statuspage_client`` talks to: the first ``--statuspage-site`` (a Datadog site
    or a URL), else ``"mock"``: the test's own ``statuspage_mock``."""
    sites = request.config.getoption("statuspage_site", None)
    if not sites:
        return MOCK
    return str(request.getfixturevalue("contract_site_name"))


@pytest.fixture
def statuspage_client_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Keyword arguments of the test's :class:`ContractClient` (default: the
    ``--statuspage-request-timeout`` and ``--statuspage-max-rate-wait`` in force)."""
    config = request.config
    return {
        "timeout": config.getoption("statuspage_request_timeout", None) or 30.0,
        "max_rate_wait": config.getoption("statuspage_max_rate_wait", None) or 0.0,
    }


@pytest.fixture
def statuspage_client(
    request: pytest.FixtureRequest, statuspage_site: str, statuspage_client_settings: dict[str, Any]
) -> Iterator[JudgedClient]:
    """A client of the chosen site's account operations (``.create()``, ``.get()``,
    ``.update()``, ``.delete()``, ``.request()``) that judges every exchange by the contract's
    rules and fails the test with ``ContractViolation`` (``[rule] ...``) on a broken one.

    On the mock it is bound to the test's ``statuspage_mock``; on another site it is the
    suite's client for it: preflighted, budgeted, allowed to change state only with
    ``--statuspage-allow-mutations``, its own leftovers cleaned up at the end of the session."""
    if statuspage_site != MOCK:
        yield request.getfixturevalue("contract_client")
        return
    from ..http.loopback import LoopbackAdapter
    from ..judging import judged_client

    mock: MockSite = request.getfixturevalue("statuspage_mock")
    client = judged_client(
        mock.base_url,
        mock.api_key,
        mock.app_key,
        transport=LoopbackAdapter(),
        **statuspage_client_settings,
    )
    try:
        yield client
    finally:
        client.close()
