"""Response rules: each judges one response, whatever request it answers."""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ..http.exchange import Exchange
from ..spec import is_json_media_type, load_contract, value_at
from ..spec.validators import schema_errors
from .registry import NotApplicable, RuleContext, response_rule


# -- helpers ------------------------------------------------------------------------------
def _operation(exchange: Exchange) -> Any:
    """The operation an exchange was for (of any resource); NotApplicable outside them."""
    if exchange.operation is None:
        raise NotApplicable
    op = load_contract().operation_labelled(exchange.operation)
    if op is None:
        raise NotApplicable
    return op


@cache
def _maskable(key: str, mask: str) -> bool:
    """A key that a mask could reveal: it has a character that the mask does not."""
    return bool(key) and not set(key) <= set(mask)


@dataclass
class _KeyFacts:
    """What the key rules need of a growing set of submitted keys, extended as keys arrive
    rather than worked out again for every response (a run submits hundreds)."""

    seen: set[str] = field(default_factory=set)
    maskable: list[str] = field(default_factory=list)  # keys a mask could reveal
    echo_forms: list[str] = field(default_factory=list)  # every quoted form of every key
    _forms: set[str] = field(default_factory=set)


#: id of a set of submitted keys -> its facts, for the few most recent sets (a client or a
#: proxy keeps one set for its lifetime). A set that reuses a dead one's id is recognised by
#: its content: the facts are only reused while every key they cover is in it.
_FACTS: dict[int, _KeyFacts] = {}
_FACTS_KEPT = 16
_FACTS_LOCK = threading.Lock()


def _key_facts(keys: set[str]) -> _KeyFacts:
    with _FACTS_LOCK:
        facts = _FACTS.get(id(keys))
        if facts is None or not facts.seen <= keys:
            facts = _KeyFacts()
            if len(_FACTS) >= _FACTS_KEPT:
                _FACTS.pop(next(iter(_FACTS)))
            _FACTS[id(keys)] = facts
        if len(facts.seen) != len(keys):
            mask = load_contract().mask
            for key in keys - facts.seen:
                facts.seen.add(key)
                if _maskable(key, mask):
                    facts.maskable.append(key)
                for form in _echo_forms(key):
                    if form not in facts._forms:
                        facts._forms.add(form)
                        facts.echo_forms.append(form)
        return facts


#: The rule a site breaks by failing on an input: a 5xx, or no answer at all to one request
#: while it answers others (statuspage_contract.http.client judges that one).
NO_SERVER_ERROR = "no-server-error"


# -- response rules -----------------------------------------------------------------------
@response_rule(NO_SERVER_ERROR, "No request, valid or not, makes the site answer 5xx.")
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
        attributes = value_at(ex.json, contract.attributes_path, None)
    except ValueError:
        raise NotApplicable from None
    if not isinstance(attributes, dict) or contract.secret_field not in attributes:
        raise NotApplicable
    value = attributes[contract.secret_field]
    if not isinstance(value, str):
        return f"{contract.secret_field} is not a string"
    if any(k in value for k in _key_facts(ctx.submitted_keys).maskable):
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
    forms = _key_facts(ctx.submitted_keys).echo_forms
    if not forms:
        raise NotApplicable
    body = ex.text
    if 200 <= ex.status < 300 and ex.is_json:  # the masked field is api-key-masked's business
        try:
            data = copy.deepcopy(ex.json)  # never alter the exchange's cached body
            if _is_url_setting(ex):  # a setting's attributes are what its client set them to
                _drop_setting_attributes(data, contract.url_settings.attributes_path)
            else:
                value_at(data, contract.attributes_path, None).pop(contract.secret_field, None)
            body = str(data)
        except (KeyError, TypeError, AttributeError):
            pass
    haystack = body + "\n" + "\n".join(f"{k}: {v}" for k, v in ex.response_headers.items())
    if any(form in haystack for form in forms):
        return "the response quotes a submitted api_key"
    return None


def _is_url_setting(ex: Exchange) -> bool:
    """Whether the exchange is one of the URL settings' operations."""
    settings = load_contract().url_settings
    return any(op.label == ex.operation for op in settings.operations.values())


def _drop_setting_attributes(data: Any, path: tuple[str, ...]) -> None:
    """Remove the attributes of the setting (or of each listed one) ``data`` holds: a setting
    stores and shows back what its client sent, which may equal a key sent elsewhere."""
    top, rest = path[0], path[1:]
    items = data[top] if isinstance(data[top], list) else [data[top]]
    for item in items:
        holder = value_at(item, rest[:-1], None) if isinstance(item, dict) else None
        if isinstance(holder, dict):
            holder.pop(rest[-1], None)


@cache
def _echo_forms(key: str) -> tuple[str, ...]:
    """How a key may be quoted: as itself, JSON-escaped, repr-escaped; none for a key too
    short to tell apart or one the contract's own text contains (each computed once: the
    edges submit keys of 64 KiB, and every response is searched for every key)."""
    if len(key) < ECHO_MIN or key in load_contract().raw_text:
        return ()
    return tuple({key, json.dumps(key)[1:-1], repr(key)[1:-1]})


@response_rule(
    "rate-limit-headers",
    "Every 429 carries the X-RateLimit-* headers of Datadog's rate-limit docs "
    "(docs.datadoghq.com/api/latest/rate-limits): derived from those docs, not from Datadog's "
    "API definition, which declares no 429 headers; a team may waive it.",
    # Judged on every 429 seen; required only where 429s are provoked (the mock): a live
    # site is not driven into its rate limit on purpose. The contract's 429 headers
    # (components.headers) are transcribed from the rate-limit docs, not from the definition
    # Datadog's clients are generated from: the one rule not derived from that definition.
    required_on=frozenset({"mock"}),
)
def _rate_limit_headers(ex: Exchange, ctx: RuleContext) -> str | None:
    limited = load_contract().status.rate_limited
    if ex.status != limited:
        raise NotApplicable
    documented = _operation(ex).response(limited)
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
