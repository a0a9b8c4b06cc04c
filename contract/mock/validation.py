"""Request-body validation for the mock, driven by the contract's request schemas."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import ValidationError

from contract.spec import JSON_MEDIA_TYPE, is_json_media_type
from contract.spec.validators import fast_validator_for, validator_for


@dataclass(frozen=True)
class BodyProblem:
    """Why a request body was rejected; ``field`` is a dotted path or '' for the body."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field} {self.message}" if self.field else self.message


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


#: One strict decoder for every request (json.loads builds a new one per call with options).
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def parse_json_body(raw: bytes, content_type: str | None) -> tuple[Any, BodyProblem | None]:
    """Decode a request body as strict JSON (UTF-8, no NaN/Infinity, bounded nesting)."""
    if not is_json_media_type(content_type):
        return None, BodyProblem(
            "", f"Content-Type must be {JSON_MEDIA_TYPE}, got {content_type or 'none'!r}"
        )
    if not raw:
        return None, BodyProblem("", "request body is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, BodyProblem("", "request body is not valid UTF-8")
    try:
        return _DECODER.decode(text), None
    except RecursionError:
        return None, BodyProblem("", "request body is nested too deeply")
    except ValueError as exc:  # JSONDecodeError, over-long integers, NaN
        return None, BodyProblem(
            "", f"request body is not valid JSON ({str(exc).splitlines()[0][:80]})"
        )


def validate_body(data: Any, schema: dict[str, Any]) -> BodyProblem | None:
    """The first contract violation of ``data`` against ``schema``, naming the field."""
    try:
        if fast_validator_for(schema).is_valid(data):
            return None
    except (ValueError, RecursionError):
        pass  # e.g. nesting too deep for the fast path: let jsonschema decide
    validator = validator_for(schema)
    try:
        errors = sorted(validator.iter_errors(data), key=_error_order)
    except RecursionError:
        return BodyProblem("", "request body is nested too deeply")
    return _problem(errors[0]) if errors else None


def _error_order(err: ValidationError) -> tuple[int, str]:
    return (len(err.absolute_path), str(list(err.absolute_path)))


def _dotted(parts: list[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _problem(err: ValidationError) -> BodyProblem:
    path = list(err.absolute_path)
    where = _dotted(path)
    if err.validator == "required":
        present = err.instance if isinstance(err.instance, dict) else {}
        missing = next((p for p in err.validator_value if p not in present), "?")
        return BodyProblem(_dotted([*path, missing]), "is required")
    if err.validator == "type":
        expected = err.validator_value
        got = "null" if err.instance is None else type(err.instance).__name__
        return BodyProblem(where or "body", f"must be of type {expected}, got {got}")
    if err.validator == "enum":
        allowed = ", ".join(map(repr, err.validator_value))
        return BodyProblem(where, f"must be one of {allowed}")
    if err.validator == "minLength":
        return BodyProblem(where, f"must be at least {err.validator_value} character(s) long")
    return BodyProblem(
        where, f"violates {err.validator}"
    )  # never quote the value: it may be a secret
