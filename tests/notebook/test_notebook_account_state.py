"""What an explorer knows of the account (contract/notebook/account_state.py), and the
scenario verdicts it gives: the suite's own (contract/judging/expectations.py)."""

from __future__ import annotations

import notebook_helpers as h

from statuspage_contract.judging import Verdict
from statuspage_contract.judging.expectations import invalid_body_rejected
from statuspage_contract.notebook.account_state import AccountState

STATUSES = h.CONTRACT.status
CREATED = h.CONTRACT.create.success.status
FOUND = h.CONTRACT.operation("GET").success.status
VALID = {"json": h.body(h.key())}
INVALID = {"json": {}}


def test_creates_are_judged_by_what_is_known() -> None:
    state = AccountState(exists=False)
    assert state.expect("POST", CREATED, VALID) == [Verdict("valid-body-accepted", True, "")]
    state.learn("POST", CREATED)
    assert state.exists is True and state.state_rule == "lifecycle-effects"
    [verdict] = state.expect("POST", CREATED, VALID)
    assert verdict.rule == "single-account" and not verdict.passed
    assert str(STATUSES.conflict) in verdict.message
    assert state.expect("POST", STATUSES.conflict, INVALID) == [
        invalid_body_rejected(STATUSES.conflict, True)
    ]


def test_an_unknown_state_judges_only_what_it_can() -> None:
    state = AccountState()
    assert state.expect("POST", CREATED, VALID) == []
    assert state.expect("GET", FOUND, {}) == []
    assert state.expect("POST", STATUSES.conflict, INVALID)[0].passed  # 409 allowed
    state.learn("GET", STATUSES.not_found)
    assert state.exists is False


def test_a_rejected_call_makes_the_next_get_judge_that_it_changed_nothing() -> None:
    state = AccountState(exists=False)
    state.learn("POST", STATUSES.invalid)
    assert state.state_rule == "rejected-call-no-effect"
    assert state.expect("GET", STATUSES.not_found, {}) == [
        Verdict("rejected-call-no-effect", True, "")
    ]
    [broken] = state.expect("GET", FOUND, {})
    assert not broken.passed and "earlier calls imply" in broken.message


def test_rate_limited_and_refused_calls_teach_nothing() -> None:
    state = AccountState(exists=True, state_rule="lifecycle-effects")
    assert state.expect("GET", STATUSES.rate_limited, {}) == []
    state.learn("DELETE", STATUSES.forbidden)
    state.learn("DELETE", STATUSES.rate_limited)
    assert state.exists is True
    state.reset()
    assert (state.exists, state.state_rule) == (False, None)
