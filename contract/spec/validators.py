"""One cache of JSON Schema validators for the contract's schemas (rules and mock alike).

jsonschema-rs (also what Schemathesis validates with) answers and words every check: one
library, about 100x faster than the pure-Python jsonschema, and imported on first use, so
commands such as ``gate`` never load it.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from typing import Any

from .loader import load_contract


def schema_formats(node: Any) -> set[str]:
    """Every ``format`` that a schema in ``node`` (a document or a schema) asks for."""
    if isinstance(node, list):
        return set().union(*map(schema_formats, node))
    if not isinstance(node, dict):
        return set()
    found = {node["format"]} if isinstance(node.get("format"), str) else set()
    return found.union(*map(schema_formats, node.values()))


@cache
def checks_formats() -> bool:
    """Whether the validators check ``format``: only when the contract uses one (today it uses
    none), so no format check nobody asked for."""
    return bool(schema_formats(load_contract().resolved))


@cache
def _compiled(schema_json: str) -> Any:
    import jsonschema_rs

    return jsonschema_rs.Draft4Validator(json.loads(schema_json), validate_formats=checks_formats())


#: id(schema) -> (schema, validator): the contract's schemas live as long as the process, and
#: keeping a reference to each keeps its id stable. Bounded: a caller that builds a new dict
#: for each call (say, an empty schema) must not make it grow.
_BY_ID: dict[int, tuple[dict[str, Any], Any]] = {}
_BY_ID_LIMIT = 256


def validator_for(schema: dict[str, Any]) -> Any:
    """The (cached) Draft 4 validator of ``schema`` (a ``jsonschema_rs.Draft4Validator``)."""
    hit = _BY_ID.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    validator = _compiled(json.dumps(schema, sort_keys=True))
    if len(_BY_ID) < _BY_ID_LIMIT:
        _BY_ID[id(schema)] = (schema, validator)
    return validator


def json_type(value: Any) -> str:
    """The JSON type name of a decoded value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


@dataclass(frozen=True)
class Violation:
    """One way an instance breaks a schema: where, which keyword, what the keyword asks for
    (the missing property, for ``required``) and the JSON type found. Holds no part of the
    value (it may be a secret, or a megabyte)."""

    path: tuple[str | int, ...]
    keyword: str
    expected: Any
    got: str

    def describe(self) -> str:
        """In words, never quoting the value."""
        if self.keyword == "required":
            return f"{self.expected!r} is a required property"
        if self.keyword == "type":
            types = self.expected if isinstance(self.expected, list) else [self.expected]
            return f"must be of type {' or '.join(types)}, got {self.got}"
        if self.keyword == "enum":
            return f"must be one of {', '.join(map(repr, self.expected))}"
        if self.keyword == "minLength":
            return f"must be at least {self.expected} character(s) long"
        return f"violates {self.keyword}"


def _root_type_violation(instance: Any, schema: dict[str, Any]) -> Violation | None:
    """A value of the wrong JSON type at the root, found without the validator: jsonschema-rs
    copies the value into its error (and its message), megabytes for a large body."""
    expected = schema.get("type")
    if isinstance(expected, str):
        allowed: Collection[str] = (expected,)  # the usual case: no set built a call
    elif isinstance(expected, list):
        allowed = expected
    else:
        return None
    got = json_type(instance)
    if got in allowed or (got == "integer" and "number" in allowed):
        return None
    return Violation((), "type", expected, got)


def violations(instance: Any, schema: dict[str, Any]) -> list[Violation]:
    """Every violation of ``schema`` by ``instance``, shallowest first, in a stable order.
    Raises RecursionError for an instance nested too deeply to validate."""
    root = _root_type_violation(instance, schema)
    if root is not None:
        return [root]
    validator = validator_for(schema)
    try:
        if validator.is_valid(instance):
            return []
        found = [
            Violation(
                tuple(err.instance_path), err.kind.name, err.kind.value, json_type(err.instance)
            )
            for err in validator.iter_errors(instance)
        ]
    except ValueError as exc:  # jsonschema-rs: "Recursion limit reached"
        if "recursion" in str(exc).lower():
            raise RecursionError(str(exc)) from None
        raise
    return sorted(found, key=lambda v: (len(v.path), str(v.path)))


def schema_errors(instance: Any, schema: dict[str, Any]) -> list[str]:
    """Human-readable schema violations of ``instance`` (values are never quoted)."""
    return [
        f"{'/'.join(map(str, v.path)) or 'body'}: {v.describe()}"
        for v in violations(instance, schema)
    ]
