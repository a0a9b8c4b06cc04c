"""The account lifecycle: every step checked, including that it really had its effect."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from contract.client import ContractClient
from contract.scenario_rules import (
    invalid_body_rejected,
    lifecycle_status,
    single_account,
)
from contract.scenarios import (
    bad_create_inputs,
    ensure_no_account,
    expect_unchanged,
    judge,
    materialise,
    valid_create_body,
)
from contract.spec import load_contract

CONTRACT = load_contract()
STATUS = {m: op.success.status for m, op in CONTRACT.operations.items()}

pytestmark = [pytest.mark.usefixtures("suite_guard"), pytest.mark.mutating]


def _step(client: ContractClient, rule_name: str, exchange, expected: int, what: str) -> None:
    client.expect(
        rule_name,
        exchange.status == expected,
        f"{what} answered {exchange.status}, not {expected}",
        exchange,
    )


def test_create_conflict_get_update_get_delete_get(client: ContractClient) -> None:
    ensure_no_account(client)
    _step(
        client, "valid-body-accepted", client.create(valid_create_body()), STATUS["POST"], "create"
    )
    second = client.create(valid_create_body())
    judge(client, single_account(second.status, "a second create"), second)
    _step(client, "lifecycle-effects", client.get(), STATUS["GET"], "GET after create")
    _step(
        client, "lifecycle-effects", client.update(valid_create_body()), STATUS["PATCH"], "update"
    )
    _step(client, "lifecycle-effects", client.get(), STATUS["GET"], "GET after update")
    _step(client, "lifecycle-effects", client.delete(), STATUS["DELETE"], "delete")
    _step(
        client,
        "lifecycle-effects",
        client.get(),
        lifecycle_status("GET", False),
        "GET after delete",
    )


def test_any_sequence_of_calls_keeps_the_account_state_consistent(client: ContractClient) -> None:
    """A Hypothesis state machine with a one-bit model: does the account exist?"""

    class AccountLifecycle(RuleBasedStateMachine):
        exists = False

        @initialize()
        def start_without_an_account(self) -> None:
            ensure_no_account(client)
            self.exists = False

        @rule()
        def create(self) -> None:
            created = client.create(valid_create_body())
            if self.exists:
                judge(client, single_account(created.status), created)
            else:
                _step(
                    client,
                    "valid-body-accepted",
                    created,
                    STATUS["POST"],
                    "a create without an account",
                )
            self.exists = True

        @rule(bad=st.sampled_from(bad_create_inputs()))
        def create_invalid(self, bad) -> None:
            rejected = client.request("POST", **materialise(bad))
            what = f"a create whose {bad.why}"
            judge(client, invalid_body_rejected(rejected.status, self.exists, what), rejected)
            expect_unchanged(client, self.exists, rejected)

        @rule()
        def get(self) -> None:
            expected = lifecycle_status("GET", self.exists)
            _step(client, "lifecycle-effects", client.get(), expected, "GET")

        @rule()
        def update(self) -> None:
            expected = lifecycle_status("PATCH", self.exists)
            _step(
                client, "lifecycle-effects", client.update(valid_create_body()), expected, "update"
            )

        @rule()
        def delete(self) -> None:
            expected = lifecycle_status("DELETE", self.exists)
            _step(client, "lifecycle-effects", client.delete(), expected, "delete")
            self.exists = False

    current = settings()
    run_state_machine_as_test(
        AccountLifecycle,
        settings=settings(
            current, max_examples=max(5, current.max_examples // 3), stateful_step_count=12
        ),
    )
