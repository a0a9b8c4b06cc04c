"""The resource model (contract/judging/model.py): what a call may answer given the state, and
the state after it, with statuses read from the contract (contract/spec/loader.py); and the
three readers — the suite, the notebook, the proxy — working off any entry alike."""

from __future__ import annotations

from typing import Any

import pytest

from statuspage_contract.judging import Verdict
from statuspage_contract.judging.model import (
    CREATE,
    CREATE_INVALID,
    DELETE,
    READ,
    UPDATE,
    Call,
    Presence,
    Resource,
    Step,
    account,
    presence,
    status_verdict,
)
from statuspage_contract.notebook.account_state import AccountState
from statuspage_contract.proxy.sequence import SequenceJudge
from statuspage_contract.rules import (
    INVALID_BODY_REJECTED,
    LIFECYCLE_EFFECTS,
    REJECTED_CALL_NO_EFFECT,
    SINGLE_ACCOUNT,
    VALID_BODY_ACCEPTED,
)
from statuspage_contract.scenarios import expect_call
from statuspage_contract.spec import load_contract, value_at

CONTRACT = load_contract()
S = CONTRACT.status
HERE, GONE = Presence.PRESENT, Presence.ABSENT
MODEL = account()


def test_the_statuses_are_read_from_the_documented_responses() -> None:
    described = {
        status: response.description
        for op in CONTRACT.operations.values()
        for status, response in op.responses.items()
    }
    assert described[S.invalid] == "Bad Request"
    assert described[S.forbidden] == "Forbidden"
    assert described[S.not_found] == "Not Found"
    assert described[S.conflict] == "Conflict"
    assert described[S.rate_limited] == "Too many requests"


def test_body_paths_come_from_the_request_schema() -> None:
    example = CONTRACT.request_example("POST")
    assert value_at(example, CONTRACT.type_path) == CONTRACT.account_type
    assert CONTRACT.secret_path[-1] == CONTRACT.secret_field
    with pytest.raises(KeyError):
        value_at({"data": []}, CONTRACT.type_path)


def test_an_invalid_body_may_conflict_unless_the_account_is_known_absent() -> None:
    allowed = {state: MODEL.expected(CREATE_INVALID, state).allowed for state in (*Presence, None)}
    assert allowed[GONE] == {S.invalid}
    assert allowed[HERE] == allowed[None] == {S.invalid, S.conflict}
    verdict = MODEL.verdict(CREATE_INVALID, HERE, S.conflict)
    assert verdict is not None and verdict.passed
    broken = MODEL.verdict(CREATE_INVALID, GONE, S.conflict, "a create whose x is wrong")
    assert broken is not None and not broken.passed and broken.rule == INVALID_BODY_REJECTED
    assert broken.message == f"a create whose x is wrong answered {S.conflict}, not {S.invalid}"


def test_creates_and_the_lifecycle() -> None:
    created = CONTRACT.create.success.status
    assert MODEL.expected(CREATE, GONE) == Step(
        VALID_BODY_ACCEPTED, frozenset({created}), "a valid create without an account"
    )
    single = MODEL.verdict(CREATE, HERE, created)
    assert single is not None and single.rule == SINGLE_ACCOUNT
    assert single.message.endswith(f"answered {created}, not {S.conflict}")
    assert MODEL.expected(READ, HERE).allowed == {CONTRACT.operation("GET").success.status}
    assert MODEL.expected(DELETE, GONE).allowed == {S.not_found}
    assert MODEL.verdict(CREATE, None, created) is None  # not judged while unknown
    assert status_verdict("r", 1, 1, "x").message == ""


def test_the_state_after_a_call() -> None:
    assert MODEL.after(CREATE, GONE, S.created) is HERE
    assert MODEL.after(CREATE, HERE, S.conflict) is HERE
    assert MODEL.after(DELETE, HERE, S.deleted) is GONE
    assert MODEL.after(UPDATE, None, S.invalid) is None
    assert MODEL.predicted(DELETE, HERE) is GONE and MODEL.predicted(UPDATE, GONE) is GONE
    assert MODEL.shown(S.ok) is HERE and MODEL.shown(S.not_found) is GONE
    assert MODEL.shown(S.forbidden) is None
    assert presence(None) is None and presence(True) is HERE


# -- a second entry: the three readers work off any entry -----------------------------------
#: A toy resource, defined here only: one per organisation, "added" (201) and "removed"
#: (204); its rules are the account's symbols, its statuses the contract's.
TOY = Resource(
    noun="widget",
    calls=(
        Call("add", "PUT", Presence.PRESENT),
        Call("look", "HEAD"),
        Call("remove", "DELETE", Presence.ABSENT),
    ),
    steps={
        ("add", GONE): Step(VALID_BODY_ACCEPTED, frozenset({S.created}), "an add"),
        ("add", HERE): Step(SINGLE_ACCOUNT, frozenset({S.conflict}), "a second add"),
        ("look", HERE): Step(LIFECYCLE_EFFECTS, frozenset({S.ok}), "a look"),
        ("look", GONE): Step(LIFECYCLE_EFFECTS, frozenset({S.not_found}), "a look"),
        ("remove", HERE): Step(LIFECYCLE_EFFECTS, frozenset({S.deleted}), "a remove"),
        ("remove", GONE): Step(LIFECYCLE_EFFECTS, frozenset({S.not_found}), "a remove"),
    },
    read="look",
    effect_rule=LIFECYCLE_EFFECTS,
    no_effect_rule=REJECTED_CALL_NO_EFFECT,
)


class _Judge:
    def __init__(self) -> None:
        self.seen: list[tuple[str, bool, str]] = []

    def expect(self, rule: str, ok: bool, message: str, exchange: Any = None) -> None:
        self.seen.append((rule, ok, message))


class _Client:
    def __init__(self) -> None:
        self.judge = _Judge()


class _Answer:
    def __init__(self, status: int) -> None:
        self.status = status


def test_the_suite_helper_judges_by_any_entry() -> None:
    client: Any = _Client()
    assert expect_call(client, "add", GONE, _Answer(S.created), resource=TOY)
    assert not expect_call(client, "add", HERE, _Answer(S.created), resource=TOY)
    assert client.judge.seen == [
        (VALID_BODY_ACCEPTED, True, ""),
        (SINGLE_ACCOUNT, False, f"a second add answered {S.created}, not {S.conflict}"),
    ]
    with pytest.raises(KeyError, match="widget model does not judge add"):
        expect_call(client, "add", None, _Answer(S.created), resource=TOY)


def test_the_notebook_state_follows_any_entry() -> None:
    state = AccountState(exists=False, resource=TOY)
    assert state.expect("PUT", S.created, {}) == [Verdict(VALID_BODY_ACCEPTED, True, "")]
    state.learn("PUT", S.created)
    assert state.exists is True and state.state_rule == LIFECYCLE_EFFECTS
    [second] = state.expect("PUT", S.created, {})
    assert second.rule == SINGLE_ACCOUNT and not second.passed
    state.learn("DELETE", S.deleted)
    assert state.expect("HEAD", S.not_found, {}) == [Verdict(LIFECYCLE_EFFECTS, True, "")]
    [broken] = state.expect("HEAD", S.ok, {})
    assert not broken.passed and broken.message.startswith(f"HEAD answered {S.ok}")
    assert state.expect("GET", S.ok, {}) == []  # not a call of this entry


def test_the_proxy_sequence_judge_follows_any_entry() -> None:
    judge = SequenceJudge(resource=TOY)
    keys = ("api", "app")

    def call(method: str, status: int) -> list[Verdict]:
        return judge.end(judge.begin(keys), method, status)

    assert call("PUT", S.created) == []
    assert call("PUT", S.conflict) == [Verdict(SINGLE_ACCOUNT, True)]
    [twice] = call("PUT", S.created)
    assert not twice.passed and twice.message == (
        f"a second add answered {S.created} although the widget these keys created earlier "
        "was not deleted"
    )
    assert call("DELETE", S.deleted) == []
    [wrong] = call("HEAD", S.ok)
    assert wrong.rule == LIFECYCLE_EFFECTS and not wrong.passed
    assert wrong.message == (
        "a read shows the widget exists, but the last successful add or remove left it absent"
    )
    assert call("GET", S.ok) == []  # not a call of this entry


# -- the URL settings' entry: per item, its statuses the URL settings' own ------------------
def test_the_url_settings_entry_judges_conflicts_unknown_ids_and_effects() -> None:
    from statuspage_contract.judging.model import (
        LIST,
        UPDATE_CONFLICTING,
        UPDATE_INVALID,
        url_settings,
    )
    from statuspage_contract.rules import (
        URL_SETTING_CONFLICTS,
        URL_SETTING_EFFECTS,
        URL_SETTING_NOT_FOUND,
    )

    model, u = url_settings(), CONTRACT.url_settings
    assert model.collection and model.shown(u.listing.success.status) is None
    assert all(model.expected(LIST, s).allowed == {S.ok} for s in (*Presence, None))
    twice = model.verdict(CREATE, HERE, u.create.success.status)
    assert twice is not None and not twice.passed and twice.rule == URL_SETTING_CONFLICTS
    mismatched = model.verdict(UPDATE_CONFLICTING, HERE, S.ok)
    assert mismatched is not None and mismatched.rule == URL_SETTING_CONFLICTS
    assert not mismatched.passed
    assert model.expected(UPDATE_CONFLICTING, GONE).allowed == {S.conflict, S.not_found}
    for call in (UPDATE, DELETE):
        unknown = model.verdict(call, GONE, u.operations[model.call(call).method].success.status)
        assert unknown is not None and not unknown.passed
        assert unknown.rule == URL_SETTING_NOT_FOUND
    kept = model.verdict(DELETE, HERE, S.not_found)
    assert kept is not None and kept.rule == URL_SETTING_EFFECTS and not kept.passed
    assert model.expected(UPDATE_INVALID, GONE).allowed == {S.invalid, S.not_found}
    assert model.expected(CREATE_INVALID, GONE).rule == INVALID_BODY_REJECTED
    assert model.after(DELETE, HERE, u.delete.success.status) is GONE
    assert model.after(UPDATE_CONFLICTING, HERE, S.conflict) is HERE
    assert model.classify(u.update.method, valid_body=False) == model.call(UPDATE_INVALID)


def test_an_answer_shows_the_state_its_call_found_only_where_one_state_allows_it() -> None:
    assert MODEL.found(CREATE, S.created) is GONE and MODEL.found(CREATE, S.conflict) is HERE
    assert MODEL.found(DELETE, S.deleted) is HERE and MODEL.found(DELETE, S.not_found) is GONE
    assert MODEL.found(CREATE_INVALID, S.invalid) is None  # allowed with and without an account
    assert MODEL.found(READ, 500) is None  # allowed in no state
