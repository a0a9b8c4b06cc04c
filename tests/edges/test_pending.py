"""What the edges wait for (statuspage_contract.edges.pending): a group's bounds, and what an
answer shows of the account before it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from statuspage_contract.edges import derive
from statuspage_contract.edges.pending import GROUP, Group, Sent, shown_before
from statuspage_contract.scenarios import changed_message
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
S = CONTRACT.status


def test_an_answer_shows_the_account_before_it_as_the_resource_model_reads_it() -> None:
    create, update, delete = CONTRACT.create.method, CONTRACT.update.method, CONTRACT.delete.method
    assert shown_before(create, S.created) is False and shown_before(create, S.conflict) is True
    assert shown_before(update, S.updated) is True and shown_before(update, S.not_found) is False
    assert shown_before(delete, S.deleted) is True and shown_before(delete, S.not_found) is False
    assert shown_before(update, S.invalid) is None  # a refusal shows nothing
    assert shown_before(create, S.invalid) is None


def _sent(edge: Any) -> Sent:
    return Sent(edge, SimpleNamespace(status=S.invalid))  # type: ignore[arg-type]


def test_a_group_holds_refused_edges_from_one_state_up_to_its_cap() -> None:
    edges = [e for e in derive("enums") if e.expect == "refuse"]
    group = Group(existed=False)
    assert not group.joins(False)  # a group starts with its first edge, from a known state
    group.members.append(_sent(edges[0]))
    assert group.joins(False) and not group.joins(True)
    group.members += [_sent(e) for e in edges[1:GROUP]]
    assert len(group) == GROUP and not group.joins(False)
    members, existed, tainted = group.take()
    assert len(members) == GROUP and existed is False and not tainted and not len(group)
    group.members.append(_sent(edges[0]))
    group.tainted = True  # an edge that broke a rule was sent since: its GET comes first
    assert not group.joins(False)


def test_a_sent_edge_is_sent_again_with_a_fresh_secret_and_its_own_keys() -> None:
    edge = next(e for e in derive("auth") if e.method == CONTRACT.create.method)
    auth = {"header": "value"}
    again = Sent(edge, SimpleNamespace(status=S.forbidden), auth).again()  # type: ignore[arg-type]
    assert again["auth"] == auth and again["json"] != edge.request()["json"]
    assert "did not exist before and exists after" in changed_message(False, True, S.invalid)
