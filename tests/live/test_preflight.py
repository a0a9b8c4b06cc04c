"""The fail-closed preflight, the cleanup, and the pace on live sites (in-process, against
the recording hostile site)."""

from __future__ import annotations

import pytest
from hostile_site import Behaviour, HostileSite

from statuspage_contract.judging import JudgedClient, judged_client
from statuspage_contract.live.preflight import cleanup, preflight, undo_effect
from statuspage_contract.live.safety import Ownership, State


def _client(site: HostileSite, *, mutations: bool = True, **kwargs) -> JudgedClient:
    kwargs.setdefault("sleep", lambda s: None)
    return judged_client(
        site.base_url,
        site.api_key,
        site.app_key,
        ownership=Ownership(mutations=mutations),
        pace=True,
        max_rate_wait=0,
        timeout=1,
        **kwargs,
    )


@pytest.mark.parametrize(("exists", "state"), [(False, State.ABSENT), (True, State.FOREIGN)])
def test_the_preflight_is_certain_only_on_a_conforming_200_or_a_404(exists, state):
    with HostileSite(Behaviour(exists=exists)) as site:
        client = _client(site)
        assert preflight(client, "s") is None
        assert client.ownership.found is state


@pytest.mark.parametrize(
    ("fail", "says"),
    [
        ("500", "answered 500 to the preflight GET"),
        ("503", "answered 503 to the preflight GET"),
        ("401", "rejected the keys (HTTP 401)"),
        ("429", "kept answering 429 after 3 retries"),
        ("timeout", "no answer in time"),
        ("reset", "the connection was reset"),
        ("bad-200", "answered 200 with a body the contract does not accept (response-schema)"),
    ],
)
def test_any_other_answer_aborts_and_leaves_the_ledger_unknown(fail, says):
    with HostileSite(Behaviour(exists=True, fail=fail, fail_times=None, stall=2)) as site:
        client = _client(site)
        reason = preflight(client, "s")
        assert reason is not None and reason.startswith("run aborted at the preflight: ")
        assert says in reason
        assert client.ownership.state is State.UNKNOWN
        assert {e.method for e in site.log} == {"GET"}


def test_cleanup_deletes_what_the_run_created_and_checks_it_is_gone():
    with HostileSite() as site:
        client = _client(site)
        preflight(client, "s")
        client.create()
        assert site.account is not None
        assert cleanup(client, "s") is None
        assert site.account is None
        assert [e.method for e in site.log][-2:] == ["DELETE", "GET"]


def test_cleanup_never_touches_what_the_run_did_not_create():
    with HostileSite(Behaviour(exists=True)) as site:
        client = _client(site)
        preflight(client, "s")
        assert cleanup(client, "s") is None
        assert site.original_intact and len(site.log) == 1


def test_cleanup_after_an_unanswered_create_looks_first_then_deletes():
    with HostileSite(Behaviour(fail="timeout", fail_at=2, stall=2)) as site:
        client = _client(site)
        preflight(client, "s")
        with pytest.raises(Exception, match="no answer in time"):
            client.create()
        assert site.account is not None and client.ownership.may_hold_ours
        assert cleanup(client, "s") is None
        assert site.account is None
        assert [e.method for e in site.log][2:] == ["GET", "DELETE", "GET"]


def test_cleanup_that_cannot_delete_says_what_was_left_where():
    with HostileSite(Behaviour(fail="429", fail_at=3, fail_times=None)) as site:
        client = _client(site)
        preflight(client, "mysite")
        client.create()
        left = cleanup(client, "mysite", sleep=lambda s: None)
        assert left is not None and left.startswith("left behind on mysite: ")
        assert "DELETE /api/v2/integration/statuspage/account" in left
        assert site.account is not None
        assert len(site.log) <= 3 + 4 * 4  # bounded: 4 rounds of a DELETE and 3 retries


def test_the_client_waits_for_the_reset_when_the_allowance_is_nearly_spent():
    waits: list[float] = []
    with HostileSite(Behaviour(remaining=1)) as site:
        client = _client(site, sleep=waits.append)
        client.max_rate_wait = 60
        client.get()
        client.get()
    assert len(waits) == 1 and 1.5 < waits[0] <= 2
    with HostileSite(Behaviour(remaining=5)) as site:
        calm: list[float] = []
        client = _client(site, sleep=calm.append)
        client.get()
        client.get()
    assert calm == []


def test_cleanup_holds_when_the_request_budget_is_spent():
    from statuspage_contract.http.client import BudgetExhausted

    with HostileSite() as site:
        client = _client(site, budget=2)
        preflight(client, "s")
        client.create()
        with pytest.raises(BudgetExhausted):
            client.get()
        assert cleanup(client, "s") is None  # cleanup is owed whatever the budget says
        assert site.account is None


def test_a_read_only_run_undoes_at_once_what_the_site_made_of_its_request():
    """The ledger owns what a 2xx made, whatever the body; the undo is a DELETE and a GET that
    shows it gone, sent by a read-only client, and said in one event."""
    with HostileSite(Behaviour()) as site:
        client = _client(site, mutations=False)
        client.on_effect = undo_effect
        assert preflight(client, "s") is None
        client.ownership.observe("POST", b"{}", 201)  # as if the site had accepted "{}"
        assert client.ownership.undo_owed
        undo_effect(client)
        assert client.ownership.state is State.ABSENT
        assert client.ownership.events[-1].startswith("undid it")
        assert [e.method for e in site.log] == ["GET", "DELETE", "GET"]


def test_cleanup_says_what_the_run_did_to_the_account_it_found_and_cannot_restore():
    with HostileSite(Behaviour(exists=True)) as site:
        client = _client(site, mutations=False)
        assert preflight(client, "s") is None
        client.ownership.observe("POST", b"{}", 201)
        left = cleanup(client, "mysite", sleep=lambda s: None)
        assert left is not None and left.startswith("left behind on mysite: the site accepted")
        assert site.original_intact  # nothing was sent to it
