"""The contract suite's fixtures, namespaced ``contract_*``: the session's state, the site
under test (opened once per session and site), its checking client, the safety guard and
the embedded mock's controls. Registered by statuspage_contract.pytest_plugin.plugin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..judging import JudgedClient
from ..mock.server import MockSite
from ..target import Target, TargetError
from .session import ContractSession, contract_session


@pytest.fixture(scope="session")
def contract_run(request: pytest.FixtureRequest) -> ContractSession:
    """The process's contract state (per-site runs, recorders, settings)."""
    return contract_session(request.config)


@pytest.fixture(scope="session")
def contract_site_name(request: pytest.FixtureRequest, contract_run: ContractSession) -> str:
    """The site under test (parametrised when several sites are asked for)."""
    return str(getattr(request, "param", contract_run.sites[0]))


@pytest.fixture(scope="session")
def contract_target(contract_site_name: str, contract_run: ContractSession) -> Iterator[Target]:
    """The site under test, opened (and for the mock, started) once per session and site."""
    try:
        run = contract_run.open(contract_site_name)
    except TargetError as exc:
        pytest.exit(f"usage error: {exc}", returncode=4)
    assert run.target is not None
    yield run.target
    contract_run.close(run)


@pytest.fixture(scope="session")
def contract_client(
    contract_target: Target, contract_run: ContractSession, contract_site_name: str
) -> JudgedClient:
    """A checking client for the target's account operations."""
    run = contract_run.run_for(contract_site_name)
    assert run.client is not None
    return run.client


@pytest.fixture
def contract_guard(
    request: pytest.FixtureRequest,
    contract_target: Target,
    contract_run: ContractSession,
    contract_site_name: str,
) -> None:
    """Applies the safety markers (mutating, mock_only) once the target is known, and stops
    a site's tests once its run was aborted."""
    aborted = contract_run.run_for(contract_site_name).aborted
    if aborted:
        pytest.skip(aborted)
    skip_if_not_allowed(request.node, contract_target)


@pytest.fixture
def contract_mock_site(contract_target: Target) -> Iterator[MockSite]:
    """The embedded mock's controls (skips on other sites); restores its settings after."""
    if contract_target.mock is None:
        pytest.skip(f"needs the embedded mock's controls; {contract_target.name} is not the mock")
    yield contract_target.mock
    contract_target.mock.set_rate_limit(None)


def skip_if_not_allowed(item: pytest.Item, target: Target) -> None:
    if item.get_closest_marker("mock_only") and not target.is_mock:
        pytest.skip(f"needs the embedded mock's controls; {target.name} is not the mock")
    if item.get_closest_marker("mutating"):
        reason = target.mutation_skip_reason
        if reason:
            pytest.skip(reason)
