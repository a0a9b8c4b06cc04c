"""Property-based tests: bodies generated from the contract, from a controlled state."""

from __future__ import annotations

import pytest
from hypothesis import assume, given

from .. import generation
from ..judging import JudgedClient
from ..rules import LIFECYCLE_EFFECTS, VALID_BODY_ACCEPTED
from ..scenarios import (
    claims_verified,
    invalid_create_rejected,
    is_valid_create_body,
    known_account,
    valid_create_then_conflict,
)
from ..spec import load_contract
from ..target import Target

CONTRACT = load_contract()
CREATED = CONTRACT.create.success.status

pytestmark = pytest.mark.usefixtures("contract_guard")


@pytest.mark.mutating
def test_valid_bodies_create_once_then_conflict(contract_client: JudgedClient) -> None:
    # An example's 409 is shown to change nothing by the next example's DELETE (204), the
    # last one's by a look when all are done (scenarios.claims_verified).
    @given(case=generation.cases("POST", valid=True))
    def examples(case) -> None:
        valid_create_then_conflict(contract_client, case)

    with claims_verified(contract_client):
        examples()


@given(case=generation.cases("POST", valid=False))
def test_invalid_bodies_are_rejected_and_change_nothing(
    contract_client: JudgedClient, contract_target: Target, case
) -> None:
    # A guard: every generated invalid case breaks the body (generation.cases), but a tool's
    # idea of invalid could differ from the contract's validator.
    assume(not is_valid_create_body(case.body))
    invalid_create_rejected(
        contract_client, case, clean=contract_target.mutation_skip_reason is None
    )


@pytest.mark.mutating
@given(case=generation.cases("PATCH", valid=True))
def test_valid_updates_keep_the_account_masked(contract_client: JudgedClient, case) -> None:
    if generation.sent_alike(contract_client, case):
        return
    if not known_account(contract_client):
        created = contract_client.create()
        contract_client.judge.expect(
            VALID_BODY_ACCEPTED, created.status == CREATED, f"answered {created.status}", created
        )
    updated = generation.send_and_judge(contract_client, case)
    ok = CONTRACT.operation("PATCH").success.status
    contract_client.judge.expect(
        LIFECYCLE_EFFECTS,
        updated.status == ok,
        f"a valid update of an existing account answered {updated.status}, not {ok}",
        updated,
    )
    contract_client.get()  # masking is checked on the GET after the update as well
