"""The account lifecycle: every step checked, including that it really had its effect."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from ..judging import JudgedClient
from ..rules import INVALID_BODY_REJECTED, LIFECYCLE_EFFECTS, SINGLE_ACCOUNT, VALID_BODY_ACCEPTED
from ..scenarios import (
    bad_create_inputs,
    ensure_no_account,
    expect_status,
    expect_unchanged,
    materialise,
    valid_create_body,
)
from ..spec import load_contract

CONTRACT = load_contract()
SUCCESS = {m: op.success.status for m, op in CONTRACT.operations.items()}
STATUS = CONTRACT.status

pytestmark = [pytest.mark.usefixtures("contract_guard"), pytest.mark.mutating]


def test_create_conflict_get_update_get_delete_get(contract_client: JudgedClient) -> None:
    ensure_no_account(contract_client)
    expect_status(
        contract_client,
        VALID_BODY_ACCEPTED,
        contract_client.create(valid_create_body()),
        SUCCESS["POST"],
        "create",
    )
    expect_status(
        contract_client,
        SINGLE_ACCOUNT,
        contract_client.create(valid_create_body()),
        STATUS.conflict,
        "a second create",
    )
    expect_status(
        contract_client,
        LIFECYCLE_EFFECTS,
        contract_client.get(),
        SUCCESS["GET"],
        "GET after create",
    )
    expect_status(
        contract_client,
        LIFECYCLE_EFFECTS,
        contract_client.update(valid_create_body()),
        SUCCESS["PATCH"],
        "update",
    )
    expect_status(
        contract_client,
        LIFECYCLE_EFFECTS,
        contract_client.get(),
        SUCCESS["GET"],
        "GET after update",
    )
    expect_status(
        contract_client, LIFECYCLE_EFFECTS, contract_client.delete(), SUCCESS["DELETE"], "delete"
    )
    expect_status(
        contract_client,
        LIFECYCLE_EFFECTS,
        contract_client.get(),
        STATUS.not_found,
        "GET after delete",
    )


def test_any_sequence_of_calls_keeps_the_account_state_consistent(
    contract_client: JudgedClient,
) -> None:
    """A Hypothesis state machine with a one-bit model: does the account exist?"""

    class AccountLifecycle(RuleBasedStateMachine):
        exists = False

        @initialize()
        def start_without_an_account(self) -> None:
            ensure_no_account(contract_client)
            self.exists = False

        @rule()
        def create(self) -> None:
            created = contract_client.create(valid_create_body())
            if self.exists:
                expect_status(
                    contract_client,
                    SINGLE_ACCOUNT,
                    created,
                    STATUS.conflict,
                    "a create while an account exists",
                )
            else:
                expect_status(
                    contract_client,
                    VALID_BODY_ACCEPTED,
                    created,
                    SUCCESS["POST"],
                    "a create without an account",
                )
            self.exists = True

        @rule(bad=st.sampled_from(bad_create_inputs()))
        def create_invalid(self, bad) -> None:
            rejected = contract_client.request("POST", **materialise(bad))
            allowed = STATUS.invalid_create(self.exists)
            contract_client.judge.expect(
                INVALID_BODY_REJECTED,
                rejected.status in allowed,
                f"a create whose {bad.why} answered {rejected.status}",
                rejected,
            )
            expect_unchanged(contract_client, self.exists, rejected)

        @rule()
        def get(self) -> None:
            expected = SUCCESS["GET"] if self.exists else STATUS.not_found
            expect_status(
                contract_client, LIFECYCLE_EFFECTS, contract_client.get(), expected, "GET"
            )

        @rule()
        def update(self) -> None:
            expected = SUCCESS["PATCH"] if self.exists else STATUS.not_found
            expect_status(
                contract_client,
                LIFECYCLE_EFFECTS,
                contract_client.update(valid_create_body()),
                expected,
                "update",
            )

        @rule()
        def delete(self) -> None:
            expected = SUCCESS["DELETE"] if self.exists else STATUS.not_found
            expect_status(
                contract_client, LIFECYCLE_EFFECTS, contract_client.delete(), expected, "delete"
            )
            self.exists = False

    current = settings()
    run_state_machine_as_test(
        AccountLifecycle,
        settings=settings(
            current, max_examples=max(5, current.max_examples // 3), stateful_step_count=12
        ),
    )
