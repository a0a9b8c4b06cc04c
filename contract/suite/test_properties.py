"""Property-based tests: bodies generated from the contract, from a controlled state."""

from __future__ import annotations

import pytest
from hypothesis import assume, given

from contract import generation
from contract.client import ContractClient
from contract.scenarios import (
    account_exists,
    ensure_no_account,
    expect_unchanged,
    is_valid_create_body,
)
from contract.spec import load_contract
from contract.target import Target

CONTRACT = load_contract()
CREATED = CONTRACT.create.success.status

pytestmark = pytest.mark.usefixtures("suite_guard")


@pytest.mark.mutating
@given(case=generation.cases("POST", valid=True))
def test_valid_bodies_create_once_then_conflict(client: ContractClient, case) -> None:
    ensure_no_account(client)
    created = generation.send_case(client, case)
    generation.run_builtin_checks(client, case, created)
    client.expect(
        "valid-body-accepted",
        created.status == CREATED,
        f"a valid create on an organisation without an account answered {created.status}",
        created,
    )
    again = generation.send_case(client, case)
    client.expect(
        "single-account",
        again.status == 409,
        f"a create while an account exists answered {again.status}, not 409",
        again,
    )
    expect_unchanged(client, True, again)


@given(case=generation.cases("POST", valid=False))
def test_invalid_bodies_are_rejected_and_change_nothing(
    client: ContractClient, target: Target, case
) -> None:
    assume(not is_valid_create_body(case.body))
    if target.mutation_skip_reason is None:
        ensure_no_account(client)
        existed = False
    else:
        existed = account_exists(client)
    rejected = generation.send_case(client, case)
    generation.run_builtin_checks(client, case, rejected)
    allowed = {400, 409} if existed else {400}
    client.expect(
        "invalid-body-rejected",
        rejected.status in allowed,
        f"a create with an invalid body answered {rejected.status}, not 400",
        rejected,
    )
    expect_unchanged(client, existed, rejected)


@pytest.mark.mutating
@given(case=generation.cases("PATCH", valid=True))
def test_valid_updates_keep_the_account_masked(client: ContractClient, case) -> None:
    if not account_exists(client):
        created = client.create()
        client.expect(
            "valid-body-accepted", created.status == CREATED, f"answered {created.status}", created
        )
    updated = generation.send_case(client, case)
    generation.run_builtin_checks(client, case, updated)
    ok = CONTRACT.operation("PATCH").success.status
    client.expect(
        "lifecycle-effects",
        updated.status == ok,
        f"a valid update of an existing account answered {updated.status}, not {ok}",
        updated,
    )
    client.get()  # masking is checked on the GET after the update as well
