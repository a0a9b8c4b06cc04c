"""One cache of JSON Schema validators for the contract's schemas (rules and mock alike).

jsonschema and jsonschema-rs are imported on first use: importing jsonschema loads its format
checkers' optional libraries (about 1 s), which commands such as ``gate`` never need.
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from contract.spec.loader import load_contract

if TYPE_CHECKING:
    from jsonschema import Draft4Validator, FormatChecker


def schema_formats(node: Any) -> set[str]:
    """Every ``format`` that a schema in ``node`` (a document or a schema) asks for."""
    if isinstance(node, list):
        return set().union(*map(schema_formats, node))
    if not isinstance(node, dict):
        return set()
    found = {node["format"]} if isinstance(node.get("format"), str) else set()
    return found.union(*map(schema_formats, node.values()))


@cache
def contract_format_checker() -> FormatChecker | None:
    """A checker of exactly the formats the contract uses, or None when it uses none (today):
    no format checker nobody asked for."""
    from jsonschema import FormatChecker

    formats = schema_formats(load_contract().resolved)
    return FormatChecker(sorted(formats)) if formats else None


@cache
def _validator(schema_json: str) -> Draft4Validator:
    from jsonschema import Draft4Validator

    return Draft4Validator(json.loads(schema_json), format_checker=contract_format_checker())


#: id(schema) -> (schema, validator): the contract's schemas live as long as the process, and
#: keeping a reference to each keeps its id stable. Saves a json.dumps of the schema a call.
_BY_ID: dict[int, tuple[dict[str, Any], Draft4Validator]] = {}


def validator_for(schema: dict[str, Any]) -> Draft4Validator:
    """The (cached) Draft 4 validator of ``schema``, checking the contract's formats."""
    hit = _BY_ID.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    validator = _validator(json.dumps(schema, sort_keys=True))
    _BY_ID[id(schema)] = (schema, validator)
    return validator


#: id(schema) -> (schema, jsonschema-rs validator): answers "valid?" about 100x faster than
#: jsonschema; jsonschema still words the errors.
_FAST: dict[int, tuple[dict[str, Any], Any]] = {}


def fast_validator_for(schema: dict[str, Any]) -> Any:
    """The (cached) jsonschema-rs validator of ``schema``: a fast "is it valid?"."""
    hit = _FAST.get(id(schema))
    if hit is None or hit[0] is not schema:
        import jsonschema_rs

        formats = contract_format_checker() is not None
        hit = (schema, jsonschema_rs.Draft4Validator(schema, validate_formats=formats))
        _FAST[id(schema)] = hit
    return hit[1]


def schema_errors(instance: Any, schema: dict[str, Any]) -> list[str]:
    """Human-readable schema violations of ``instance`` (values are never quoted)."""
    out = []
    errors = validator_for(schema).iter_errors(instance)
    for err in sorted(errors, key=lambda e: list(map(str, e.absolute_path))):
        where = "/".join(map(str, err.absolute_path)) or "body"
        what = (
            err.message
            if err.validator in {"required", "enum", "type"}
            else f"violates {err.validator}"
        )
        out.append(f"{where}: {what}")
    return out
