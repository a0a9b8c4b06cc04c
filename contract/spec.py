"""Load the OpenAPI contract and answer questions about it.

The YAML document next to this module is the single source of truth: field names, the
resource type, the mask, status codes, header names and permissions are all read from it
here, so no other module restates them.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

DOCUMENT_NAME = "openapi.yaml"
JSON_MEDIA_TYPE = "application/json"


def is_json_media_type(content_type: str | None) -> bool:
    """Whether a Content-Type names JSON: the contract's media type or a ``+json`` one,
    whatever its parameters (``charset=utf-8``) or letter case."""
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    return mime == JSON_MEDIA_TYPE or (mime.startswith("application/") and mime.endswith("+json"))


@dataclass(frozen=True)
class Response:
    """One documented response of an operation."""

    status: int
    description: str
    schema: dict[str, Any] | None
    example: Any
    headers: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def has_body(self) -> bool:
        return self.schema is not None


@dataclass(frozen=True)
class Operation:
    """One documented operation (method + path)."""

    method: str
    path: str
    operation_id: str
    summary: str
    permission: str | None
    request_schema: dict[str, Any] | None
    request_example: Any
    responses: dict[int, Response]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def statuses(self) -> list[int]:
        return sorted(self.responses)

    @property
    def success(self) -> Response:
        """The single documented 2xx response."""
        return next(r for s, r in sorted(self.responses.items()) if 200 <= s < 300)

    @property
    def error_statuses(self) -> list[int]:
        return [s for s in self.statuses if s >= 400]

    def response(self, status: int) -> Response | None:
        return self.responses.get(status)


class Contract:
    """The parsed contract document with derived facts."""

    def __init__(self, document: dict[str, Any], raw_text: str) -> None:
        self.document = document
        self.raw_text = raw_text
        self.resolved = _resolve_refs(document, document)
        self.operations: dict[str, Operation] = {}
        for path, item in self.resolved["paths"].items():
            for method, op in item.items():
                if method.lower() not in {"get", "put", "post", "patch", "delete", "head"}:
                    continue
                self.operations[method.upper()] = _operation(method.upper(), path, op)

    # -- identity -------------------------------------------------------------------------
    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw_text.encode()).hexdigest()

    @property
    def title(self) -> str:
        return str(self.document["info"]["title"])

    # -- paths and operations -------------------------------------------------------------
    @property
    def account_path(self) -> str:
        paths = list(self.document["paths"])
        if len(paths) != 1:  # pragma: no cover - guards a future document change
            raise ValueError(f"expected one path in the contract, found {paths}")
        return paths[0]

    @property
    def create(self) -> Operation:
        return self.operation("POST")

    def operation(self, method: str) -> Operation:
        try:
            return self.operations[method.upper()]
        except KeyError:
            raise KeyError(f"the contract has no {method.upper()} operation") from None

    @property
    def methods(self) -> list[str]:
        return list(self.operations)

    # -- schema facts ---------------------------------------------------------------------
    @property
    def account_type(self) -> str:
        """The one allowed value of ``data.type``."""
        enum = self.resolved["components"]["schemas"]["StatuspageAccountType"]["enum"]
        if len(enum) != 1:  # pragma: no cover
            raise ValueError(f"expected a one-value enum, found {enum}")
        return str(enum[0])

    @property
    def mask(self) -> str:
        """The masked api_key value as the contract's example shows it."""
        attrs = self.resolved["components"]["schemas"]["StatuspageAccountResponseAttributes"]
        return str(attrs["properties"]["api_key"]["example"])

    @property
    def masked_fields(self) -> list[str]:
        """Attribute names whose value is always returned masked (``x-masked``)."""
        attrs = self.resolved["components"]["schemas"]["StatuspageAccountResponseAttributes"]
        return [name for name, s in attrs["properties"].items() if s.get("x-masked")]

    @property
    def secret_field(self) -> str:
        """The attribute carrying the submitted secret (the first masked field)."""
        return self.masked_fields[0]

    @property
    def error_schema(self) -> dict[str, Any]:
        return self.resolved["components"]["schemas"]["APIErrorResponse"]

    @property
    def rate_limit_headers(self) -> list[str]:
        """Header names every 429 must carry."""
        return list(self.operation("POST").responses[429].headers)

    @property
    def api_key_header(self) -> str:
        return str(self.document["components"]["securitySchemes"]["apiKeyAuth"]["name"])

    @property
    def app_key_header(self) -> str:
        return str(self.document["components"]["securitySchemes"]["appKeyAuth"]["name"])

    def request_example(self, method: str = "POST") -> dict[str, Any]:
        """A fresh copy of the documented request example."""
        return copy.deepcopy(self.operation(method).request_example)

    @property
    def secret_path(self) -> tuple[str, ...]:
        """Where the secret attribute stands in a create request body (e.g. data.attributes)."""
        path = _property_path(self.create.request_schema or {}, self.secret_field)
        if path is None:  # pragma: no cover - guards a future document change
            raise ValueError(f"the create request has no {self.secret_field!r} property")
        return path

    def secret_of(self, body: Any) -> str | None:
        """The secret a request body carries: a non-empty string at :attr:`secret_path`."""
        node = body
        for part in self.secret_path:
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node if isinstance(node, str) and node else None

    def with_secret(self, body: dict[str, Any], secret: str) -> dict[str, Any]:
        """A copy of a request body with its secret attribute replaced."""
        body = copy.deepcopy(body)
        node = body
        for part in self.secret_path[:-1]:
            node = node[part]
        node[self.secret_path[-1]] = secret
        return body

    # -- lifecycle roles (derived from the operations' shapes) ----------------------------
    @property
    def read(self) -> Operation:
        """The one read: no request body, a success with a body."""
        return self.operation(next(iter(sorted(self.safe_methods))))

    @property
    def update(self) -> Operation:
        """The operation other than the create that takes a request body."""
        return next(
            op for op in self.operations.values() if op.request_schema and op is not self.create
        )

    @property
    def delete(self) -> Operation:
        """The operation with neither a request body nor a success body."""
        return next(
            op
            for op in self.operations.values()
            if op.request_schema is None and not op.success.has_body
        )

    @property
    def not_found_status(self) -> int:
        """What the read answers when there is no account: its one error status that the
        create does not document."""
        (status,) = set(self.read.error_statuses) - set(self.create.error_statuses)
        return status

    @property
    def conflict_status(self) -> int:
        """What the create answers when the account exists: its one error status that no
        other operation documents."""
        others = {
            s for op in self.operations.values() if op is not self.create for s in op.statuses
        }
        (status,) = set(self.create.error_statuses) - others
        return status

    @property
    def invalid_status(self) -> int:
        """What a request with a bad body answers: the one error status of the operations
        that take a body which the read does not document."""
        takers = [op for op in self.operations.values() if op.request_schema]
        common = set.intersection(*(set(op.error_statuses) for op in takers))
        (status,) = common - set(self.read.statuses)
        return status

    @property
    def forbidden_status(self) -> int:
        """What a call with missing or refused keys answers: the one error status every
        operation documents, other than the rate limit's (the one with headers)."""
        common = set.intersection(*(set(op.error_statuses) for op in self.operations.values()))
        limited = {s for s in common if self.create.responses[s].headers}
        (status,) = common - limited
        return status

    @property
    def errors_field(self) -> str:
        """The error envelope's one required field."""
        return str(self.error_schema["required"][0])

    def error_envelope(self, *messages: str) -> bytes:
        """An error body in the contract's envelope."""
        return json.dumps({self.errors_field: list(messages)}).encode()

    @property
    def safe_methods(self) -> frozenset[str]:
        """Operations that never change state: those without a request body whose only
        success carries a body (reads). Everything else may change the account."""
        return frozenset(
            m
            for m, op in self.operations.items()
            if op.request_schema is None and op.success.has_body
        )


def _operation(method: str, path: str, op: dict[str, Any]) -> Operation:
    body = op.get("requestBody", {}).get("content", {}).get(JSON_MEDIA_TYPE, {})
    responses: dict[int, Response] = {}
    for status, resp in op["responses"].items():
        media = resp.get("content", {}).get(JSON_MEDIA_TYPE)
        headers = {name: h for name, h in resp.get("headers", {}).items()}
        responses[int(status)] = Response(
            status=int(status),
            description=resp.get("description", ""),
            schema=media.get("schema") if media else None,
            example=_first_example(media) if media else None,
            headers=headers,
        )
    return Operation(
        method=method,
        path=path,
        operation_id=op["operationId"],
        summary=op.get("summary", ""),
        permission=op.get("x-permission"),
        request_schema=body.get("schema"),
        request_example=_first_example(body) if body else None,
        responses=responses,
    )


def _property_path(schema: dict[str, Any], name: str) -> tuple[str, ...] | None:
    """The path of property ``name`` inside an object schema (depth first), or None."""
    props = schema.get("properties", {})
    if name in props:
        return (name,)
    for key, sub in props.items():
        found = _property_path(sub, name)
        if found is not None:
            return (key, *found)
    return None


def _first_example(media: dict[str, Any]) -> Any:
    if "example" in media:
        return media["example"]
    examples = media.get("examples") or {}
    for ex in examples.values():
        return ex.get("value")
    return None


def _resolve_refs(node: Any, root: dict[str, Any]) -> Any:
    """Inline every local ``$ref`` (the contract has no recursive schemas)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = root
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return _resolve_refs(target, root)
        return {k: _resolve_refs(v, root) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve_refs(v, root) for v in node]
    return node


@cache
def _load() -> Contract:
    text = resources.files("contract").joinpath(DOCUMENT_NAME).read_text(encoding="utf-8")
    return Contract(yaml.safe_load(text), text)


def load_contract() -> Contract:
    """The contract of the Statuspage account API (parsed once per process)."""
    return _load()


def document_copy() -> dict[str, Any]:
    """A deep copy of the raw OpenAPI document, safe to hand to other libraries."""
    return json.loads(json.dumps(_load().document))
