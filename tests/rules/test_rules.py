"""A specification of the contract's rules, by example.

Every response rule gets crafted exchanges (no server involved) that it must pass, that it must
fail, and that it must leave alone ("n/a": the rule has nothing to judge). The table ``SPEC`` is
the specification; ``test_every_response_rule_is_specified`` keeps it complete when a rule is
added.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pytest

from statuspage_contract.http.exchange import BODY_PREVIEW, Exchange
from statuspage_contract.judging import ContractViolation, Verdict, check_exchange
from statuspage_contract.mock.faults import FAULTS
from statuspage_contract.redact import SECRETS, register_secret
from statuspage_contract.rules import (
    ECHO_MIN,
    RULES,
    NotApplicable,
    Rule,
    RuleContext,
    register,
    rules_of,
)
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
PATH = CONTRACT.account_path
URL = "http://127.0.0.1:9" + PATH
JSON = "application/json"
MASK = CONTRACT.mask
TYPE = CONTRACT.account_type
FIELD = CONTRACT.secret_field

#: A submitted api_key: long enough for no-key-echo, not in the contract document.
KEY = "sp-3f1a9c0e7b2d4c6f8a0b"
OTHER_KEY = "sp-other-5e6f7a8b9c0d"
SHORT_KEY = "sp-short"  # shorter than ECHO_MIN
PUBLIC_KEY = "00000000-0000-0000-0000-000000000000"  # the contract's own example
RATE_HEADERS = {
    "X-RateLimit-Limit": "10",
    "X-RateLimit-Period": "60",
    "X-RateLimit-Remaining": "0",
    "X-RateLimit-Reset": "42",
    "X-RateLimit-Name": "statuspage_integration",
}

_NO_BODY: Any = object()


def account(api_key: Any = MASK, type_: Any = TYPE, **extra_attributes: Any) -> dict[str, Any]:
    return {"data": {"attributes": {FIELD: api_key, **extra_attributes}, "type": type_}}


def errors(*messages: Any) -> dict[str, Any]:
    return {"errors": list(messages) or ["Bad Request"]}


def response(
    status: int,
    body: Any = _NO_BODY,
    *,
    method: str = "POST",
    raw: bytes | None = None,
    content_type: str | None = JSON,
    headers: dict[str, str] | None = None,
    on_contract: bool = True,
) -> Exchange:
    """An exchange as the client would record it; ``body`` is sent as JSON, ``raw`` as is."""
    if raw is None:
        raw = b"" if body is _NO_BODY else json.dumps(body).encode()
    response_headers = dict(headers or {})
    if content_type is not None:
        response_headers["Content-Type"] = content_type
    return Exchange(
        method=method,
        url=URL if on_contract else "http://127.0.0.1:9/elsewhere",
        request_headers={},
        request_body=None,
        status=status,
        response_headers=response_headers,
        response_body=raw,
        operation=f"{method} {PATH}" if on_contract else None,
    )


def fresh(exchange: Exchange) -> Exchange:
    """A copy without the parsed-body cache, so no test sees what another one did to it."""
    return dataclasses.replace(exchange, verdicts=[])


def judge(rule: Rule, exchange: Exchange, keys: Iterable[str] = ()) -> str:
    """``pass``, ``fail`` or ``n/a``: what one rule says of (a fresh copy of) one exchange."""
    assert rule.check is not None
    try:
        message = rule.check(fresh(exchange), RuleContext(set(keys)))
    except NotApplicable:
        return "n/a"
    return "fail" if message else "pass"


@dataclass(frozen=True)
class Case:
    rule: str
    expect: str  # pass | fail | n/a
    what: str
    exchange: Exchange
    keys: tuple[str, ...] = (KEY,)
    bug: str | None = None  # an xfail reason: the rule gets this case wrong today


def case(rule: str, expect: str, what: str, exchange: Exchange, **kwargs: Any) -> Case:
    return Case(rule, expect, what, exchange, **kwargs)


NON_ASCII_KEY = "sp-cl\u00e9-s\u00e9cr\u00e8te-0123"
QUOTE_KEY = 'sp-key"with-quote-0123'

SPEC: list[Case] = [
    # -- no-server-error --------------------------------------------------------------------
    case("no-server-error", "pass", "a 201", response(201, account())),
    case("no-server-error", "pass", "a 4xx", response(404, errors(), method="GET")),
    case("no-server-error", "fail", "a 500", response(500, errors("Internal Server Error"))),
    case("no-server-error", "fail", "a 503 with no body", response(503, content_type=None)),
    case(
        "no-server-error",
        "fail",
        "a 502 off the contract's path",
        response(502, errors(), on_contract=False),
    ),
    # -- documented-status ------------------------------------------------------------------
    case("documented-status", "pass", "POST 201", response(201, account())),
    case("documented-status", "pass", "GET 404", response(404, errors(), method="GET")),
    case("documented-status", "pass", "DELETE 204", response(204, method="DELETE")),
    case("documented-status", "pass", "PATCH 429", response(429, errors(), method="PATCH")),
    case("documented-status", "fail", "GET 401 (undocumented)", response(401, method="GET")),
    case("documented-status", "fail", "POST 200 instead of 201", response(200, account())),
    case("documented-status", "fail", "POST 404", response(404, errors())),
    case("documented-status", "fail", "DELETE 409", response(409, errors(), method="DELETE")),
    case(
        "documented-status",
        "n/a",
        "a request off the contract's path",
        response(418, errors(), on_contract=False),
    ),
    # -- json-content-type ------------------------------------------------------------------
    case("json-content-type", "pass", "a JSON 201", response(201, account())),
    case(
        "json-content-type",
        "pass",
        "JSON with a charset",
        response(400, errors(), content_type="application/json; charset=utf-8"),
    ),
    case(
        "json-content-type",
        "pass",
        "a +json media type",
        response(400, errors(), content_type="application/problem+json"),
    ),
    case(
        "json-content-type",
        "fail",
        "JSON sent as text/plain",
        response(201, account(), content_type="text/plain"),
    ),
    case(
        "json-content-type",
        "fail",
        "a body without Content-Type",
        response(400, errors(), content_type=None),
    ),
    case(
        "json-content-type",
        "fail",
        "HTML declared as JSON",
        response(500, raw=b"<html>oops</html>"),
    ),
    case(
        "json-content-type",
        "fail",
        "application/jsonp is not JSON",
        response(200, account(), content_type="application/jsonp", method="GET"),
    ),
    case("json-content-type", "n/a", "a 204 without a body", response(204, method="DELETE")),
    # -- response-schema --------------------------------------------------------------------
    case("response-schema", "pass", "a masked 201", response(201, account())),
    case("response-schema", "pass", "a 200 to GET", response(200, account(), method="GET")),
    case(
        "response-schema",
        "pass",
        "a 200 without the optional api_key",
        response(200, {"data": {"attributes": {}, "type": TYPE}}, method="PATCH"),
    ),
    case("response-schema", "pass", "an empty 204", response(204, method="DELETE")),
    case(
        "response-schema",
        "fail",
        "data.type with an underscore",
        response(201, account(type_="statuspage_account")),
    ),
    case(
        "response-schema",
        "fail",
        "data.attributes missing",
        response(201, {"data": {"type": TYPE}}),
    ),
    case("response-schema", "fail", "no data at all", response(200, {}, method="GET")),
    case("response-schema", "fail", "api_key not a string", response(201, account(api_key=5))),
    case("response-schema", "fail", "a 201 that is not JSON", response(201, raw=b"created")),
    case(
        "response-schema",
        "fail",
        "a 204 with a body",
        response(204, account(), method="DELETE"),
    ),
    case("response-schema", "n/a", "a 4xx", response(400, errors())),
    case("response-schema", "n/a", "a 5xx", response(500, errors())),
    case(
        "response-schema",
        "n/a",
        "an undocumented 2xx (documented-status reports it)",
        response(200, {"anything": 1}),
    ),
    case(
        "response-schema",
        "n/a",
        "a 200 off the contract's path",
        response(200, {"anything": 1}, on_contract=False),
    ),
    # -- error-envelope ---------------------------------------------------------------------
    case("error-envelope", "pass", "a 400 envelope", response(400, errors("Bad Request"))),
    case("error-envelope", "pass", "several messages", response(403, errors("a", "b"))),
    case("error-envelope", "pass", "an empty list", response(409, {"errors": []})),
    case(
        "error-envelope",
        "pass",
        "a 404 off the contract's path",
        response(404, errors("Not Found"), on_contract=False),
    ),
    case("error-envelope", "fail", "errors as a string", response(400, {"errors": "Bad"})),
    case("error-envelope", "fail", "the key 'error'", response(400, {"error": ["Bad"]})),
    case(
        "error-envelope",
        "fail",
        "objects instead of strings",
        response(400, {"errors": [{"detail": "Bad"}]}),
    ),
    case(
        "error-envelope",
        "fail",
        "sent as text/plain",
        response(403, errors("Forbidden"), content_type="text/plain"),
    ),
    case("error-envelope", "fail", "not JSON", response(404, raw=b"Not Found", method="GET")),
    case("error-envelope", "fail", "an empty 4xx body", response(403)),
    case("error-envelope", "n/a", "a 2xx", response(201, account())),
    case("error-envelope", "n/a", "a 5xx", response(500, raw=b"boom", content_type="text/plain")),
    # -- api-key-masked ---------------------------------------------------------------------
    case("api-key-masked", "pass", "the mask", response(201, account())),
    case("api-key-masked", "pass", "the mask on GET", response(200, account(), method="GET")),
    case("api-key-masked", "pass", "no key submitted yet", response(200, account()), keys=()),
    case(
        "api-key-masked",
        "pass",
        "a submitted key made of mask characters cannot be told from the mask",
        response(201, account()),
        keys=("*", "***"),
    ),
    case("api-key-masked", "fail", "the submitted key verbatim", response(201, account(KEY))),
    case(
        "api-key-masked",
        "fail",
        "an earlier submitted key",
        response(200, account(OTHER_KEY), method="PATCH"),
        keys=(KEY, OTHER_KEY),
    ),
    case(
        "api-key-masked",
        "fail",
        "the key inside a longer value",
        response(200, account(f"{MASK}{KEY}"), method="GET"),
    ),
    case(
        "api-key-masked",
        "fail",
        "a short key verbatim",
        response(201, account("abc")),
        keys=("abc",),
    ),
    case("api-key-masked", "fail", "api_key null", response(201, account(None))),
    case("api-key-masked", "fail", "api_key a number", response(200, account(7), method="GET")),
    case(
        "api-key-masked",
        "n/a",
        "a 4xx, even one quoting the key",
        response(400, errors(f"bad key {KEY}")),
    ),
    case("api-key-masked", "n/a", "a 2xx without a body", response(204, method="DELETE")),
    case(
        "api-key-masked",
        "n/a",
        "a 2xx without the field",
        response(200, {"data": {"attributes": {}, "type": TYPE}}, method="GET"),
    ),
    case("api-key-masked", "n/a", "a 2xx that is not JSON", response(201, raw=b"ok")),
    # -- no-key-echo ------------------------------------------------------------------------
    case("no-key-echo", "pass", "an error without the key", response(400, errors("Bad Request"))),
    case("no-key-echo", "pass", "a masked 201", response(201, account())),
    case(
        "no-key-echo",
        "pass",
        "the masked field itself is api-key-masked's business",
        response(201, account(KEY)),
    ),
    case(
        "no-key-echo",
        "fail",
        "a 400 quoting the key",
        response(400, errors(f"data.type is required (api_key {KEY!r})")),
    ),
    case(
        "no-key-echo",
        "fail",
        "a 409 quoting an earlier key",
        response(409, errors(f"exists with {OTHER_KEY}")),
        keys=(KEY, OTHER_KEY),
    ),
    case(
        "no-key-echo",
        "fail",
        "a header quoting the key",
        response(403, errors("Forbidden"), headers={"X-Debug": f"key={KEY}"}),
    ),
    case(
        "no-key-echo",
        "fail",
        "a 2xx quoting the key outside the masked field",
        response(201, account(note=f"stored {KEY}")),
    ),
    case(
        "no-key-echo",
        "fail",
        "a text/plain 5xx quoting the key",
        response(500, raw=f"Traceback: {KEY}".encode(), content_type="text/plain"),
    ),
    case(
        "no-key-echo",
        "fail",
        "a JSON error quoting a non-ASCII key (json.dumps escapes it as \\uXXXX)",
        response(400, errors(f"bad api_key {NON_ASCII_KEY}")),
        keys=(NON_ASCII_KEY,),
    ),
    case(
        "no-key-echo",
        "fail",
        'a JSON error quoting a key with a double quote (escaped as \\")',
        response(400, errors(f"bad api_key {QUOTE_KEY}")),
        keys=(QUOTE_KEY,),
    ),
    case("no-key-echo", "n/a", "no key submitted", response(400, errors(KEY)), keys=()),
    case(
        "no-key-echo",
        "n/a",
        f"only keys shorter than ECHO_MIN ({ECHO_MIN}), even quoted",
        response(400, errors(f"bad key {SHORT_KEY!r}")),
        keys=(SHORT_KEY,),
    ),
    case(
        "no-key-echo",
        "n/a",
        "only the contract's own example key, which is public",
        response(409, errors(f"exists with {PUBLIC_KEY}")),
        keys=(PUBLIC_KEY,),
    ),
    # -- rate-limit-headers -----------------------------------------------------------------
    case("rate-limit-headers", "pass", "all five headers", response(429, headers=RATE_HEADERS)),
    case(
        "rate-limit-headers",
        "pass",
        "header names in any case",
        response(429, headers={k.lower(): v for k, v in RATE_HEADERS.items()}, method="GET"),
    ),
    case("rate-limit-headers", "fail", "no headers", response(429, errors())),
    case(
        "rate-limit-headers",
        "fail",
        "X-RateLimit-Reset missing",
        response(429, headers={k: v for k, v in RATE_HEADERS.items() if "Reset" not in k}),
    ),
    case(
        "rate-limit-headers",
        "fail",
        "X-RateLimit-Reset not a number",
        response(429, headers={**RATE_HEADERS, "X-RateLimit-Reset": "soon"}),
    ),
    case(
        "rate-limit-headers",
        "fail",
        "an empty X-RateLimit-Name",
        response(429, headers={**RATE_HEADERS, "X-RateLimit-Name": ""}),
    ),
    case("rate-limit-headers", "n/a", "a 200", response(200, account(), headers=RATE_HEADERS)),
    case("rate-limit-headers", "n/a", "a 403", response(403, errors())),
    case(
        "rate-limit-headers",
        "n/a",
        "a 429 off the contract's path",
        response(429, errors(), on_contract=False),
    ),
]


def _param(c: Case) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=f"bug: {c.bug}")] if c.bug else []
    return pytest.param(c, id=f"{c.rule}: {c.expect}: {c.what}", marks=marks)


@pytest.mark.parametrize("spec", [_param(c) for c in SPEC])
def test_response_rule(spec: Case):
    assert judge(RULES[spec.rule], spec.exchange, spec.keys) == spec.expect


@pytest.mark.parametrize("rule", rules_of("response"), ids=lambda r: r.name)
def test_every_response_rule_is_specified_with_a_pass_and_a_fail(rule: Rule):
    expected = {c.expect for c in SPEC if c.rule == rule.name and not c.bug}
    assert {"pass", "fail"} <= expected, f"add passing and failing cases for {rule.name}"


def test_the_specification_names_only_registered_response_rules():
    assert {c.rule for c in SPEC} == {r.name for r in rules_of("response")}


@pytest.mark.parametrize("spec", [c for c in SPEC if not c.bug], ids=lambda c: c.what)
def test_check_exchange_reports_exactly_the_applicable_rules_and_their_verdicts(spec: Case):
    judged = check_exchange(fresh(spec.exchange), RuleContext(set(spec.keys)))
    results = {v.rule: v for v in judged}
    verdict = results.get(spec.rule)
    if spec.expect == "n/a":
        assert verdict is None
    elif spec.expect == "pass":
        assert verdict == Verdict(spec.rule, True)
    else:
        assert verdict is not None and not verdict.passed and verdict.message


@pytest.mark.parametrize("body", [account(KEY), account(MASK)], ids=["unmasked", "masked"])
def test_judging_an_exchange_leaves_its_parsed_body_intact(body):
    exchange = response(201, body)
    check_exchange(exchange, RuleContext({KEY}))
    assert exchange.json == body


def test_a_healthy_create_passes_every_applicable_rule():
    results = check_exchange(response(201, account()), RuleContext({KEY}))
    assert [v.rule for v in results] == [
        "no-server-error",
        "documented-status",
        "json-content-type",
        "response-schema",
        "api-key-masked",
        "no-key-echo",
    ]
    assert all(v.passed for v in results)


# -- the registry ---------------------------------------------------------------------------
KEBAB = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


def test_every_rule_name_is_unique():
    names = [r.name for kind in ("response", "scenario", "schemathesis") for r in rules_of(kind)]
    assert len(names) == len(set(names)) == len(RULES)


def test_registering_a_rule_name_twice_is_refused():
    existing = rules_of("response")[0]
    with pytest.raises(ValueError, match="registered twice"):
        register(Rule(existing.name, "scenario", "a duplicate"))
    assert RULES[existing.name] is existing


@pytest.mark.parametrize("rule", RULES.values(), ids=lambda r: r.name)
def test_every_rule_has_a_one_sentence_summary(rule: Rule):
    assert rule.summary.strip() == rule.summary
    assert rule.summary.endswith(".")
    assert "\n" not in rule.summary


@pytest.mark.parametrize("rule", RULES.values(), ids=lambda r: r.name)
def test_every_rule_has_a_well_formed_name_and_a_check_only_if_it_judges_responses(rule: Rule):
    if rule.kind == "schemathesis":
        assert rule.name.startswith("schemathesis:")
    else:
        assert KEBAB.fullmatch(rule.name)
    assert (rule.check is not None) == (rule.kind == "response")


@pytest.mark.parametrize("fault", FAULTS.values(), ids=lambda f: f.name)
def test_every_mock_fault_breaks_a_registered_rule(fault):
    assert fault.breaks in RULES
    assert RULES[fault.breaks].kind in ("response", "scenario")


# -- ContractViolation ----------------------------------------------------------------------
@pytest.fixture
def secrets_registered():
    """Registers secrets in the process-wide registry for one test, then restores it."""
    before = SECRETS.secrets
    yield register_secret
    SECRETS.clear()
    SECRETS.add(*before)


DD_API = "dd-api-7c1e0b9a8f6d5e4c3b2a1908"
DD_APP = "dd-app-0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def echoing_exchange() -> Exchange:
    body = json.dumps(account(KEY)).encode()
    exchange = response(409, errors(f"account exists (api_key {KEY!r})"))
    exchange.request_headers = {
        CONTRACT.api_key_header: DD_API,
        CONTRACT.app_key_header: DD_APP,
        "Content-Type": JSON,
    }
    exchange.request_body = body
    exchange.submitted_key = KEY
    return exchange


def test_a_violation_message_starts_with_the_rule_and_contains_no_secret(secrets_registered):
    secrets_registered(DD_API, DD_APP, KEY)
    exchange = echoing_exchange()
    exchange.own_keys = (DD_API, DD_APP)  # the client's own keys become variables
    finding = Verdict.broken("no-key-echo", f"the response quotes {KEY}")
    text = str(ContractViolation([finding], exchange))
    assert text.startswith("[no-key-echo] ")
    for secret in (DD_API, DD_APP, KEY):
        assert secret not in text
    assert "${DD_API_KEY}" in text and "${DD_APP_KEY}" in text
    assert "reproduce: curl -X POST" in text


def test_a_violation_lists_every_broken_rule_one_per_line(secrets_registered):
    secrets_registered(KEY)
    findings = [
        Verdict.broken("no-key-echo", "quoted"),
        Verdict.broken("documented-status", "status 418"),
    ]
    violation = ContractViolation(findings, echoing_exchange())
    lines = str(violation).splitlines()
    assert lines[:2] == ["[no-key-echo] quoted", "[documented-status] status 418"]
    assert violation.rules == ["no-key-echo", "documented-status"]
    assert isinstance(violation, AssertionError)


def test_a_violation_without_an_exchange_is_just_its_findings(secrets_registered):
    secrets_registered(KEY)
    violation = ContractViolation([Verdict.broken("single-account", f"second create with {KEY}")])
    assert str(violation) == "[single-account] second create with [REDACTED]"
    assert violation.exchange is None


def _views_of_a_long_echo() -> list[Any]:
    """An error body quoting KEY right where the exchange's previews cut it (300 characters
    for messages, BODY_PREVIEW for reports)."""

    def straddling(cut: int) -> Exchange:
        prefix = '{"errors": ["'
        filler = "x" * (cut - len(prefix) - len(KEY) // 2)
        return response(400, raw=f'{prefix}{filler}{KEY}"]}}'.encode())

    return [
        pytest.param(
            lambda: str(
                ContractViolation([Verdict.broken("no-key-echo", "quoted")], straddling(300))
            ),
            id="violation-message",
        ),
        pytest.param(lambda: json.dumps(straddling(BODY_PREVIEW).summary()), id="report-summary"),
    ]


@pytest.mark.parametrize("view", _views_of_a_long_echo())
def test_no_view_of_an_exchange_shows_part_of_a_secret_cut_by_its_preview(secrets_registered, view):
    secrets_registered(KEY)
    text = view()
    assert KEY[: len(KEY) // 2] not in text


def test_a_key_submitted_after_earlier_checks_is_still_looked_for():
    """The key rules extend what they know of a set of keys as it grows (one set per client):
    a key added after earlier responses were judged is looked for in the next ones."""
    later = "sp-9e8d7c6b5a4f3e2d1c0b"
    keys = {KEY}
    for _ in range(3):  # earlier responses, judged while only KEY was submitted
        assert all(v.passed for v in check_exchange(response(201, account()), RuleContext(keys)))
    keys.add(later)
    unmasked = check_exchange(response(201, account(later)), RuleContext(keys))
    echoed = check_exchange(response(400, errors(f"bad key {later}")), RuleContext(keys))
    assert [v.rule for v in unmasked if not v.passed] == ["api-key-masked"]
    assert [v.rule for v in echoed if not v.passed] == ["no-key-echo"]


# -- transport refusals and the contract's encoding ----------------------------------------------


@pytest.mark.parametrize("status", sorted(CONTRACT.protective_statuses))
def test_a_transport_refusal_is_judged_by_no_response_rule(status: int) -> None:
    """A 408, 413, 414 or 431 (in any media type: a front server's HTML page) is the site
    protecting itself, not an answer of the contract."""
    refusal = response(status, raw=b"<html>too large</html>", content_type="text/html")
    assert check_exchange(fresh(refusal), RuleContext(set())) == []
    # the same body on a contract status is judged, and fails
    broken = response(CONTRACT.status.invalid, raw=b"<html>bad</html>", content_type="text/html")
    failed = {v.rule for v in check_exchange(fresh(broken), RuleContext(set())) if not v.passed}
    assert {"error-envelope", "json-content-type"} <= failed


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "utf-8-sig"])
def test_a_body_in_another_encoding_than_utf_8_is_not_json(encoding: str) -> None:
    """RFC 8259: JSON between systems is UTF-8 (no byte order mark); json.loads of bytes would
    have read these."""
    sent = response(CONTRACT.status.ok, raw=json.dumps(account()).encode(encoding), method="GET")
    results = {v.rule: v for v in check_exchange(fresh(sent), RuleContext(set()))}
    assert not results["json-content-type"].passed
    assert not results["response-schema"].passed
