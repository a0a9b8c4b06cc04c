"""Request-body validation for the mock, driven by the contract's request schemas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..spec import JSON_MEDIA_TYPE, is_json_media_type, loads_json
from ..spec.validators import Violation, violations


@dataclass(frozen=True)
class BodyProblem:
    """Why a request body was rejected; ``field`` is a dotted path or '' for the body."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field} {self.message}" if self.field else self.message


def parse_json_body(
    raw: bytes | bytearray, content_type: str | None
) -> tuple[Any, BodyProblem | None]:
    """Decode a request body as strict JSON (UTF-8, no NaN/Infinity, bounded nesting).

    Given the only reference to ``raw`` (:meth:`statuspage_contract.mock.app.Request.take_body`), it
    lets the bytes go once they are decoded: a large body is never held three times at once."""
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
    del raw
    try:
        return loads_json(text), None  # the judges' decoder: they agree on every body
    except RecursionError:
        return None, BodyProblem("", "request body is nested too deeply")
    except ValueError as exc:  # JSONDecodeError, over-long integers, NaN
        return None, BodyProblem(
            "", f"request body is not valid JSON ({str(exc).splitlines()[0][:80]})"
        )


def validate_body(data: Any, schema: dict[str, Any]) -> BodyProblem | None:
    """The first contract violation of ``data`` against ``schema``, naming the field."""
    try:
        errors = violations(data, schema)
    except RecursionError:
        return BodyProblem("", "request body is nested too deeply")
    return _problem(errors[0]) if errors else None


def _dotted(parts: list[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _problem(violation: Violation) -> BodyProblem:
    """A violation in the mock's words; never quotes the value."""
    if violation.keyword == "required":
        return BodyProblem(_dotted([*violation.path, violation.expected]), "is required")
    return BodyProblem(_dotted(list(violation.path)) or "body", violation.describe())
