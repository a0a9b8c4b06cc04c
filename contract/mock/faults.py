"""Fault modes of the embedded mock: each breaks exactly one contract rule.

They exist to prove that the contract suite catches what it claims to catch. A fault is
declared here once: its name, the rule it breaks, and what it does, as hooks at the named
points of the mock's request handling (:mod:`statuspage_contract.mock.hooks`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from ..errors import UnknownFaultError
from ..rules import (
    AUTH_ENFORCED,
    INVALID_BODY_REJECTED,
    LIFECYCLE_EFFECTS,
    REJECTED_CALL_NO_EFFECT,
    SINGLE_ACCOUNT,
    URL_SETTING_CONFLICTS,
    URL_SETTING_EFFECTS,
    URL_SETTING_NOT_FOUND,
    VALID_BODY_ACCEPTED,
)
from ..spec import Contract, Operation, value_at, with_value
from .hooks import ActiveHooks, Hooks, always
from .state import Organisation
from .url_settings import APPLY_UPDATE, TAKEN_URL, UNKNOWN_ID
from .validation import BodyProblem

#: Strings at least this long crash the server-error-on-long-string fault mode.
LONG_STRING = 1024
#: The media type of the non-json-success-content-type fault's 2xx answers.
TEXT = b"text/plain"
#: The longest api_key the rejects-long-api-key fault mode takes.
LONG_KEY = 40


@dataclass(frozen=True)
class Fault:
    name: str
    breaks: str  # the name of the contract rule (statuspage_contract.rules) this fault violates
    description: str
    #: What it does: its hooks at the mock's named points.
    does: Hooks
    #: The edge category (statuspage_contract.edges) that exists to catch it, if one does.
    edge: str | None = None


# -- what some faults do (the one-line ones are written in their declaration) -------------------
def _longest_string(data: Any) -> int:
    if isinstance(data, str):
        return len(data)
    if isinstance(data, dict):
        data = list(data.values())
    if isinstance(data, list):
        return max(map(_longest_string, data), default=0)
    return 0


def _has_unknown_member(data: Any, schema: dict[str, Any]) -> bool:
    """Whether an object in ``data`` has a member its schema does not declare."""
    if not isinstance(data, dict) or "properties" not in schema:
        return False
    props = schema["properties"]
    return any(k not in props or _has_unknown_member(v, props[k]) for k, v in data.items())


def _created_key_problem(c: Contract, method: str, problem: BodyProblem) -> bool:
    """Whether a create's problem is about its api_key."""
    return method == c.create.method and problem.field == ".".join(c.secret_path)


def _other_case(c: Contract, method: str, problem: BodyProblem, data: Any) -> bool:
    path = next(iter(c.enum_paths))
    return (
        problem.field == ".".join(path)
        and str(value_at(data, path, None)).lower() == c.account_type.lower()
    )


def _without_attributes(c: Contract, body: Any, stored: str) -> Any:
    *parent, name = c.attributes_path
    del value_at(body, tuple(parent))[name]
    return body


def _store_anyway(c: Contract, org: Organisation, secret: str) -> None:
    org.account_key = org.account_key or secret


def _refuse_if(condition: bool, message: str) -> BodyProblem | None:
    return BodyProblem("", message) if condition else None


def _crashes_on_long_url(c: Contract, op: Operation, data: Any) -> HTTPStatus | None:
    u = c.url_settings
    url = (u.attributes_of(data) or {}).get(u.url_field)
    long = isinstance(url, str) and len(url) >= LONG_STRING
    return HTTPStatus.INTERNAL_SERVER_ERROR if long else None


def _stores_refused_update(c: Contract, op: Operation, data: Any) -> bool:
    return op is c.url_settings.update and isinstance(data, dict)


FAULTS: dict[str, Fault] = {
    f.name: f
    for f in (
        Fault(
            "unmasked-api-key",
            "api-key-masked",
            "2xx bodies return the stored api_key verbatim instead of the mask",
            does=Hooks(account_body=lambda c, body, stored: c.with_secret(body, stored)),
        ),
        Fault(
            "wrong-type-in-response",
            "response-schema",
            "2xx bodies carry data.type 'statuspage_account' (underscore)",
            does=Hooks(
                account_body=lambda c, body, stored: with_value(
                    body, c.type_path, c.account_type.replace("-", "_")
                )
            ),
        ),
        Fault(
            "missing-response-field",
            "response-schema",
            "2xx bodies lack the required data.attributes",
            does=Hooks(account_body=_without_attributes),
        ),
        Fault(
            "error-envelope-string",
            "error-envelope",
            "error bodies carry 'errors' as a string instead of a list",
            does=Hooks(error_body=lambda c, key, messages: {key: "; ".join(messages)}),
        ),
        Fault(
            "error-envelope-other-key",
            "error-envelope",
            "error bodies use the key 'error' instead of 'errors'",
            does=Hooks(error_body=lambda c, key, messages: {key.rstrip("s"): list(messages)}),
        ),
        Fault(
            "error-envelope-non-string-items",
            "error-envelope",
            "error bodies list objects instead of strings",
            does=Hooks(
                error_body=lambda c, key, messages: {key: [{"detail": m} for m in messages]}
            ),
        ),
        Fault(
            "accepts-missing-api-key",
            INVALID_BODY_REJECTED,
            "a create without data.attributes.api_key answers 201",
            does=Hooks(
                accepts=lambda c, method, problem, data: (
                    _created_key_problem(c, method, problem) and problem.message == "is required"
                )
            ),
        ),
        Fault(
            "accepts-empty-api-key",
            INVALID_BODY_REJECTED,
            "a create with an empty api_key answers 201",
            does=Hooks(
                accepts=lambda c, method, problem, data: (
                    _created_key_problem(c, method, problem)
                    and value_at(data, c.secret_path, None) == ""
                )
            ),
        ),
        Fault(
            "accepts-wrong-type",
            INVALID_BODY_REJECTED,
            "a create whose data.type is not the enum value answers 201",
            does=Hooks(
                accepts=lambda c, method, problem, data: (
                    method == c.create.method
                    and problem.field == ".".join(c.type_path)
                    and "must be one of" in problem.message
                )
            ),
        ),
        Fault(
            "accepts-second-create",
            SINGLE_ACCOUNT,
            "a second create in one organisation answers 201 and replaces the account",
            does=Hooks(replaces_account=always),
        ),
        Fault(
            "auth-not-enforced",
            AUTH_ENFORCED,
            "missing or unknown DD keys are let through as the default organisation",
            does=Hooks(lets_in=always),
        ),
        Fault(
            "unauthorized-instead-of-forbidden",
            "documented-status",
            "missing or unknown DD keys get 401, which the contract does not document",
            does=Hooks(refuses_keys_with=lambda c: HTTPStatus.UNAUTHORIZED),
        ),
        Fault(
            "rejects-long-api-key",
            VALID_BODY_ACCEPTED,
            "a valid create whose api_key is longer than 40 characters answers 400",
            does=Hooks(
                answers_create=lambda c, key: (
                    (c.status.invalid, f"{'.'.join(c.secret_path)} is too long")
                    if key and len(key) > LONG_KEY
                    else None
                )
            ),
        ),
        Fault(
            "permission-not-enforced",
            AUTH_ENFORCED,
            "an application key without manage_integrations may create, update, delete",
            does=Hooks(waives_permission=lambda c, op: op.permission != c.read.permission),
        ),
        Fault(
            "server-error-on-non-ascii-key",
            "no-server-error",
            "a valid create whose api_key has a non-ASCII character answers 500",
            does=Hooks(
                answers_create=lambda c, key: (
                    (HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error")
                    if key and not key.isascii()
                    else None
                )
            ),
        ),
        Fault(
            "non-json-success-content-type",
            "json-content-type",
            "2xx bodies are sent with Content-Type text/plain",
            does=Hooks(success_media_type=lambda c, media: TEXT),
        ),
        Fault(
            "rate-limit-without-headers",
            "rate-limit-headers",
            "429 responses lack the X-RateLimit-* headers",
            does=Hooks(rate_limited_headers=lambda c, headers: []),
        ),
        Fault(
            "delete-keeps-account",
            LIFECYCLE_EFFECTS,
            "DELETE answers 204 but the account stays",
            does=Hooks(keeps_deleted=always),
        ),
        Fault(
            "error-echoes-api-key",
            "no-key-echo",
            "400 and 409 messages quote the submitted api_key",
            does=Hooks(quotes=lambda c, key, message: f"{message} ({c.secret_field} {key!r})"),
        ),
        Fault(
            "rejected-create-stores-account",
            REJECTED_CALL_NO_EFFECT,
            "a create rejected with 400 still stores an account when it had an api_key",
            does=Hooks(after_refused_create=_store_anyway),
        ),
        Fault(
            "drops-answer-on-empty-body",
            "no-server-error",
            "a create with an empty body is never answered (the site answers everything else); "
            "runs against it want a short --request-timeout",
            does=Hooks(
                leaves_unanswered=lambda c, method, body: method == c.create.method and not body
            ),
        ),
        Fault(
            "server-error-on-long-string",
            "no-server-error",
            "a create or update carrying a string of 1 KiB or more answers 500",
            does=Hooks(
                crashes_on=lambda c, data, problem: (
                    problem is None and _longest_string(data) >= LONG_STRING
                )
            ),
            edge="strings",
        ),
        Fault(
            "case-insensitive-enum",
            INVALID_BODY_REJECTED,
            "a create or update whose data.type is the enum value in other letter case is taken",
            does=Hooks(accepts=_other_case),
            edge="enums",
        ),
        Fault(
            "rejects-unknown-fields",
            VALID_BODY_ACCEPTED,
            "a create with a member the contract does not declare answers 400",
            does=Hooks(
                refuses_create=lambda c, content_type, data, schema: _refuse_if(
                    _has_unknown_member(data, schema),
                    "the body has a member the contract does not declare",
                )
            ),
            edge="objects",
        ),
        Fault(
            "server-error-on-deep-body",
            "no-server-error",
            "a body nested too deeply to parse answers 500 instead of 400",
            does=Hooks(
                crashes_on=lambda c, data, problem: (
                    problem is not None and problem.message.endswith("nested too deeply")
                )
            ),
            edge="bodies",
        ),
        Fault(
            "rejects-charset-parameter",
            VALID_BODY_ACCEPTED,
            "a create whose Content-Type has a parameter (charset=utf-8) answers 400",
            does=Hooks(
                refuses_create=lambda c, content_type, data, schema: _refuse_if(
                    ";" in (content_type or ""), "Content-Type must not have parameters"
                )
            ),
            edge="media-types",
        ),
        Fault(
            "auth-skipped-on-update",
            AUTH_ENFORCED,
            "an update with missing or unknown DD keys is let through as the default organisation",
            does=Hooks(
                lets_in=lambda c, op: op.request_schema is not None and op.method != c.create.method
            ),
            edge="auth",
        ),
        Fault(
            "url-setting-duplicate-url",
            URL_SETTING_CONFLICTS,
            "a URL setting create or update with a url another setting has is taken (201, 200)",
            does=Hooks(skips_url_setting_step=lambda c, step: step == TAKEN_URL),
        ),
        Fault(
            "url-setting-unknown-id-taken",
            URL_SETTING_NOT_FOUND,
            "an update of an unknown URL setting id stores it (200), a delete answers 204",
            does=Hooks(skips_url_setting_step=lambda c, step: step == UNKNOWN_ID),
        ),
        Fault(
            "url-setting-update-not-stored",
            URL_SETTING_EFFECTS,
            "a URL setting update answers 200 with the change, but the list shows the old value",
            does=Hooks(skips_url_setting_step=lambda c, step: step == APPLY_UPDATE),
        ),
        Fault(
            "url-setting-server-error-on-long-url",
            "no-server-error",
            "a URL setting create or update whose url is 1 KiB or more answers 500",
            does=Hooks(answers_url_setting=_crashes_on_long_url),
        ),
        Fault(
            "url-setting-refused-update-stored",
            REJECTED_CALL_NO_EFFECT,
            "a URL setting update refused as invalid (400) is stored all the same",
            does=Hooks(stores_refused_url_setting=_stores_refused_update),
        ),
    )
}


def hooks_of(names: Iterable[str]) -> ActiveHooks:
    """The hooks of the named faults (checked), resolved point by point in declared order."""
    names = check_faults(names)
    return ActiveHooks.of(fault.does for fault in FAULTS.values() if fault.name in names)


def check_faults(names: Iterable[str]) -> frozenset[str]:
    """Validate fault names, returning them as a frozen set."""
    names = frozenset(names)
    unknown = sorted(names - FAULTS.keys())
    if unknown:
        raise UnknownFaultError(
            f"unknown fault {', '.join(unknown)}; valid faults: {', '.join(FAULTS)}"
        )
    return names


def describe_faults() -> str:
    """One line per fault: ``NAME  what it breaks``."""
    width = max(map(len, FAULTS))
    return "\n".join(
        f"{f.name:<{width}}  {f.description} (breaks rule {f.breaks})" for f in FAULTS.values()
    )
