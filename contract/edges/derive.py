"""Edge inputs by category, derived from the request schemas of the contract.

Every field name, enum value and media type comes from :mod:`statuspage_contract.spec`; whether an
input must be accepted or refused is what the request schema says of it. Inputs that the
example tests already send (:func:`statuspage_contract.bad_inputs.bad_inputs`) are not sent twice.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import cache
from typing import Any

from ..spec import (
    JSON_MEDIA_TYPE,
    OTHER_MEDIA_TYPES,
    is_json_media_type,
    json_media_type_spellings,
    load_contract,
    property_paths,
    with_value,
)
from .model import PLACEHOLDER, Edge, Expect, KeyUse
from .values import KIB, filled, near_miss_kinds, string_values

#: A wrong value of each JSON type (the same values as the example tests' bad inputs).
WRONG_TYPES: tuple[tuple[str, str, Any], ...] = (
    ("null", "null", None),
    ("a string", "string", "text"),
    ("a number", "number", 12345),
    ("a boolean", "boolean", True),
    ("an array", "array", ["x"]),
    ("an object", "object", {}),
)
DEEP = 10_000
#: How each auth edge fills the two key headers: (API key header, application key header).
AUTH_CASES: tuple[tuple[str, tuple[KeyUse, KeyUse]], ...] = (
    ("without keys", ("none", "none")),
    ("with only the API key", ("own", "none")),
    ("with only the application key", ("none", "own")),
    ("with an unknown API key", ("unknown", "own")),
    ("with an unknown application key", ("own", "unknown")),
    ("with the two keys swapped", ("swapped", "swapped")),
)
#: The kind of each way of filling them: a key missing, a key unknown, keys misplaced.
AUTH_KINDS = {"none": "a key missing", "unknown": "a key unknown", "swapped": "keys swapped"}
READER_CASE: tuple[str, tuple[KeyUse, KeyUse]] = (
    "with an application key that may only read",
    ("own", "reader"),
)


def body_methods() -> list[str]:
    """The operations that take a request body."""
    return [m for m, op in load_contract().operations.items() if op.request_schema]


def example(method: str) -> dict[str, Any]:
    contract = load_contract()
    return contract.with_secret(contract.request_example(method), PLACEHOLDER)


def expect_of(method: str, body: Any) -> Expect:
    """What the request schema says of a JSON body."""
    from ..spec.validators import schema_errors

    schema = load_contract().operation(method).request_schema or {}
    return "refuse" if schema_errors(body, schema) else "accept"


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(path) or "the body"


def _json_type(schema: dict[str, Any]) -> str:
    return str(schema.get("type", ""))


# -- the categories -------------------------------------------------------------------------
def strings(mock: bool) -> list[Edge]:
    out = []
    for method in body_methods():
        schema = load_contract().operation(method).request_schema or {}
        for path, sub, _ in property_paths(schema):
            if _json_type(sub) != "string" or "enum" in sub:
                continue
            for label, value, ambiguous, kind in string_values(sub):
                body = with_value(example(method), path, value)
                expect: Expect = "either" if ambiguous else expect_of(method, body)
                what, family = f"{_dotted(path)} {label}", f"{_dotted(path)}: {kind}"
                out.append(Edge("strings", method, what, expect, body, family=family))
    return out


def enums(mock: bool) -> list[Edge]:
    out = []
    for method in body_methods():
        schema = load_contract().operation(method).request_schema or {}
        for path, sub, _ in property_paths(schema):
            for value in sub.get("enum", []):
                for label, miss, kind in near_miss_kinds(str(value), sub["enum"]):
                    body = with_value(example(method), path, miss)
                    what, family = f"{_dotted(path)} {label}", f"{_dotted(path)}: {kind}"
                    expect = expect_of(method, body)
                    out.append(Edge("enums", method, what, expect, body, family=family))
    return out


def objects(mock: bool) -> list[Edge]:
    out = []
    for method in body_methods():
        schema = load_contract().operation(method).request_schema or {}
        base = example(method)
        levels: list[tuple[tuple[str, ...], dict[str, Any]]] = [((), schema)]
        for path, sub, required in property_paths(schema):
            dotted = _dotted(path)
            if required:
                body = copy.deepcopy(base)
                node = body
                for part in path[:-1]:
                    node = node[part]
                del node[path[-1]]
                out.append(Edge("objects", method, f"{dotted} missing", "refuse", body))
            for label, kind, value in WRONG_TYPES:
                if kind != _json_type(sub):
                    body = with_value(base, path, value)
                    what, family = f"{dotted} as {label}", f"{dotted}: a wrong type"
                    expect = expect_of(method, body)
                    out.append(Edge("objects", method, what, expect, body, family=family))
            if _json_type(sub) == "object":
                levels.append((path, sub))
            elif required:
                out += _duplicates(method, base, path)
        for path, sub in levels:
            name = _unknown_name(sub)
            body = with_value(base, (*path, name), "edge-extra")
            what = f"an unknown member {name!r} in {_dotted(path)}"
            out.append(Edge("objects", method, what, expect_of(method, body), body))
    return out


def _unknown_name(schema: dict[str, Any]) -> str:
    name = "unknown_member"
    while name in schema.get("properties", {}):
        name += "_"
    return name


def _duplicates(method: str, base: Any, path: tuple[str, ...]) -> list[Edge]:
    """The member at ``path`` twice in its object: null then its value, and the reverse.
    JSON leaves duplicate names open (RFC 8259, section 4): either answer, judged."""
    out = []
    valid = base
    for part in path:
        valid = valid[part]
    for label, first, last in (("null first", None, valid), ("null last", valid, None)):
        marker = "\u0000duplicate\u0000"
        text = json.dumps(with_value(base, path, marker))
        pair = f"{json.dumps(first)}, {json.dumps(path[-1])}: {json.dumps(last)}"
        data = text.replace(json.dumps(marker), pair).encode()
        readings = (with_value(base, path, first), with_value(base, path, last))
        what = f"{_dotted(path)} twice ({label})"
        out.append(
            Edge("objects", method, what, "either", data=data, content_type=JSON_MEDIA_TYPE,
                 readings=readings, family=f"{_dotted(path)}: twice")
        )  # fmt: skip
    return out


def bodies(mock: bool) -> list[Edge]:
    out = []
    # The large values are built once and shared by the methods' edges (memory: issue 12).
    huge, large = json.dumps(filled(KIB * KIB)).encode(), filled(256 * KIB)
    for method in body_methods():
        base = example(method)
        raw: list[tuple[str, bytes]] = [
            ("empty", b""),
            ("of whitespace only", b" \r\n\t "),
            (f"nested {DEEP:,} deep", b"[" * DEEP + b"]" * DEEP),
            ("of 1 MiB (a JSON string)", huge),
        ]
        for label, data in raw:
            out.append(Edge("bodies", method, f"the body {label}", "refuse", data=data,
                            content_type=JSON_MEDIA_TYPE))  # fmt: skip
        as_json: list[tuple[str, Any]] = [
            ("null", None),
            ("a JSON string of the JSON body", json.dumps(base)),
            ("an array of the body", [base]),
            ("of 256 KiB (an unknown member)", {**base, "unknown_padding": large}),
        ]
        for label, body in as_json:
            out.append(Edge("bodies", method, f"the body {label}", expect_of(method, body), body))
    return out


def media_types(mock: bool) -> list[Edge]:
    out = []
    for method in body_methods():
        base = example(method)
        for media in (*json_media_type_spellings(), *OTHER_MEDIA_TYPES):
            json_type = is_json_media_type(media)
            expect: Expect = "accept" if json_type else "refuse"
            kind = (
                ("with a parameter" if ";" in media else "in other letters")
                if json_type
                else ("another media type")
            )
            data = json.dumps(base).encode()
            out.append(Edge("media-types", method, f"sent as {media!r}", expect, data=data,
                            content_type=media, family=kind))  # fmt: skip
    return out


def auth(mock: bool) -> list[Edge]:
    contract = load_contract()
    out = []
    for method, op in contract.operations.items():
        cases = list(AUTH_CASES)
        if mock and op.permission and op.permission not in contract.read_permissions:
            cases.append(READER_CASE)
        for label, keys in cases:
            body = example(method) if op.request_schema else None
            kwargs: dict[str, Any] = {"body": body} if body is not None else {}
            family = next((AUTH_KINDS[k] for k in AUTH_KINDS if k in keys), None)
            out.append(Edge("auth", method, label, "refuse", auth=keys, family=family, **kwargs))
    return out


CATEGORIES: dict[str, Callable[[bool], list[Edge]]] = {
    "strings": strings,
    "enums": enums,
    "objects": objects,
    "bodies": bodies,
    "media-types": media_types,
    "auth": auth,
}


@cache
def _already_sent() -> frozenset[tuple[str, str, str | None]]:
    """What the example tests' bad inputs send (as signatures)."""
    from ..bad_inputs import bad_inputs

    out = set()
    for method in body_methods():
        for bad in bad_inputs(method):
            kwargs = bad.kwargs
            if "json" in kwargs:
                sent = json.dumps(kwargs["json"], sort_keys=True)
            else:
                data = kwargs.get("data")
                sent = repr(data.encode() if isinstance(data, str) else data)
            out.add((method, sent, kwargs.get("content_type")))
    return frozenset(out)


def derive(category: str, *, mock: bool = True) -> list[Edge]:
    """The edge inputs of one category, without those the example tests already send
    (``mock``: include the inputs that need the embedded mock's controls)."""
    sent = _already_sent()
    return [e for e in CATEGORIES[category](mock) if e.signature() not in sent]
