"""What the edges send to learn the state (statuspage_contract.edges.judge): refused edges
share one GET, a change is traced to its edge and judged by that edge's own answer, and an
accepted edge's account is shown by the next answer that reveals it."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from statuspage_contract.edges import derive
from statuspage_contract.edges.judge import EdgeRun
from statuspage_contract.edges.model import PLACEHOLDER
from statuspage_contract.edges.pending import GROUP
from statuspage_contract.judging import ContractViolation, judged_client
from statuspage_contract.judging.recorder import Recorder
from statuspage_contract.mock import MockSite
from statuspage_contract.rules import LIFECYCLE_EFFECTS, REJECTED_CALL_NO_EFFECT
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
S = CONTRACT.status


def _run(site: MockSite, category: str) -> Recorder:
    recorder = Recorder()
    api = judged_client(site.base_url, site.api_key, site.app_key, recorder=recorder)
    target = SimpleNamespace(is_mock=True, mock=site, mutation_skip_reason=None)
    try:
        EdgeRun(api, target).run(category)
    finally:
        api.close()
    return recorder


def _meddling(site: MockSite, api: Any, after: Any) -> list[Any]:
    """Make ``site`` do ``after(request, response, organisation)`` after each answer, as a
    broken site would; returns the (request, response) pairs seen."""
    seen: list[Any] = []
    send = api.session.send

    def meddle(prepared: Any, **kwargs: Any) -> Any:
        response = send(prepared, **kwargs)
        seen.append((prepared, response))
        after(prepared, response, site.default_organisation)
        return response

    api.session.send = meddle
    return seen


def _as_edge_body(prepared: Any) -> Any:
    """A sent JSON body with its fresh secret put back as the edges' placeholder."""
    try:
        body = json.loads(prepared.body or b"")
    except ValueError:
        return None
    try:
        return CONTRACT.with_secret(body, PLACEHOLDER)
    except (KeyError, TypeError, AttributeError):
        return body


def _run_meddled(site: MockSite, category: str, after: Any) -> tuple[Recorder, Any, list[Any]]:
    site.set_faults([])
    site.reset()
    recorder = Recorder()
    api = judged_client(site.base_url, site.api_key, site.app_key, recorder=recorder)
    api.judge.test = lambda: "edges"  # a named test: reproductions show its sequence
    seen = _meddling(site, api, after)
    target = SimpleNamespace(is_mock=True, mock=site, mutation_skip_reason=None)
    try:
        with pytest.raises(ContractViolation) as caught:
            EdgeRun(api, target).run(category)
    finally:
        api.close()
    return recorder, caught.value, seen


def test_refused_edges_share_one_get_and_a_healthy_site_pays_no_more(
    edge_site: MockSite,
) -> None:
    refused = [e for e in derive("enums") if e.expect == "refuse"]
    edge_site.set_faults([])
    edge_site.reset()
    recorder = _run(edge_site, "enums")
    looks = recorder.state_control
    assert len(refused) > GROUP and looks <= -(-len(refused) // GROUP) + 2, looks
    assert recorder.tallies[REJECTED_CALL_NO_EFFECT].passed >= len(refused)


@pytest.mark.parametrize(
    ("method", "at"),
    [("create", 1), ("create", GROUP - 1), ("create", GROUP), ("update", 2)],
)
def test_one_refused_edge_that_changes_the_account_is_found_by_its_own_exchange(
    edge_site: MockSite, method: str, at: int
) -> None:
    """A site that stores an account on exactly one refused create of a group (or deletes
    it on one refused update): the group's GET shows it, the edges sent again one at a time
    find it, and the violation is that edge's, recorded against its own first answer (its
    reproduction ends with it)."""
    chosen = getattr(CONTRACT, method).method
    culprit = [e for e in derive("enums") if e.method == chosen][at]

    def store(prepared: Any, response: Any, org: Any) -> None:
        if prepared.method == culprit.method and _as_edge_body(prepared) == culprit.body:
            stored = org.account_key or "stored-by-a-refused-create"
            org.account_key = stored if method == "create" else None

    recorder, violation, seen = _run_meddled(edge_site, "enums", store)
    assert violation.rules == [REJECTED_CALL_NO_EFFECT]
    first = next(r for p, r in seen if p.method == chosen and _as_edge_body(p) == culprit.body)
    assert violation.exchange is not None and violation.exchange.raw is first
    failure = next(f for f in recorder.failures if f["rule"] == REJECTED_CALL_NO_EFFECT)
    reproduction = failure["reproduction"]  # it ends with that answer, before any repair
    assert reproduction.splitlines()[-1].startswith(violation.exchange.curl(None))
    assert f"# the run got {CONTRACT.operation(CONTRACT.delete.method).success.status}" not in (
        reproduction
    )
    summary = recorder.edges_summary()["enums"]
    assert summary == {"inputs": len(derive("enums")), "passed": summary["inputs"] - 1,
                       "failed": 1, "skipped": 0}  # fmt: skip


def test_an_answer_a_groups_change_explains_is_not_taken_for_a_broken_refusal(
    edge_site: MockSite,
) -> None:
    """One refused create stores an account, and the site then answers the next one 409 (an
    account exists): the GET comes before that answer is judged, the change is the finding,
    and the next create, sent again from the restored state, passes."""
    creates = [e for e in derive("enums") if e.method == CONTRACT.create.method]
    culprit = creates[1]

    def store(prepared: Any, response: Any, org: Any) -> None:
        if prepared.method != culprit.method or response.status_code != S.invalid:
            return
        if org.account_key:
            response.status_code = S.conflict
        elif _as_edge_body(prepared) == culprit.body:
            org.account_key = "stored-by-a-refused-create"

    recorder, violation, seen = _run_meddled(edge_site, "enums", store)
    assert violation.rules == [REJECTED_CALL_NO_EFFECT]
    again = [
        r for p, r in seen if p.method == culprit.method and _as_edge_body(p) == creates[2].body
    ]
    assert [r.status_code for r in again] == [
        S.conflict,
        S.invalid,
    ]
    assert recorder.edges_summary()["enums"]["failed"] == 1


def test_a_site_that_deletes_the_account_on_an_accepted_update_is_caught(
    edge_site: MockSite,
) -> None:
    update = CONTRACT.update
    accepted = [e for e in derive("media-types") if e.method == update.method and
                e.expect == "accept"]  # fmt: skip
    assert len(accepted) > 1

    def delete(prepared: Any, response: Any, org: Any) -> None:
        if prepared.method == update.method and response.status_code == update.success.status:
            org.account_key = None

    recorder, violation, _ = _run_meddled(edge_site, "media-types", delete)
    assert set(violation.rules) == {LIFECYCLE_EFFECTS}
    assert violation.exchange is not None and violation.exchange.method == update.method
    assert recorder.edges_summary()["media-types"]["failed"] == len(accepted)
