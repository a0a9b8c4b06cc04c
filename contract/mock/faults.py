"""Fault modes of the embedded mock: each breaks exactly one contract rule.

They exist to prove that the contract suite catches what it claims to catch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import UnknownFaultError
from ..rules import (
    AUTH_ENFORCED,
    INVALID_BODY_REJECTED,
    LIFECYCLE_EFFECTS,
    REJECTED_CALL_NO_EFFECT,
    SINGLE_ACCOUNT,
    VALID_BODY_ACCEPTED,
)


@dataclass(frozen=True)
class Fault:
    name: str
    breaks: str  # the name of the contract rule (statuspage_contract.rules) this fault violates
    description: str
    #: The edge category (statuspage_contract.edges) that exists to catch it, if one does.
    edge: str | None = None


FAULTS: dict[str, Fault] = {
    f.name: f
    for f in (
        Fault(
            "unmasked-api-key",
            "api-key-masked",
            "2xx bodies return the stored api_key verbatim instead of the mask",
        ),
        Fault(
            "wrong-type-in-response",
            "response-schema",
            "2xx bodies carry data.type 'statuspage_account' (underscore)",
        ),
        Fault(
            "missing-response-field",
            "response-schema",
            "2xx bodies lack the required data.attributes",
        ),
        Fault(
            "error-envelope-string",
            "error-envelope",
            "error bodies carry 'errors' as a string instead of a list",
        ),
        Fault(
            "error-envelope-other-key",
            "error-envelope",
            "error bodies use the key 'error' instead of 'errors'",
        ),
        Fault(
            "error-envelope-non-string-items",
            "error-envelope",
            "error bodies list objects instead of strings",
        ),
        Fault(
            "accepts-missing-api-key",
            INVALID_BODY_REJECTED,
            "a create without data.attributes.api_key answers 201",
        ),
        Fault(
            "accepts-empty-api-key",
            INVALID_BODY_REJECTED,
            "a create with an empty api_key answers 201",
        ),
        Fault(
            "accepts-wrong-type",
            INVALID_BODY_REJECTED,
            "a create whose data.type is not the enum value answers 201",
        ),
        Fault(
            "accepts-second-create",
            SINGLE_ACCOUNT,
            "a second create in one organisation answers 201 and replaces the account",
        ),
        Fault(
            "auth-not-enforced",
            AUTH_ENFORCED,
            "missing or unknown DD keys are let through as the default organisation",
        ),
        Fault(
            "unauthorized-instead-of-forbidden",
            "documented-status",
            "missing or unknown DD keys get 401, which the contract does not document",
        ),
        Fault(
            "rejects-long-api-key",
            VALID_BODY_ACCEPTED,
            "a valid create whose api_key is longer than 40 characters answers 400",
        ),
        Fault(
            "permission-not-enforced",
            AUTH_ENFORCED,
            "an application key without manage_integrations may create, update, delete",
        ),
        Fault(
            "server-error-on-non-ascii-key",
            "no-server-error",
            "a valid create whose api_key has a non-ASCII character answers 500",
        ),
        Fault(
            "non-json-success-content-type",
            "json-content-type",
            "2xx bodies are sent with Content-Type text/plain",
        ),
        Fault(
            "rate-limit-without-headers",
            "rate-limit-headers",
            "429 responses lack the X-RateLimit-* headers",
        ),
        Fault(
            "delete-keeps-account", LIFECYCLE_EFFECTS, "DELETE answers 204 but the account stays"
        ),
        Fault(
            "error-echoes-api-key",
            "no-key-echo",
            "400 and 409 messages quote the submitted api_key",
        ),
        Fault(
            "rejected-create-stores-account",
            REJECTED_CALL_NO_EFFECT,
            "a create rejected with 400 still stores an account when it had an api_key",
        ),
        Fault(
            "drops-answer-on-empty-body",
            "no-server-error",
            "a create with an empty body is never answered (the site answers everything else); "
            "runs against it want a short --request-timeout",
        ),
        Fault(
            "server-error-on-long-string",
            "no-server-error",
            "a create or update carrying a string of 1 KiB or more answers 500",
            edge="strings",
        ),
        Fault(
            "case-insensitive-enum",
            INVALID_BODY_REJECTED,
            "a create or update whose data.type is the enum value in other letter case is taken",
            edge="enums",
        ),
        Fault(
            "rejects-unknown-fields",
            VALID_BODY_ACCEPTED,
            "a create with a member the contract does not declare answers 400",
            edge="objects",
        ),
        Fault(
            "server-error-on-deep-body",
            "no-server-error",
            "a body nested too deeply to parse answers 500 instead of 400",
            edge="bodies",
        ),
        Fault(
            "rejects-charset-parameter",
            VALID_BODY_ACCEPTED,
            "a create whose Content-Type has a parameter (charset=utf-8) answers 400",
            edge="media-types",
        ),
        Fault(
            "auth-skipped-on-update",
            AUTH_ENFORCED,
            "an update with missing or unknown DD keys is let through as the default organisation",
            edge="auth",
        ),
    )
}


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
