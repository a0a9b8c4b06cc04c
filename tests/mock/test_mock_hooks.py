"""Faults act through the hooks of their declaration: the app calls the active faults' hooks
at its named points, resolved once, and names no fault itself.

What each fault changes is proven by the battery of ``test_mock_faults.py``; this module checks
the wiring: the points, their resolution, and how faults acting at one point combine.
"""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from statuspage_contract.mock import FAULTS, MockSite, UnknownFaultError
from statuspage_contract.mock.app import MockApp
from statuspage_contract.mock.faults import hooks_of
from statuspage_contract.mock.hooks import ActiveHooks, Hooks
from statuspage_contract.mock.state import DEMO_API_KEY, DEMO_APP_KEY, MockState
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
MOCK = Path(__file__).resolve().parents[2] / "contract" / "mock"
POINTS = [point.name for point in fields(Hooks)]


def fault_names_in(source: str) -> set[str]:
    """The fault names a module's source spells, quoted."""
    return {name for name in FAULTS if re.search(rf"[\"']{re.escape(name)}[\"']", source)}


def new_app(faults: list[str]) -> MockApp:
    return MockApp(MockState(DEMO_API_KEY, DEMO_APP_KEY), faults)


# -- the points -----------------------------------------------------------------------------


def test_the_resolved_hooks_have_one_tuple_for_each_point_in_the_same_order():
    assert [point.name for point in fields(ActiveHooks)] == POINTS
    assert all(getattr(ActiveHooks(), point) == () for point in POINTS)


def test_each_point_is_used_by_some_fault():
    unused = [p for p in POINTS if all(getattr(f.does, p) is None for f in FAULTS.values())]
    assert not unused


@pytest.mark.parametrize("fault", FAULTS.values(), ids=lambda f: f.name)
def test_each_fault_declares_what_it_does(fault):
    assert fault.does != Hooks(), f"{fault.name} has no hook"


@pytest.mark.parametrize(
    "module", sorted(p.name for p in MOCK.glob("*.py") if p.name != "faults.py")
)
def test_no_module_of_the_mock_but_the_declarations_names_a_fault(module):
    assert not fault_names_in((MOCK / module).read_text(encoding="utf-8"))


def test_the_name_check_catches_a_fault_named_in_code():
    assert fault_names_in('if "unmasked-api-key" in self.faults:') == {"unmasked-api-key"}
    assert not fault_names_in("if self.hooks.account_body:")


# -- resolving ------------------------------------------------------------------------------


def test_a_healthy_app_has_no_hook_at_any_point():
    app = new_app([])
    assert app.hooks == ActiveHooks()
    assert all(getattr(app.hooks, point) == () for point in POINTS)


def test_the_hooks_of_several_faults_keep_the_declared_order():
    names = ["missing-response-field", "unmasked-api-key", "delete-keeps-account"]
    hooks = hooks_of(names)
    assert hooks.account_body == (
        FAULTS["unmasked-api-key"].does.account_body,
        FAULTS["missing-response-field"].does.account_body,
    )
    assert hooks.keeps_deleted == (FAULTS["delete-keeps-account"].does.keeps_deleted,)
    assert hooks.quotes == ()


def test_resolving_checks_the_names():
    with pytest.raises(UnknownFaultError):
        hooks_of(["unmasked-api-key", "bogus"])


def test_switching_faults_switches_the_hooks():
    app = new_app(["error-echoes-api-key"])
    assert app.hooks.quotes
    app.set_faults([])
    assert app.hooks == ActiveHooks()


# -- faults acting at one point -------------------------------------------------------------


@pytest.fixture(scope="module")
def hooks_site():
    with MockSite() as site:
        yield site


@pytest.fixture
def faulty(hooks_site):
    hooks_site.reset()
    yield hooks_site
    hooks_site.set_faults([])


def test_faults_that_change_the_success_body_chain(faulty, mock_client):
    faulty.set_faults(["unmasked-api-key", "wrong-type-in-response"])
    body = mock_client(faulty).post(CONTRACT.with_secret(CONTRACT.request_example(), "k")).json()
    kind = CONTRACT.account_type.replace("-", "_")
    assert body == CONTRACT.account_body({CONTRACT.secret_field: "k"}, kind)


def test_a_quoting_fault_and_an_envelope_fault_both_act(faulty, mock_client):
    faulty.set_faults(["error-echoes-api-key", "error-envelope-string"])
    api = mock_client(faulty)
    api.post(CONTRACT.with_secret(CONTRACT.request_example(), "first"))
    response = api.post(CONTRACT.with_secret(CONTRACT.request_example(), "sp-second"))
    errors = response.json()[CONTRACT.errors_field]
    assert isinstance(errors, str) and "sp-second" in errors


def test_quoted_messages_are_never_kept(faulty, mock_client):
    faulty.set_faults(["error-echoes-api-key"])
    api = mock_client(faulty)
    api.post(CONTRACT.with_secret(CONTRACT.request_example(), "first"))
    api.post(CONTRACT.with_secret(CONTRACT.request_example(), "sp-secret-in-409"))
    assert not faulty.app._envelopes
