"""The registry of contract rules.

Three kinds of rule live in one registry:

- ``response`` rules judge any single response (run on every call the suite makes);
- ``scenario`` rules judge a sequence of calls (run by the suite's tests via :func:`expect`);
- ``schemathesis`` rules are Schemathesis' applicable built-in checks, run on generated cases.

A violation is raised as :class:`ContractViolation`, whose message starts with the rule name.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from contract.exchange import Exchange
from contract.redact import redact
from contract.spec import is_json_media_type, load_contract

if TYPE_CHECKING:
    from jsonschema import Draft4Validator

Kind = Literal["response", "scenario", "schemathesis"]


class NotApplicable(Exception):
    """Raised by a response rule that has nothing to judge in this response."""


#: The kinds of site a run can target: the embedded mock (whose controls provoke everything,
#: 429s included) and a live site (a Datadog site or any URL: nothing is provoked on purpose).
SiteKind = Literal["mock", "live"]
SITE_KINDS: frozenset[SiteKind] = frozenset({"mock", "live"})


def site_kind(site: str) -> SiteKind:
    """The kind of a site by its name (``mock``, or anything else)."""
    from contract.sites import MOCK

    return "mock" if site == MOCK else "live"


@dataclass(frozen=True)
class Rule:
    name: str
    kind: Kind
    summary: str
    check: Callable[[Exchange, RuleContext], str | None] | None = None
    #: The kinds of site on which the rule must be exercised for the contract to HOLD (it is
    #: judged wherever it applies, and a failure counts everywhere).
    required_on: frozenset[SiteKind] = SITE_KINDS

    def is_required(self, site: SiteKind) -> bool:
        return site in self.required_on


@dataclass
class RuleContext:
    """What a response rule may know beyond the exchange: the keys submitted so far."""

    submitted_keys: set[str]


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str


class ContractViolation(AssertionError):
    """One or more rules broken by one observation. Its text is already redacted."""

    def __init__(self, findings: Iterable[Finding], exchange: Exchange | None = None) -> None:
        self.findings = list(findings)
        self.exchange = exchange
        lines = [f"[{f.rule}] {f.message}" for f in self.findings]
        if exchange is not None:
            lines.append(f"response: {exchange.describe()}")
            lines.append(f"reproduce: {exchange.curl()}")
        super().__init__(redact("\n".join(lines)))

    @property
    def rules(self) -> list[str]:
        return [f.rule for f in self.findings]


RULES: dict[str, Rule] = {}


def _register(rule: Rule) -> Rule:
    if rule.name in RULES:
        raise ValueError(f"rule {rule.name!r} is registered twice")
    RULES[rule.name] = rule
    return rule


def response_rule(
    name: str, summary: str, *, required_on: frozenset[SiteKind] = SITE_KINDS
) -> Callable[[Callable[[Exchange, RuleContext], str | None]], Rule]:
    def decorate(func: Callable[[Exchange, RuleContext], str | None]) -> Rule:
        return _register(Rule(name, "response", summary, func, required_on))

    return decorate


def scenario_rule(name: str, summary: str) -> Rule:
    return _register(Rule(name, "scenario", summary))


def rules_of(kind: Kind) -> list[Rule]:
    return [r for r in RULES.values() if r.kind == kind]


# -- helpers ------------------------------------------------------------------------------
@cache
def _validator(key: str) -> Draft4Validator:
    # Imported on first use: importing jsonschema loads its format checkers' optional
    # libraries (rfc3987_syntax alone takes ~1 s), which `gate` never needs.
    from jsonschema import Draft4Validator

    return Draft4Validator(json.loads(key))


def schema_errors(instance: Any, schema: dict[str, Any]) -> list[str]:
    """Human-readable schema violations of ``instance`` (values are not quoted)."""
    import json

    validator = _validator(json.dumps(schema, sort_keys=True))
    out = []
    for err in sorted(
        validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))
    ):
        where = "/".join(map(str, err.absolute_path)) or "body"
        what = (
            err.message
            if err.validator in {"required", "enum", "type"}
            else f"violates {err.validator}"
        )
        out.append(f"{where}: {what}")
    return out


def _operation(exchange: Exchange) -> Any:
    contract = load_contract()
    if exchange.operation is None:
        raise NotApplicable
    return contract.operation(exchange.method)


@cache
def _maskable(key: str, mask: str) -> bool:
    """A key that a mask could reveal: it has a character that the mask does not."""
    return bool(key) and not set(key) <= set(mask)


# -- response rules -----------------------------------------------------------------------
@response_rule("no-server-error", "No request, valid or not, makes the site answer 5xx.")
def _no_server_error(ex: Exchange, ctx: RuleContext) -> str | None:
    return f"server error {ex.status}" if ex.status >= 500 else None


@response_rule("documented-status", "Every status code answered is documented for the operation.")
def _documented_status(ex: Exchange, ctx: RuleContext) -> str | None:
    op = _operation(ex)
    if ex.status in op.responses:
        return None
    return f"status {ex.status} is not documented for {op.label} (documented: {op.statuses})"


@response_rule("json-content-type", "Every response with a body is sent as JSON.")
def _json_content_type(ex: Exchange, ctx: RuleContext) -> str | None:
    if not ex.response_body:
        raise NotApplicable
    if is_json_media_type(ex.content_type) and ex.is_json:
        return None
    return f"a {ex.status} body is sent as {ex.content_type or 'no Content-Type'!r}, not JSON"


@response_rule(
    "response-schema",
    "Every 2xx response has the documented shape: required fields present, type enum respected.",
)
def _response_schema(ex: Exchange, ctx: RuleContext) -> str | None:
    if not 200 <= ex.status < 300:
        raise NotApplicable
    documented = _operation(ex).response(ex.status)
    if documented is None:
        raise NotApplicable  # documented-status reports it
    if documented.schema is None:
        return None if not ex.response_body.strip() else f"a {ex.status} response must have no body"
    try:
        body = ex.json
    except ValueError:
        return f"the {ex.status} body is not JSON"
    errors = schema_errors(body, documented.schema)
    return "; ".join(errors) if errors else None


@response_rule(
    "error-envelope",
    'Every 4xx body is {"errors": [string, ...]} with a JSON Content-Type.',
)
def _error_envelope(ex: Exchange, ctx: RuleContext) -> str | None:
    if not 400 <= ex.status < 500:
        raise NotApplicable
    if not is_json_media_type(ex.content_type):
        return f"the {ex.status} error is sent as {ex.content_type or 'no Content-Type'!r}"
    try:
        body = ex.json
    except ValueError:
        return f"the {ex.status} error body is not JSON"
    errors = schema_errors(body, load_contract().error_schema)
    return "; ".join(errors) if errors else None


@response_rule(
    "api-key-masked",
    "The api_key in every 2xx body is masked: never a submitted key, never containing one.",
)
def _api_key_masked(ex: Exchange, ctx: RuleContext) -> str | None:
    contract = load_contract()
    if not 200 <= ex.status < 300 or not ex.response_body:
        raise NotApplicable
    try:
        value = ex.json["data"]["attributes"][contract.secret_field]
    except (ValueError, KeyError, TypeError):
        raise NotApplicable from None
    if not isinstance(value, str):
        return f"{contract.secret_field} is not a string"
    keys = [k for k in ctx.submitted_keys if _maskable(k, contract.mask)]
    if any(k in value for k in keys):
        return f"{contract.secret_field} is returned unmasked: it contains a submitted key"
    return None


#: Submitted keys at least this long are looked for anywhere in responses.
ECHO_MIN = 12


@response_rule(
    "no-key-echo",
    "No submitted api_key appears anywhere in a response (headers and error bodies included).",
)
def _no_key_echo(ex: Exchange, ctx: RuleContext) -> str | None:
    contract = load_contract()
    keys = [k for k in ctx.submitted_keys if len(k) >= ECHO_MIN and k not in contract.raw_text]
    if not keys:
        raise NotApplicable
    body = ex.text
    if 200 <= ex.status < 300 and ex.is_json:  # the masked field is api-key-masked's business
        try:
            data = copy.deepcopy(ex.json)  # never alter the exchange's cached body
            data["data"]["attributes"].pop(contract.secret_field, None)
            body = str(data)
        except (KeyError, TypeError, AttributeError):
            pass
    haystack = body + "\n" + "\n".join(f"{k}: {v}" for k, v in ex.response_headers.items())
    forms = {form for k in keys for form in _echo_forms(k)}
    if any(form in haystack for form in forms):
        return "the response quotes a submitted api_key"
    return None


@cache
def _echo_forms(key: str) -> tuple[str, ...]:
    """How a key may be quoted: as itself, JSON-escaped, repr-escaped (each computed once:
    the edges submit keys of 64 KiB, and every response is searched for every key)."""
    return tuple({key, json.dumps(key)[1:-1], repr(key)[1:-1]})


@response_rule(
    "rate-limit-headers",
    "Every 429 carries the documented X-RateLimit-* headers.",
    # Judged on every 429 seen; required only where 429s are provoked (the mock): a live
    # site is not driven into its rate limit on purpose.
    required_on=frozenset({"mock"}),
)
def _rate_limit_headers(ex: Exchange, ctx: RuleContext) -> str | None:
    if ex.status != 429:
        raise NotApplicable
    documented = _operation(ex).response(429)
    problems = []
    for name, spec in (documented.headers if documented else {}).items():
        value = ex.header(name)
        if value is None:
            problems.append(f"{name} is missing")
            continue
        errs = schema_errors(value, spec.get("schema", {}))
        if errs:
            problems.append(f"{name} is malformed")
    return "; ".join(problems) if problems else None


# -- scenario rules -----------------------------------------------------------------------
scenario_rule(
    "valid-body-accepted", "A valid create on an organisation without an account answers 201."
)
scenario_rule("invalid-body-rejected", "A create with a body that breaks the contract answers 400.")
scenario_rule("single-account", "A second create in the same organisation answers 409.")
scenario_rule(
    "rejected-call-no-effect", "A rejected or failed call changes nothing (GET shows it)."
)
scenario_rule("auth-enforced", "Missing, unknown or under-privileged keys are refused (403).")
scenario_rule(
    "lifecycle-effects",
    "Each lifecycle step has its effect: create, update and delete really happen.",
)

# -- Schemathesis built-ins ---------------------------------------------------------------
#: The built-in Schemathesis checks that apply to single generated requests on this API.
SCHEMATHESIS_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
)
for _check in SCHEMATHESIS_CHECKS:
    _register(
        Rule(
            f"schemathesis:{_check}",
            "schemathesis",
            f"Schemathesis' built-in check {_check} on generated cases.",
        )
    )


def check_exchange(exchange: Exchange, ctx: RuleContext) -> list[tuple[Rule, Finding | None]]:
    """Run every response rule; return (rule, finding or None for a pass), skipping N/A ones."""
    results: list[tuple[Rule, Finding | None]] = []
    for rule in rules_of("response"):
        assert rule.check is not None
        try:
            message = rule.check(exchange, ctx)
        except NotApplicable:
            continue
        results.append((rule, Finding(rule.name, redact(message)) if message else None))
    return results
