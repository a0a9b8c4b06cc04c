"""The scenario rules' verdicts (contract/rules/verdicts.py), one implementation for the
suite and the notebook, with statuses read from the contract (contract/spec/loader.py)."""

from __future__ import annotations

import pytest

from statuspage_contract.judging.expectations import (
    invalid_body_rejected,
    invalid_body_statuses,
    lifecycle_status,
    single_account,
    status_verdict,
    valid_body_accepted,
)
from statuspage_contract.spec import load_contract, value_at

CONTRACT = load_contract()
S = CONTRACT.status


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
    assert invalid_body_statuses(False) == {S.invalid}
    assert invalid_body_statuses(True) == invalid_body_statuses(None) == {S.invalid, S.conflict}
    assert invalid_body_rejected(S.conflict, True).passed
    broken = invalid_body_rejected(S.conflict, False, "a create whose x is wrong")
    assert not broken.passed and broken.rule == "invalid-body-rejected"
    assert broken.message == f"a create whose x is wrong answered {S.conflict}, not {S.invalid}"


def test_creates_and_the_lifecycle() -> None:
    created = CONTRACT.create.success.status
    assert valid_body_accepted(created).passed and not valid_body_accepted(S.conflict).passed
    assert single_account(S.conflict).passed
    assert single_account(created).message.endswith(f"answered {created}, not {S.conflict}")
    assert lifecycle_status("GET", True) == CONTRACT.operation("GET").success.status
    assert lifecycle_status("DELETE", False) == S.not_found
    assert status_verdict("r", 1, 1, "x").message == ""
