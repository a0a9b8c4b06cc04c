"""Schemathesis' built-in checks that apply to single generated requests on this API."""

from __future__ import annotations

from .registry import Rule, register

#: The built-in checks, by their Schemathesis names.
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
    register(
        Rule(
            f"schemathesis:{_check}",
            "schemathesis",
            f"Schemathesis' built-in check {_check} on generated cases.",
        )
    )
