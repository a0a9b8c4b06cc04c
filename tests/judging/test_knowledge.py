"""What a client's answers show of its account, and the claims the next answer settles
(statuspage_contract.judging.knowledge), alone and through the judge and the scenarios."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from statuspage_contract.http.exchange import Exchange
from statuspage_contract.judging import ContractViolation, judged_client
from statuspage_contract.judging.knowledge import Knowledge
from statuspage_contract.judging.model import Presence
from statuspage_contract.judging.recorder import Recorder
from statuspage_contract.mock import MockSite
from statuspage_contract.rules import (
    LIFECYCLE_EFFECTS,
    REJECTED_CALL_NO_EFFECT,
    VALID_BODY_ACCEPTED,
)
from statuspage_contract.scenarios import (
    claims_verified,
    ensure_no_account,
    expect_unchanged,
    known_account,
    valid_create_body,
)
from statuspage_contract.spec import JSON_MEDIA_TYPE, load_contract, with_value

C = load_contract()
S = C.status
HERE, GONE = Presence.PRESENT, Presence.ABSENT
KEYS = ("api-key-of-the-client", "app-key-of-the-client")
BASE = "http://127.0.0.1:9"


def exchange(
    method: str,
    status: int,
    body: Any = None,
    *,
    keys: tuple[str, str] = KEYS,
    path: str | None = None,
    content_type: str = JSON_MEDIA_TYPE,
) -> Exchange:
    headers = {C.api_key_header: keys[0], C.app_key_header: keys[1]}
    raw = None
    if body is not None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers["Content-Type"] = content_type
    return Exchange(
        method=method,
        url=BASE + (path or C.account_path),
        request_headers=headers,
        request_body=raw,
        status=status,
        response_headers={},
        response_body=b"",
        own_keys=KEYS,
    )


def valid() -> dict[str, Any]:
    return valid_create_body()


def knows(*answers: Exchange) -> Knowledge:
    k = Knowledge()
    for a in answers:
        k.observe(a)
    return k


# -- each answer → state ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "state", "seen"),
    [
        (lambda: exchange("GET", S.ok), HERE, True),
        (lambda: exchange("GET", S.not_found), GONE, True),
        (lambda: exchange("POST", S.created, valid()), HERE, False),
        (lambda: exchange("POST", S.conflict, valid()), HERE, False),
        (lambda: exchange("PATCH", S.updated, valid()), HERE, False),
        (lambda: exchange("PATCH", S.not_found, valid()), GONE, False),
        (lambda: exchange("DELETE", S.deleted), GONE, False),
        (lambda: exchange("DELETE", S.not_found), GONE, False),
    ],
    ids=["get", "get-404", "create", "create-409", "update", "update-404", "delete", "delete-404"],
)
def test_an_answer_the_model_allows_in_one_state_shows_it(answer, state, seen) -> None:
    k = knows(answer())
    assert k.state is state
    assert k.seen is seen  # only a look shows the state itself; the rest rests on a call


@pytest.mark.parametrize(
    "answer",
    [
        # a rejected write that could change state: it carries an api_key
        lambda: exchange("POST", S.invalid, with_value(valid(), C.type_path, "broken")),
        lambda: exchange("POST", S.forbidden, valid()),
        lambda: exchange("POST", 500, valid()),
        lambda: exchange("DELETE", 500),
        lambda: exchange("PATCH", S.invalid, with_value(valid(), C.type_path, 1)),
        lambda: exchange("GET", 500),
        # a valid body sent as text: not the valid create the model's 201 is about
        lambda: exchange("POST", S.created, valid(), content_type="text/plain"),
        lambda: exchange("POST", S.created, b'{"data": ', content_type=JSON_MEDIA_TYPE),
        # a write with other keys (a site that ignores keys could take it as ours)
        lambda: exchange("DELETE", S.deleted, keys=("other", "keys")),
    ],
)
def test_what_the_model_does_not_settle_leaves_the_state_unknown(answer) -> None:
    k = knows(exchange("GET", S.ok), answer())
    assert k.state is None and not k.seen


@pytest.mark.parametrize(
    "answer",
    [
        # refusals of requests that could change nothing (live.safety.could_change_state):
        # no valid body and no api_key, so a lenient site could make no account of them
        lambda: exchange("POST", S.invalid, {"data": "broken"}),
        lambda: exchange("PATCH", S.invalid, {"data": 1}),
        lambda: exchange("POST", S.invalid, b'{"data": ', content_type=JSON_MEDIA_TYPE),
        lambda: exchange("GET", C.status.rate_limited),
    ],
)
def test_a_refusal_of_what_could_change_nothing_keeps_the_state(answer) -> None:
    k = knows(exchange("GET", S.ok), answer())
    assert (k.state, k.seen) == (HERE, True)


def test_a_look_with_other_keys_and_another_resource_change_nothing() -> None:
    settings = C.url_settings.collection_path
    k = knows(
        exchange("GET", S.not_found),
        exchange("GET", S.ok, keys=("other", "keys")),
        exchange("POST", 201, {"url": "x"}, path=settings),
    )
    assert (k.state, k.seen) == (GONE, True)


# -- claims ----------------------------------------------------------------------------


def test_a_claim_is_verified_by_the_next_answer_that_shows_the_state() -> None:
    k = knows(exchange("DELETE", S.deleted))
    assert k.claim()
    assert not k.claim()  # at most one pending
    [settled] = k.observe(exchange("POST", S.created, valid()))
    assert settled.passed is True and settled.claim.rule == LIFECYCLE_EFFECTS
    assert k.pending is None and k.state is HERE


def test_a_broken_claim_says_what_happened_against_the_answer_that_showed_it() -> None:
    k = knows(exchange("DELETE", S.deleted))
    k.claim()
    create = exchange("POST", S.conflict, valid())
    [settled] = k.observe(create)
    assert settled.passed is False and settled.exchange is create
    assert settled.claim.rule == LIFECYCLE_EFFECTS
    assert settled.message == (
        "DELETE answered 204, then a valid create answered 409: the account is still there"
    )


def test_a_no_effect_claim_is_recorded_against_the_rejected_call() -> None:
    rejected = exchange("POST", S.conflict, valid())
    k = knows(rejected)
    assert not k.claim(deferred=True)  # deferred claims only where a block settles them
    k.settling += 1
    assert k.claim(blame_basis=True, deferred=True, said="a create rejected with 409")
    [settled] = k.observe(exchange("DELETE", S.not_found))
    assert settled.passed is False and settled.exchange is rejected
    assert settled.claim.rule == REJECTED_CALL_NO_EFFECT and settled.claim.deferred
    assert settled.message.endswith("then DELETE answered 404: it is gone")


def test_a_claim_no_answer_can_show_is_said_unverified() -> None:
    k = knows(exchange("DELETE", S.deleted))
    k.claim()
    [settled] = k.observe(exchange("POST", S.invalid, valid()))
    assert settled.passed is None and "shows nothing" in settled.message
    assert k.state is None
    k = knows(exchange("DELETE", S.deleted))
    k.claim()
    [settled] = k.forget("a request got no answer")
    assert settled.passed is None and k.pending is None


def test_a_look_claims_nothing() -> None:
    k = knows(exchange("GET", S.not_found))
    assert not k.claim()


# -- through the judge and the scenarios, against the mock -------------------------------


@pytest.fixture(scope="module")
def site() -> Iterator[MockSite]:
    with MockSite() as mock:
        yield mock


@pytest.fixture
def client(site: MockSite):
    site.set_faults([])
    site.reset()
    return judged_client(
        site.base_url, site.api_key, site.app_key, recorder=Recorder(), test=lambda: "t"
    )


def sent_by(client) -> list[str]:
    return [f"{e.method} {e.status}" for _, e in client.judge.recorder._steps]


def test_no_account_shown_by_a_look_needs_no_request(client) -> None:
    client.get()
    ensure_no_account(client)
    ensure_no_account(client, then_create=True)
    assert client.sent == 1


def test_an_unknown_state_is_cleaned_and_looked_at(client) -> None:
    client.create(valid())
    ensure_no_account(client)
    assert sent_by(client) == ["POST 201", "DELETE 204", "GET 404"]
    assert known_account(client) is False and client.sent == 3


def test_a_request_without_answer_leaves_the_state_unknown(client) -> None:
    client.get()
    client.sent += 1  # as a request that got no answer leaves it
    ensure_no_account(client)
    assert client.sent == 3  # DELETE (404): it was looked after, not assumed


def test_a_delete_before_a_valid_create_is_verified_by_it(client) -> None:
    client.create(valid())
    ensure_no_account(client, then_create=True)
    client.create(valid())
    assert sent_by(client) == ["POST 201", "DELETE 204", "POST 201"]
    assert client.judge.recorder.tallies[LIFECYCLE_EFFECTS].passed == 1


def test_a_delete_that_kept_the_account_breaks_lifecycle_effects_at_the_create(
    client, site: MockSite
) -> None:
    site.set_faults(["delete-keeps-account"])
    client.create(valid())
    ensure_no_account(client, then_create=True)
    with pytest.raises(ContractViolation) as caught:
        client.create(valid())
    assert caught.value.rules == [LIFECYCLE_EFFECTS]
    recorder = client.judge.recorder
    [failure] = recorder.failures
    assert failure["rule"] == LIFECYCLE_EFFECTS
    assert failure["operation"].startswith("POST")
    assert failure["message"] == (
        "DELETE answered 204, then a valid create answered 409: the account is still there"
    )
    assert recorder.tallies[VALID_BODY_ACCEPTED].failed == 0


def test_a_conflict_is_shown_to_change_nothing_by_the_next_delete(client) -> None:
    with claims_verified(client):
        client.create(valid())
        rejected = client.create(valid())
        expect_unchanged(client, True, rejected, lazy=True)
        ensure_no_account(client, then_create=True)
        client.create(valid())
    assert sent_by(client) == ["POST 201", "POST 409", "DELETE 204", "POST 201"]
    tallies = client.judge.recorder.tallies
    assert tallies[REJECTED_CALL_NO_EFFECT].passed == 1
    assert tallies[LIFECYCLE_EFFECTS].passed == 1


def test_a_claim_pending_when_the_block_ends_gets_a_look(client) -> None:
    with claims_verified(client):
        client.create(valid())
        expect_unchanged(client, True, client.create(valid()), lazy=True)
    assert sent_by(client) == ["POST 201", "POST 409", "GET 200"]
    assert client.judge.recorder.tallies[REJECTED_CALL_NO_EFFECT].passed == 1


def test_outside_a_block_a_rejected_call_is_looked_after(client) -> None:
    client.create(valid())
    expect_unchanged(client, True, client.create(valid()), lazy=True)
    assert sent_by(client) == ["POST 201", "POST 409", "GET 200"]


def test_a_broken_deferred_claim_is_raised_at_the_end_against_the_rejected_call(
    client, site: MockSite
) -> None:
    """As a site whose 409 removed the account: the next DELETE answers 404. The example
    that showed it does not fail (a later Hypothesis example must not fail for an earlier
    one); the block does, with the rule and the exchange of the call that broke it."""
    with pytest.raises(ContractViolation) as caught, claims_verified(client):
        client.create(valid())
        rejected = client.create(valid())
        expect_unchanged(client, True, rejected, lazy=True)
        site.reset()  # the account is gone behind the client's back
        ensure_no_account(client, then_create=True)  # DELETE 404: no raise here
        client.create(valid())
    assert caught.value.rules == [REJECTED_CALL_NO_EFFECT]
    assert caught.value.exchange is rejected
    [failure] = client.judge.recorder.failures
    assert failure["rule"] == REJECTED_CALL_NO_EFFECT
    assert failure["response"] == rejected.summary()
    assert "then DELETE answered 404: it is gone" in failure["message"]
