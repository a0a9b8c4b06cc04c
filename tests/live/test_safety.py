"""The live-safety classification and the account ledger (statuspage_contract.live.safety)."""

from __future__ import annotations

import json

import pytest

from statuspage_contract.bad_inputs import bad_inputs, materialise
from statuspage_contract.live.safety import (
    Ownership,
    RunAborted,
    SafetyError,
    State,
    could_change_state,
)
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
VALID = json.dumps(CONTRACT.request_example("POST")).encode()


def _body(kwargs: dict) -> bytes | None:
    if "json" in kwargs:
        return json.dumps(kwargs["json"]).encode()
    data = kwargs.get("data")
    return data.encode() if isinstance(data, str) else data


@pytest.mark.parametrize(
    ("method", "body", "could"),
    [
        ("GET", None, False),
        ("DELETE", None, True),
        ("POST", VALID, True),
        ("PATCH", VALID, True),
        ("PUT", VALID, True),  # a method the contract does not know: assume it can
        ("POST", b"{not json", False),
        ("POST", b"", False),
        ("POST", b"[]", False),
        ("POST", b'"data"', False),
        ("POST", b'{"data": {"type": "statuspage-account", "attributes": {}}}', False),
        ("POST", b'{"data": {"type": "x", "attributes": {"api_key": "k"}}}', True),
        ("POST", b'{"data": {"type": "statuspage-account", "attributes": {"api_key": ""}}}', False),
        ("PATCH", b'{"data": {"type": "statuspage-account", "attributes": {}}}', True),
    ],
)
def test_a_request_could_change_state_when_a_lenient_site_could_make_an_account_of_it(
    method, body, could
):
    assert could_change_state(method, body) is could


def test_the_wrong_content_type_input_of_the_suite_counts_as_state_changing():
    """The input that once created an account in read-only mode: a valid body as text/plain."""
    bad = next(b for b in bad_inputs("POST") if b.id == "wrong-content-type")
    assert could_change_state("POST", _body(materialise(bad)))


def test_read_only_keeps_rejected_inputs_that_cannot_become_an_account():
    kept = [b.id for b in bad_inputs("POST") if not could_change_state("POST", _body(b.kwargs))]
    assert "malformed-json" in kept and "body-array" in kept
    assert f"missing-{'.'.join(CONTRACT.secret_path)}" in kept
    assert "wrong-content-type" not in kept


def test_a_read_only_ledger_refuses_every_state_changing_request():
    ledger = Ownership(mutations=False)
    ledger.preflight(exists=False)
    with pytest.raises(SafetyError, match="read-only run"):
        ledger.check("DELETE", None)
    with pytest.raises(SafetyError):
        ledger.check("POST", VALID)
    ledger.check("GET", None)
    ledger.check("POST", b"{not json")


def test_a_mutating_ledger_touches_a_foreign_account_only_with_replace():
    ledger = Ownership(mutations=True)
    with pytest.raises(SafetyError, match="before the preflight"):
        ledger.check("POST", VALID)
    ledger.preflight(exists=True)
    with pytest.raises(SafetyError, match="did not create"):
        ledger.check("DELETE", None)
    replacing = Ownership(mutations=True, replace=True)
    replacing.preflight(exists=True)
    replacing.check("DELETE", None)
    replacing.observe("DELETE", None, 204)
    assert replacing.state is State.ABSENT
    assert replacing.events == ["deleted the account that existed before the run"]


def test_the_ledger_follows_what_the_run_created_and_deleted():
    ledger = Ownership(mutations=True)
    ledger.preflight(exists=False)
    ledger.check("POST", VALID)
    assert ledger.may_hold_ours  # sent, no answer yet
    ledger.observe("POST", VALID, 201)
    assert ledger.state is State.OURS
    ledger.observe("DELETE", None, 204)
    assert ledger.state is State.ABSENT and not ledger.may_hold_ours


def test_an_account_after_a_refused_request_of_the_run_is_adopted_and_reported():
    ledger = Ownership(mutations=True)
    ledger.preflight(exists=False)
    ledger.observe("POST", VALID, 400)
    ledger.observe("GET", None, 200)
    assert ledger.state is State.OURS
    assert "POST (answered 400)" in ledger.events[0]


def test_an_account_that_appears_on_its_own_stops_the_run():
    ledger = Ownership(mutations=True)
    ledger.preflight(exists=False)
    ledger.observe("GET", None, 404)
    with pytest.raises(RunAborted, match="did not create"):
        ledger.observe("GET", None, 200)
    assert ledger.state is State.FOREIGN
    with pytest.raises(SafetyError):
        ledger.check("DELETE", None)


def test_the_embedded_mock_is_unrestricted():
    ledger = Ownership(unrestricted=True)
    ledger.check("DELETE", None)
    ledger.check("POST", VALID)


# -- ownership by effect ------------------------------------------------------------------
KEYLESS = json.dumps(
    {"data": {"type": CONTRACT.account_type, "attributes": {}}}  # no api_key: cannot be valid
).encode()


@pytest.mark.parametrize("mutations", [False, True])
def test_a_2xx_to_a_write_the_site_must_refuse_makes_the_run_the_owner(mutations):
    assert not could_change_state("POST", KEYLESS)
    ledger = Ownership(mutations=mutations)
    ledger.preflight(exists=False)
    changing = ledger.check("POST", KEYLESS)  # sent in either mode: it cannot be valid
    ledger.observe("POST", KEYLESS, 201, changing=changing)
    assert ledger.state is State.OURS and ledger.may_hold_ours
    assert ledger.undo_owed is (not mutations)  # read-only undoes at once; mutating later
    assert "accepted a POST it must refuse (answered 201)" in ledger.events[0]


def test_a_read_only_ledger_lets_only_the_undoing_delete_through():
    ledger = Ownership(mutations=False)
    ledger.preflight(exists=False)
    ledger.observe("POST", KEYLESS, 201)
    with pytest.raises(SafetyError, match="read-only run"):
        ledger.check("DELETE", None)  # not outside the undoing
    with ledger.undoing():
        assert not ledger.undo_owed
        ledger.check("DELETE", None)
        ledger.observe("DELETE", None, 204)
    assert ledger.state is State.ABSENT and not ledger.undo_owed
    with ledger.undoing(), pytest.raises(SafetyError):
        ledger.check("DELETE", None)  # nothing of the run's is there any more


def test_an_account_after_any_write_of_the_run_is_adopted_not_blamed_on_someone_else():
    ledger = Ownership(mutations=False)
    ledger.preflight(exists=False)
    ledger.observe("POST", b"{not json", 400)  # refused, but the site kept something
    ledger.observe("GET", None, 200)
    assert ledger.state is State.OURS
    assert "its own POST (answered 400)" in ledger.events[0]


def test_a_write_accepted_over_the_account_found_is_said_to_be_beyond_undoing():
    ledger = Ownership(mutations=False)
    ledger.preflight(exists=True)
    ledger.observe("POST", KEYLESS, 201)
    assert ledger.state is State.FOREIGN and not ledger.undo_owed
    assert "cannot be restored" in ledger.unrestorable[0]


SETTINGS = CONTRACT.url_settings
SETTING_BODY = json.dumps(SETTINGS.request_example("POST")).encode()


@pytest.mark.parametrize(
    ("method", "path", "body", "could"),
    [
        ("GET", SETTINGS.collection_path, None, False),
        ("POST", SETTINGS.collection_path, SETTING_BODY, True),
        ("POST", SETTINGS.collection_path, b"{not json", True),  # any write: body or none
        # a create whose body is no JSON object names no url: a lenient site has nothing to
        # make a setting of (what it makes anyway, a read-only run undoes: test_settings.py)
        ("POST", SETTINGS.collection_path, b"not json", False),
        ("POST", SETTINGS.collection_path, b"[]", False),
        ("POST", SETTINGS.collection_path, None, False),
        ("PATCH", SETTINGS.item_path("a b"), SETTING_BODY, True),
        ("DELETE", SETTINGS.item_path("x"), None, True),
        ("GET", SETTINGS.item_path("x"), None, True),  # not a documented read: assume it can
    ],
)
def test_every_url_settings_write_could_change_state(method, path, body, could):
    assert could_change_state(method, body, path) is could


def test_a_read_only_ledger_refuses_url_settings_writes_and_lets_the_list_through():
    ledger = Ownership()
    ledger.preflight(exists=False)
    for method, path in (
        ("POST", SETTINGS.collection_path),
        ("PATCH", SETTINGS.item_path("x")),
        ("DELETE", SETTINGS.item_path("x")),
    ):
        with pytest.raises(SafetyError, match="read-only"):
            ledger.check(method, SETTING_BODY, path)
    assert ledger.check("GET", None, SETTINGS.collection_path) is False
