"""The account lifecycle: every step checked, including that it really had its effect."""

from __future__ import annotations

import pytest

from ..judging import JudgedClient
from ..judging.model import CREATE, DELETE, READ, UPDATE, Presence
from ..scenarios import ensure_no_account, expect_call, valid_create_body
from ..url_scenarios import UrlSettingSteps
from .machine import run_machine

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
    """A Hypothesis state machine whose model is the resource model's two entries, the account
    and the URL settings: what exists, and what may each call answer then? Calls on the two
    interleave; neither changes the other (suite/machine.py)."""
    UrlSettingSteps(contract_client).skip_unless_writable()
    run_machine(contract_client)
