"""The suite's bad inputs: one request per way of breaking an operation's request schema,
plus malformed transport, derived from the schema and the documented example."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from .spec import JSON_MEDIA_TYPE, load_contract, with_value
from .spec import property_paths as _paths
from .target import sentinel_key


@dataclass(frozen=True)
class BadInput:
    """A create request that breaks the contract, and why."""

    id: str
    why: str
    kwargs: dict[str, Any] = field(default_factory=dict)


def _without(body: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    body = copy.deepcopy(body)
    node = body
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    return body


def bad_create_inputs() -> list[BadInput]:
    """One create request per way of breaking the request schema, plus malformed transport."""
    return bad_inputs("POST")


def bad_inputs(method: str) -> list[BadInput]:
    """One request body per way of breaking ``method``'s request schema, plus malformed
    transport (derived from the schema and the documented example)."""
    contract = load_contract()
    schema = contract.operation(method).request_schema or {}
    example = contract.with_secret(contract.request_example(method), "SENTINEL")
    out: list[BadInput] = []
    for path, sub, required in _paths(schema):
        dotted = ".".join(path)

        def add(kind: str, why: str, value: Any, path: tuple[str, ...] = path) -> None:
            out.append(
                BadInput(
                    f"{kind}-{'.'.join(path)}",
                    f"{'.'.join(path)} {why}",
                    {"json": with_value(example, path, value)},
                )
            )

        if required:
            missing = _without(example, path)
            out.append(BadInput(f"missing-{dotted}", f"{dotted} is required", {"json": missing}))
        if "enum" in sub:
            add(
                "wrong-enum", f"must be one of {sub['enum']}", str(sub["enum"][0]).replace("-", "_")
            )
        if sub.get("type") == "string":
            if sub.get("minLength"):
                add("empty", "must not be empty", "")
            for label, value in (
                ("null", None),
                ("number", 12345),
                ("list", ["x"]),
                ("object", {}),
            ):
                add(label, "must be a string", value)
        if sub.get("type") == "object":
            add("not-object", "must be an object", "text")
    non_objects: tuple[tuple[str, Any], ...] = (
        ("array", []),
        ("string", "data"),
        ("null", None),
        ("number", 7),
    )
    for label, value in non_objects:
        out.append(BadInput(f"body-{label}", "the body must be an object", {"json": value}))
    valid_text = json.dumps(example)
    out += [
        BadInput(
            "malformed-json",
            "the body must be JSON",
            {"data": valid_text[: len(valid_text) // 2], "content_type": JSON_MEDIA_TYPE},
        ),
        BadInput(
            "invalid-utf8",
            "the body must be UTF-8",
            {"data": b'{"data": "\xff\xfe"}', "content_type": JSON_MEDIA_TYPE},
        ),
        BadInput(
            "empty-body", "a body is required", {"data": b"", "content_type": JSON_MEDIA_TYPE}
        ),
        BadInput(
            "wrong-content-type",
            "the body must be sent as JSON",
            {"data": valid_text, "content_type": "text/plain"},
        ),
    ]
    return out


def materialise(bad: BadInput) -> dict[str, Any]:
    """Request kwargs with a fresh sentinel secret in place of the placeholder."""
    key = sentinel_key()
    kwargs = dict(bad.kwargs)
    if "json" in kwargs:
        kwargs["json"] = json.loads(json.dumps(kwargs["json"]).replace("SENTINEL", key))
    elif isinstance(kwargs.get("data"), str):
        kwargs["data"] = kwargs["data"].replace("SENTINEL", key)
    return kwargs
