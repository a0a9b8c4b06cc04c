"""The account lifecycle: every step checked, including that it really had its effect."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from ..judging import JudgedClient
from ..judging.model import CREATE, CREATE_INVALID, DELETE, READ, UPDATE, Presence, account
from ..scenarios import (
    bad_create_inputs,
    ensure_no_account,
    expect_call,
    expect_unchanged,
    materialise,
    valid_create_body,
)

MODEL = account()
HERE, GONE = Presence.PRESENT, Presence.ABSENT

pytestmark = [pytest.mark.usefixtures("contract_guard"), pytest.mark.mutating]


def test_create_conflict_get_update_get_delete_get(contract_client: JudgedClient) -> None:
    ensure_no_account(contract_client)
    c = contract_client
    expect_call(c, CREATE, GONE, c.create(valid_create_body()), "create")
    expect_call(c, CREATE, HERE, c.create(valid_create_body()), "a second create")
    expect_call(c, READ, HERE, c.get(), "GET after create")
    expect_call(c, UPDATE, HERE, c.update(valid_create_body()), "update")
    expect_call(c, READ, HERE, c.get(), "GET after update")
    expect_call(c, DELETE, HERE, c.delete(), "delete")
    expect_call(c, READ, GONE, c.get(), "GET after delete")


def test_any_sequence_of_calls_keeps_the_account_state_consistent(
    contract_client: JudgedClient,
) -> None:
    """A Hypothesis state machine whose model is the resource model's account entry: does the
    account exist, and what may each call answer then?"""

    class AccountLifecycle(RuleBasedStateMachine):
        state: Presence | None = GONE

        @initialize()
        def start_without_an_account(self) -> None:
            ensure_no_account(contract_client)
            self.state = GONE

        def step(self, call: str, exchange, what: str) -> None:
            expect_call(contract_client, call, self.state, exchange, what)
            self.state = MODEL.predicted(call, self.state)

        @rule()
        def create(self) -> None:
            exists = self.state is HERE
            what = "a create while an account exists" if exists else "a create without an account"
            self.step(CREATE, contract_client.create(valid_create_body()), what)

        @rule(bad=st.sampled_from(bad_create_inputs()))
        def create_invalid(self, bad) -> None:
            rejected = contract_client.request(
                MODEL.call(CREATE_INVALID).method, **materialise(bad)
            )
            allowed = MODEL.expected(CREATE_INVALID, self.state)
            contract_client.judge.expect(
                allowed.rule,
                rejected.status in allowed.allowed,
                f"a create whose {bad.why} answered {rejected.status}",
                rejected,
            )
            expect_unchanged(contract_client, self.state is HERE, rejected)

        @rule()
        def get(self) -> None:
            self.step(READ, contract_client.get(), "GET")

        @rule()
        def update(self) -> None:
            self.step(UPDATE, contract_client.update(valid_create_body()), "update")

        @rule()
        def delete(self) -> None:
            self.step(DELETE, contract_client.delete(), "delete")

    current = settings()
    run_state_machine_as_test(
        AccountLifecycle,
        settings=settings(
            current, max_examples=max(5, current.max_examples // 3), stateful_step_count=12
        ),
    )
