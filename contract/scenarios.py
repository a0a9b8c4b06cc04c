"""Reusable steps and inputs of the contract suite, derived from the contract document."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Collection, Iterator
from typing import Any

from .http.exchange import Exchange
from .judging import ContractViolation, JudgedClient, Verdict
from .judging.knowledge import Knowledge
from .judging.model import (
    CREATE,
    CREATE_INVALID,
    Presence,
    Resource,
    account,
    presence,
    status_verdict,
)
from .live.safety import State, could_change_state
from .rules import (
    LIFECYCLE_EFFECTS,
    REJECTED_CALL_NO_EFFECT,
)
from .spec import JSON_MEDIA_TYPE, load_contract, loads_json
from .spec.validators import schema_errors
from .target import sentinel_key


def read_only_refusal(client: JudgedClient, method: str, kwargs: dict[str, Any]) -> str | None:
    """Why a request built from ``kwargs`` may not be sent by this run (a lenient site could
    turn it into a state change), or None. Tests skip such inputs in read-only runs."""
    if "json" in kwargs:
        body: bytes | None = json.dumps(kwargs["json"]).encode()
    else:
        data = kwargs.get("data")
        body = data.encode() if isinstance(data, str) else data
    return client.ownership.refusal(method, body)


def is_valid_create_body(body: Any) -> bool:
    """Whether ``body`` (an object, or raw bytes) is a valid create request body."""
    if isinstance(body, bytes | bytearray):
        try:
            body = loads_json(body)  # UTF-8 only, as the media type says (RFC 8259)
        except (ValueError, RecursionError):
            return False
    try:
        return not schema_errors(body, load_contract().create.request_schema or {})
    except RecursionError:
        return False


def expect_status(
    client: JudgedClient,
    rule: str,
    exchange: Exchange,
    expected: int | Collection[int],
    what: str,
) -> bool:
    """Judge ``rule`` by one answer's status (see
    :func:`statuspage_contract.judging.model.status_verdict`, the one verdict helper
    of the suite, the scenarios and the notebook)."""
    __tracebackhide__ = True
    verdict = status_verdict(rule, exchange.status, expected, what)
    client.judge.expect(verdict.rule, verdict.passed, verdict.message, exchange)
    return verdict.passed


def expect_call(
    client: JudgedClient,
    call: str,
    state: Presence | None,
    exchange: Exchange,
    what: str = "",
    resource: Resource | None = None,
) -> bool:
    """Judge one answer to ``call`` made in ``state`` by what the resource model allows
    (:mod:`statuspage_contract.judging.model`; the account unless ``resource`` says
    otherwise): its rule, its statuses, and ``what`` (default: the model's words)."""
    __tracebackhide__ = True
    step = (resource or account()).expected(call, state)
    return expect_status(client, step.rule, exchange, step.allowed, what or step.what)


def valid_create_body() -> dict[str, Any]:
    """The documented example with a fresh, distinctive api_key."""
    contract = load_contract()
    return contract.with_secret(contract.request_example("POST"), sentinel_key())


def account_exists(client: JudgedClient) -> bool:
    """GET the account: True for 200, False for 404; anything else breaks the contract.
    A look, always (for a rule whose subject is the state; else :func:`known_account`)."""
    status = load_contract().status
    with client.judge.bookkeeping():
        exchange = client.get()
    expect_status(client, "documented-status", exchange, (status.ok, status.not_found), "GET")
    return exchange.status == status.ok


def knowledge(client: JudgedClient) -> Knowledge | None:
    """What the client's answers showed of the account (:mod:`statuspage_contract.judging.
    knowledge`), up to date with every request it sent."""
    return client.judge.known(client.sent)


def known_account(client: JudgedClient) -> bool:
    """Whether the account exists: from what the last look showed, when nothing since has
    left it in doubt; else a look (:func:`account_exists`)."""
    known = knowledge(client)
    if known is not None and known.seen:
        return known.state is Presence.PRESENT
    return account_exists(client)


def ensure_no_account(client: JudgedClient, *, then_create: bool = False) -> None:
    """Delete the account if there is one, and check that the delete really happened.

    Nothing is sent when a look showed no account and nothing since left it in doubt. With
    ``then_create`` (the caller's next request is a valid create, whose answer shows whether
    the account is gone: 201 it was, 409 it was not), a DELETE's 204 is not looked at: it is
    claimed, and that answer verifies it (a 409 breaks LIFECYCLE_EFFECTS).

    On a guarded site whose ledger says no account exists, only look (GET): the run deletes
    nothing it cannot prove it created. An account that shows up there is adopted when the
    run's own last request caused it, and otherwise stops the run (see
    statuspage_contract.live.safety)."""
    known = knowledge(client)
    absent = known is not None and known.state is Presence.ABSENT
    if absent and known is not None and (known.seen or (then_create and known.claim())):
        return
    ledger = client.ownership
    guarded_and_absent = not ledger.unrestricted and ledger.state is State.ABSENT
    if guarded_and_absent and not ledger.pending and not account_exists(client):
        return
    status = load_contract().status
    with client.judge.bookkeeping():
        deleted = client.delete()
    expect_status(
        client, "documented-status", deleted, (status.deleted, status.not_found), "DELETE"
    )
    if deleted.status != status.deleted:
        return
    if then_create and known is not None and known.claim():
        return
    with client.judge.bookkeeping():
        after = client.get()
    expect_status(
        client, LIFECYCLE_EFFECTS, after, status.not_found, "GET after a successful DELETE"
    )


def expect_refusal_changed_nothing(client: JudgedClient, existed: bool, rejected: Exchange) -> None:
    """:func:`expect_unchanged` where a look is worth it: in ``thorough`` always; in ``fast``
    and ``ci`` when the refused request could change state (the safety ledger's
    ``could_change_state``: a body neither valid nor carrying an api_key makes no account;
    the knowledge keeps the state across its refusal, so no later test looks either)."""
    from . import equivalence

    thrifty = equivalence.deduplicating(client)  # fast and ci (profiles.ONE_INPUT_PER_CLASS)
    if not thrifty or could_change_state(rejected.method, rejected.request_body):
        expect_unchanged(client, existed, rejected)


def expect_unchanged(
    client: JudgedClient, existed: bool, rejected: Exchange, *, lazy: bool = False
) -> None:
    """After a rejected call, GET must show the same account state as before it.

    ``lazy`` (inside :func:`claims_verified`): when the rejected call's answer itself showed
    the state (a valid create's 409: the account exists), the look is left to the next
    answer that shows the state (e.g. the next DELETE's 204; a 404 breaks
    REJECTED_CALL_NO_EFFECT against ``rejected``), or to the block's end."""
    known = knowledge(client) if lazy else None
    if (
        known is not None
        and known.basis is rejected
        and known.state is presence(existed)
        and known.claim(
            blame_basis=True,
            deferred=True,
            said=f"a call rejected with {rejected.status} "
            f"{'while the account existed' if existed else 'without an account'}",
        )
    ):
        return
    now = account_exists(client)
    message = changed_message(existed, now, rejected.status)
    client.judge.expect(REJECTED_CALL_NO_EFFECT, now == existed, message, rejected)


def changed_message(existed: bool, now: bool, status: int) -> str:
    """What a refused call that changed the account did, in words."""
    return (
        f"a call rejected with {status} changed the account: it "
        f"{'existed' if existed else 'did not exist'} before and "
        f"{'exists' if now else 'does not exist'} after"
    )


@contextlib.contextmanager
def claims_verified(client: JudgedClient) -> Iterator[None]:
    """A block (e.g. all the examples of a Hypothesis test) whose scenarios may leave a claim
    to the next answer that shows the state (``expect_unchanged(lazy=True)``): when it ends,
    a claim still pending is verified by a look, and a claim broken in it is raised (each
    was recorded against its own exchange, in this test, when an answer showed it)."""
    known = client.judge.knowledge
    if known is None:
        yield
        return
    known.settling += 1
    try:
        yield
    except ContractViolation:
        with contextlib.suppress(ContractViolation):
            _verify_claims(client, known)
        raise
    except BaseException:
        client.judge.forget("the test stopped")
        known.broken.clear()
        raise
    else:
        _verify_claims(client, known)
    finally:
        known.settling -= 1


def _verify_claims(client: JudgedClient, known: Knowledge) -> None:
    __tracebackhide__ = True
    try:
        if knowledge(client) is not None and known.pending is not None:
            with client.judge.bookkeeping():
                client.get()
    finally:
        broken, known.broken = known.broken, []
    if broken and client.judge.raise_on_violation:
        verdicts = [Verdict.broken(b.claim.rule, b.message) for b in broken]
        raise ContractViolation(verdicts, broken[0].exchange)


def _sends_valid_create(client: JudgedClient, case: Any) -> bool:
    """Whether a generated case goes out as a valid create: JSON, sent as JSON, valid."""
    from . import generation

    _, _, headers, body = generation.prepare(client, case)
    media = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    json_sent = media.split(";")[0].strip().lower() == JSON_MEDIA_TYPE
    return json_sent and body is not None and is_valid_create_body(body)


def valid_create_then_conflict(client: JudgedClient, case: Any) -> None:
    """A generated valid create from a clean state: 201, then 409 for the same body, and
    the 409 changes nothing. Schemathesis' built-in checks judge the first response."""
    from . import generation

    if generation.sent_alike(client, case):
        return
    ensure_no_account(client, then_create=_sends_valid_create(client, case))
    created = generation.send_and_judge(client, case)
    expect_call(
        client,
        CREATE,
        Presence.ABSENT,
        created,
        "a valid create on an organisation without an account",
    )
    again = generation.send_case(client, case)
    expect_call(client, CREATE, Presence.PRESENT, again, "a create while an account exists")
    expect_unchanged(client, True, again, lazy=True)


def invalid_create_rejected(client: JudgedClient, case: Any, *, clean: bool = True) -> None:
    """A generated invalid create: 400 (409 allowed when an account exists and the state
    cannot be cleaned), and it changes nothing. Read-only runs skip (``hypothesis.reject``)
    cases a lenient site could turn into an account."""
    from hypothesis import reject

    from . import generation

    if generation.refusal(client, case):
        reject()
    if generation.sent_alike(client, case):
        return

    if clean:
        ensure_no_account(client)
        existed = False
    else:
        existed = known_account(client)
    rejected = generation.send_and_judge(client, case)
    expect_call(
        client, CREATE_INVALID, presence(existed), rejected, "a create with an invalid body"
    )
    expect_refusal_changed_nothing(client, existed, rejected)
