"""The contract's bodies and media types: how JSON is recognised, and how to walk a body or a
schema by path. No knowledge of this contract's operations: see
:mod:`statuspage_contract.spec.loader`."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Sequence
from typing import Any, TypeGuard

JSON_MEDIA_TYPE = "application/json"
#: Media types that are not JSON: a body sent as one of them must be refused.
OTHER_MEDIA_TYPES = (
    "text/plain",
    "application/xml",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=edge",
)


def json_media_type_spellings() -> tuple[str, ...]:
    """How standard clients may spell the contract's media type: with a ``charset``
    parameter (with and without a space, in either case) and in other letter case."""
    mime = JSON_MEDIA_TYPE
    return (
        f"{mime}; charset=utf-8",
        f"{mime};charset=UTF-8",
        mime.upper(),
        "/".join(part.capitalize() for part in mime.split("/")),
    )


def property_paths(
    schema: dict[str, Any], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], dict[str, Any], bool]]:
    """Every property path of an object schema with its schema and whether it is required
    (depth first)."""
    for name, sub in schema.get("properties", {}).items():
        path = (*prefix, name)
        yield path, sub, name in schema.get("required", [])
        if sub.get("type") == "object":
            yield from property_paths(sub, path)


#: The first bytes of a JSON text that is no object (a string, an array, a number, a literal),
#: in UTF-8 and in the little-endian UTF-16 and UTF-32 that ``json.loads`` also reads.
_NOT_AN_OBJECT = frozenset(b'"[-0123456789tfn')


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


#: One strict decoder (json.loads builds a new one per call when given options).
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def loads_json(body: bytes | bytearray | str) -> Any:
    """A body read as the contract's media type defines JSON (RFC 8259): UTF-8 without a
    byte order mark, no NaN or Infinity. Raises ValueError (UnicodeDecodeError is one) or
    RecursionError. ``json.loads`` of bytes would also read UTF-16 and UTF-32, and a BOM:
    a judge that does so calls a body valid that a strict site rightly refuses."""
    text = body if isinstance(body, str) else body.decode("utf-8")
    return _DECODER.decode(text)


def could_be_json_object(body: bytes | bytearray | None) -> TypeGuard[bytes | bytearray]:
    """Whether ``body``, read as JSON (even leniently: UTF-8, -16 or -32), could be an object:
    its first byte tells, without parsing (a 1 MiB edge body, parsed, took 2 MB at once)."""
    return body is not None and len(body) > 0 and body[0] not in _NOT_AN_OBJECT


_REQUIRED: Any = object()


def value_at(node: Any, path: Sequence[str], default: Any = _REQUIRED) -> Any:
    """The value at ``path`` inside nested objects. A missing step raises KeyError, or gives
    ``default`` when one is given."""
    for part in path:
        if not isinstance(node, dict) or part not in node:
            if default is _REQUIRED:
                raise KeyError(".".join(path))
            return default
        node = node[part]
    return node


def is_json_media_type(content_type: str | None) -> bool:
    """Whether a Content-Type names JSON: the contract's media type or a ``+json`` one,
    whatever its parameters (``charset=utf-8``) or letter case."""
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    return mime == JSON_MEDIA_TYPE or (mime.startswith("application/") and mime.endswith("+json"))


def property_path(schema: dict[str, Any], name: str) -> tuple[str, ...] | None:
    """The path of property ``name`` inside an object schema (depth first), or None."""
    props = schema.get("properties", {})
    if name in props:
        return (name,)
    for key, sub in props.items():
        found = property_path(sub, name)
        if found is not None:
            return (key, *found)
    return None


def path_where(schema: dict[str, Any], match: Any) -> tuple[str, ...] | None:
    """The path of the first property (depth first) whose schema ``match`` accepts."""
    for key, sub in schema.get("properties", {}).items():
        if match(sub):
            return (key,)
        found = path_where(sub, match)
        if found is not None:
            return (key, *found)
    return None


def with_value(body: Any, path: Sequence[str], value: Any) -> Any:
    """A deep copy of ``body`` with the value at ``path`` replaced (its parents must exist)."""
    body = copy.deepcopy(body)
    node = body
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return body
