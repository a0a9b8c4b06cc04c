"""Contract-driven Hypothesis strategies (via Schemathesis) and the bridge to the client.

Schemathesis turns the contract into strategies of cases; each case is sent by
:class:`~statuspage_contract.http.client.ContractClient` (so budgets, redaction and the toolkit's
rules apply) and then judged by Schemathesis' applicable built-in checks.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from . import equivalence
from .http.exchange import Exchange
from .judging import ContractViolation, JudgedClient, Verdict
from .redact import redact
from .rules import SCHEMATHESIS_CHECKS
from .spec import JSON_MEDIA_TYPE, document_copy, load_contract

#: Headers Schemathesis adds that are not part of what the contract is about.
_DROP_HEADERS = {"user-agent", "x-schemathesis-testcaseid"}


@cache
def schema() -> Any:
    """The contract as a Schemathesis schema (built once)."""
    _word_schemathesis_lambdas()
    return schemathesis.openapi.from_dict(document_copy())


def _word_schemathesis_lambdas() -> None:
    """Have Hypothesis word, from a one-line source, a lambda Schemathesis' strategies use.

    Hypothesis words each lambda of a strategy it validates; for one it has not seen, it may
    parse the lambda's whole source file. Schemathesis' arbitrary-JSON strategy maps floats
    with this lambda in a ~1,900-line module: parsing it held ~7 MB at once, the largest
    allocation of a run, and left the process ~4 MB larger. Worded here first, the same
    lambda there is found by its code in Hypothesis' cache of descriptions, and not parsed
    (tests/test_generation.py checks it in a fresh interpreter)."""
    repr(st.floats().map(lambda x: x or 0.0))


def operation(method: str) -> Any:
    return schema()[load_contract().account_path][method.upper()]


#: What a case carries in its auth headers until it is sent: :func:`prepare` puts the client's
#: own keys there.
AUTH_PLACEHOLDER = "set-by-the-client"


def _auth_headers() -> dict[str, str]:
    contract = load_contract()
    return {name: AUTH_PLACEHOLDER for name in (contract.api_key_header, contract.app_key_header)}


def cases(method: str = "POST", *, valid: bool = True) -> st.SearchStrategy[Any]:
    """Generated cases of one operation: valid (positive) or invalid (negative) ones.

    The auth headers are given, not generated: the client sends its own keys in their place
    (auth is judged by the example tests and the edges). So no time goes into generating
    them, and an invalid case always breaks the body: left to Schemathesis, about a third of
    the invalid cases broke only the auth headers, and were discarded."""
    mode = GenerationMode.POSITIVE if valid else GenerationMode.NEGATIVE
    return operation(method).as_strategy(generation_mode=mode, headers=_auth_headers())


def bodies(method: str = "POST", *, valid: bool = True) -> st.SearchStrategy[Any]:
    """Generated request bodies of one operation."""
    return cases(method, valid=valid).map(lambda case: case.body)


def url_setting_bodies(method: str, *, valid: bool = True) -> st.SearchStrategy[Any]:
    """Generated request bodies of one URL settings operation (JSON values, or raw bytes for
    an invalid one that is no JSON)."""
    settings = load_contract().url_settings
    op = settings.operations[method.upper()]
    mode = GenerationMode.POSITIVE if valid else GenerationMode.NEGATIVE
    strategy = schema()[op.path][op.method].as_strategy(
        generation_mode=mode, headers=_auth_headers()
    )
    return strategy.map(lambda case: case.body)


def sent_alike(client: JudgedClient, case: Any, *also: Any) -> bool:
    """Whether a body of this case's class (:mod:`statuspage_contract.equivalence`) was
    already sent to its operation by this client, with the same ``also`` (other drawn values
    of the input): Hypothesis' ``reject()`` while new classes may still come, then True, for
    the test to end this example without a request. False (send it) when the profile sends
    every input, for a new class, and in Hypothesis' final replay of a failing example."""
    method, path = case.operation.method.upper(), case.operation.path
    op = load_contract().operation_at(method, path)
    schema = (op.request_schema if op is not None else None) or {}
    return _sent_alike(client, (method, path), schema, case.body, case.media_type, also)


def url_setting_sent_alike(client: JudgedClient, method: str, body: Any, *also: Any) -> bool:
    """:func:`sent_alike` for a body of :func:`url_setting_bodies`."""
    op = load_contract().url_settings.operations[method.upper()]
    return _sent_alike(client, (method.upper(), op.path), op.request_schema or {}, body, None, also)


def _sent_alike(
    client: JudgedClient,
    key: tuple[str, str],
    schema: dict[str, Any],
    body: Any,
    media: str | None,
    also: tuple[Any, ...],
) -> bool:
    from hypothesis import reject
    from hypothesis.control import current_build_context, currently_in_test_context

    if not equivalence.deduplicating(client):
        return False
    if currently_in_test_context() and current_build_context().is_final:
        return False  # the replay of a failing example is sent as it was
    valid, cls = equivalence.input_class(body, schema, media)
    decision = equivalence.registry_for(client).decide((*key, valid, also), cls)
    if decision is equivalence.Send.REJECT:
        reject()
    return decision is equivalence.Send.PASS


def first_of_its_class(client: JudgedClient, method: str, kwargs: dict[str, Any]) -> bool:
    """Record the class of a body about to be sent with ``client.request(method, **kwargs)``
    (the example tests' bad inputs), so that a generated body of that class is not sent
    again; whether it is the first of its class this client sends (always True when the
    profile sends every input: the test then skips an input of a class already sent)."""
    op = load_contract().operation(method)
    body = kwargs["json"] if "json" in kwargs else kwargs.get("data")
    body = body.encode() if isinstance(body, str) else body
    valid, cls = equivalence.input_class(body, op.request_schema or {}, kwargs.get("content_type"))
    first = equivalence.registry_for(client).note((method.upper(), op.path, valid, ()), cls)
    return first or not equivalence.deduplicating(client)


def prepare(client: JudgedClient, case: Any) -> tuple[str, str, dict[str, str], bytes | None]:
    """A generated case as the client will send it: method, URL, headers (its own auth
    headers replaced by the client's keys) and body bytes."""
    kwargs = case.as_transport_kwargs(base_url=client.base_url)
    contract = load_contract()
    auth = (contract.api_key_header, contract.app_key_header, contract.bearer.header)
    drop = _DROP_HEADERS | {name.lower() for name in auth}
    headers = {k: str(v) for k, v in kwargs.get("headers", {}).items() if k.lower() not in drop}
    headers.update(client.auth_headers())
    if "json" in kwargs:
        body: bytes | None = json.dumps(kwargs["json"]).encode()
        headers.setdefault("Content-Type", JSON_MEDIA_TYPE)
    else:
        data = kwargs.get("data")
        body = data.encode() if isinstance(data, str) else data
    return kwargs["method"], kwargs["url"], headers, body


def refusal(client: JudgedClient, case: Any) -> str | None:
    """Why the client's safety ledger would refuse to send this case, or None."""
    method, _, _, body = prepare(client, case)
    return client.ownership.refusal(method, body)


def send_case(
    client: JudgedClient, case: Any, *, raise_on_violation: bool | None = None
) -> Exchange:
    """Send a generated case with the client's keys (its own auth headers are replaced) and
    judge the response with the toolkit's response rules."""
    __tracebackhide__ = True
    method, url, headers, body = prepare(client, case)
    return client.send_prepared(method, url, headers, body, raise_on_violation=raise_on_violation)


def send_and_judge(client: JudgedClient, case: Any) -> Exchange:
    """Send a generated case and judge its response with the toolkit's response rules *and*
    Schemathesis' built-in checks, all of them, before raising one combined violation."""
    __tracebackhide__ = True
    exchange = send_case(client, case, raise_on_violation=False)
    findings = [Verdict.broken(v.rule, v.message) for v in exchange.violations]
    findings += run_builtin_checks(client, case, exchange, raise_on_violation=False)
    if findings and client.judge.raise_on_violation:
        raise ContractViolation(findings, exchange)
    return exchange


def run_builtin_checks(
    client: JudgedClient,
    case: Any,
    exchange: Exchange,
    *,
    raise_on_violation: bool | None = None,
) -> list[Verdict]:
    """Judge a response with Schemathesis' applicable built-in checks, one rule each;
    record every verdict and return (or raise) the failures."""
    __tracebackhide__ = True
    from schemathesis import checks as st_checks

    checks = [getattr(st_checks, name) for name in SCHEMATHESIS_CHECKS]
    try:  # the common case: every check passes in one call
        case.validate_response(exchange.raw, checks=checks)
    except FailureGroup:
        pass  # find out which checks failed, one by one
    else:
        client.judge.record(Verdict(f"schemathesis:{name}", True) for name in SCHEMATHESIS_CHECKS)
        return []
    verdicts = []
    for name in SCHEMATHESIS_CHECKS:
        check = getattr(st_checks, name)
        rule = f"schemathesis:{name}"
        try:
            case.validate_response(exchange.raw, checks=[check])
        except FailureGroup as group:
            message = "; ".join(f"{f.title}: {f.message}".strip() for f in group.exceptions)
            verdicts.append(Verdict.broken(rule, redact(message)[:1000]))
        else:
            verdicts.append(Verdict(rule, True))
    findings = client.judge.record(verdicts, exchange)
    if raise_on_violation is None:
        raise_on_violation = client.judge.raise_on_violation
    if findings and raise_on_violation:
        raise ContractViolation(findings, exchange)
    return findings
