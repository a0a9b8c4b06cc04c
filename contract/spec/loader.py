"""Load the OpenAPI contract and answer questions about it.

The YAML document next to this module is the single source of truth: field names, the
resource type, the mask, status codes, header names and permissions are all read from it
here, so no other module restates them.
"""

from __future__ import annotations

import copy
import hashlib
import json
from functools import cache, cached_property
from http import HTTPStatus
from importlib import resources
from typing import Any

import yaml

from .auth import Bearer
from .bodies import (
    JSON_MEDIA_TYPE,
    path_where,
    property_path,
    property_paths,
    value_at,
    with_value,
)
from .model import Operation, Response, Statuses
from .url_settings import TYPE_SCHEMA as URL_SETTING_TYPE_SCHEMA
from .url_settings import UrlSettings

DOCUMENT_NAME = "openapi.yaml"
#: The named schema of the account's resource type (the URL settings': url_settings.py).
ACCOUNT_TYPE_SCHEMA = "StatuspageAccountType"
#: Answers a server gives to protect itself from a request's transport, whatever the API:
#: too slow (408), a body too large (413), a target too long (414), a head too large (431).
TRANSPORT_REFUSALS = (
    HTTPStatus.REQUEST_TIMEOUT,
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    HTTPStatus.REQUEST_URI_TOO_LONG,
    HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
)


class Contract:
    """The parsed contract document with derived facts."""

    def __init__(self, document: dict[str, Any], raw_text: str) -> None:
        self.document = document
        self.raw_text = raw_text
        self.resolved = _resolve_refs(document, document)
        #: Every operation of the document, by operationId (the account's and the URL
        #: settings').
        self.operations_by_id: dict[str, Operation] = {}
        for path, item in self.resolved["paths"].items():
            for method, op in item.items():
                if method.lower() not in {"get", "put", "post", "patch", "delete", "head"}:
                    continue
                found = _operation(method.upper(), path, op)
                self.operations_by_id[found.operation_id] = found
        #: The account's operations, by method: what the suite, the mock, the proxy and the
        #: notebook call "the contract's operations" (the URL settings': :attr:`url_settings`).
        self.operations: dict[str, Operation] = {
            op.method: op for op in self.operations_by_id.values() if op.path == self.account_path
        }

    # -- identity -------------------------------------------------------------------------
    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw_text.encode()).hexdigest()

    @property
    def title(self) -> str:
        return str(self.document["info"]["title"])

    @cached_property
    def protective_statuses(self) -> frozenset[int]:
        """Transport-level protective answers (:data:`TRANSPORT_REFUSALS`) the contract does
        not document: reported as what they are, never judged by a contract rule."""
        documented = {s for op in self.operations_by_id.values() for s in op.responses}
        return frozenset(int(s) for s in TRANSPORT_REFUSALS) - documented

    @cached_property
    def status(self) -> Statuses:
        """The contract's status codes by meaning (``contract.status.conflict``)."""
        return Statuses.of(self.operations)

    # -- paths and operations -------------------------------------------------------------
    @cached_property
    def account_path(self) -> str:
        """The one path whose bodies carry the account's type."""
        paths = self.paths_of(self.account_type)
        if len(paths) != 1:  # pragma: no cover - guards a future document change
            raise ValueError(f"expected one account path in the contract, found {paths}")
        return paths[0]

    def paths_of(self, resource_type: str) -> list[str]:
        """The paths whose operations' bodies carry ``resource_type`` (a one-value enum)."""
        return [
            path
            for path, item in self.resolved["paths"].items()
            if any(resource_type in _one_value_enums(op) for op in item.values())
        ]

    @cached_property
    def url_settings(self) -> UrlSettings:
        """The URL settings' operations, paths and fields (``contract.url_settings.type``)."""
        kind = self.one_value_enum(URL_SETTING_TYPE_SCHEMA)
        return UrlSettings(kind, self.paths_of(kind), list(self.operations_by_id.values()))

    @property
    def create(self) -> Operation:
        return self.operation("POST")

    def operation(self, method: str) -> Operation:
        try:
            return self.operations[method.upper()]
        except KeyError:
            raise KeyError(f"the contract has no {method.upper()} operation") from None

    def operation_at(self, method: str, path: str) -> Operation | None:
        """The operation of any resource that ``method`` names on ``path``, or None."""
        if path.rstrip("/") == self.account_path:
            return self.operations.get(method.upper())
        return self.url_settings.operation_at(method, path)

    def operation_labelled(self, label: str) -> Operation | None:
        """The operation whose :attr:`Operation.label` is ``label`` (of any resource)."""
        return self._by_label.get(label)

    @cached_property
    def _by_label(self) -> dict[str, Operation]:
        return {op.label: op for op in self.operations_by_id.values()}

    @property
    def permissions(self) -> frozenset[str]:
        """Every permission an operation asks for (``x-permission``), of every resource."""
        return frozenset(p for op in self.operations_by_id.values() for p in op.permissions)

    @property
    def methods(self) -> list[str]:
        return list(self.operations)

    # -- schema facts ---------------------------------------------------------------------
    @property
    def account_type(self) -> str:
        """The one allowed value of the account's ``data.type``."""
        return self.one_value_enum(ACCOUNT_TYPE_SCHEMA)

    def one_value_enum(self, schema_name: str) -> str:
        """The one allowed value of a named enum schema (a resource type)."""
        enum = self.resolved["components"]["schemas"][schema_name]["enum"]
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

    @cached_property
    def bearer(self) -> Bearer:
        """The OAuth2 scheme's bearer token: scheme, header, prefix, scopes (spec/auth.py)."""
        return Bearer.of(self.document)

    def request_example(self, method: str = "POST") -> dict[str, Any]:
        """A fresh copy of the documented request example."""
        return copy.deepcopy(self.operation(method).request_example)

    @property
    def secret_path(self) -> tuple[str, ...]:
        """Where the secret attribute stands in a create request body (e.g. data.attributes)."""
        path = property_path(self.create.request_schema or {}, self.secret_field)
        if path is None:  # pragma: no cover - guards a future document change
            raise ValueError(f"the create request has no {self.secret_field!r} property")
        return path

    def secret_of(self, body: Any) -> str | None:
        """The secret a request body carries: a non-empty string at :attr:`secret_path`."""
        node = value_at(body, self.secret_path, None)
        return node if isinstance(node, str) and node else None

    def with_secret(self, body: dict[str, Any], secret: str) -> dict[str, Any]:
        """A copy of a request body with its secret attribute replaced."""
        return dict(with_value(body, self.secret_path, secret))

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

    def error_envelope(self, *messages: str) -> bytes:
        """An error body in the contract's envelope."""
        return json.dumps({self.errors_field: list(messages)}).encode()

    @property
    def attributes_path(self) -> tuple[str, ...]:
        """Where the account's attributes stand in a body (requests and responses alike)."""
        return self.secret_path[:-1]

    @cached_property
    def type_path(self) -> tuple[str, ...]:
        """Where the resource type (the one-value enum) stands in a body."""
        enum = [self.account_type]
        path = path_where(self.create.request_schema or {}, lambda s: s.get("enum") == enum)
        if path is None:  # pragma: no cover - guards a future document change
            raise ValueError("the create request has no resource type")
        return path

    @property
    def errors_field(self) -> str:
        """The one property of the error envelope (a list of messages)."""
        return next(iter(self.error_schema["properties"]))

    def account_body(self, attributes: dict[str, Any], account_type: str | None = None) -> Any:
        """An account document as the contract shapes it: type and attributes in place."""
        body: dict[str, Any] = {}
        for path, value in (
            (self.type_path, self.account_type if account_type is None else account_type),
            (self.attributes_path, attributes),
        ):
            node = body
            for part in path[:-1]:
                node = node.setdefault(part, {})
            node[path[-1]] = value
        return body

    @property
    def enum_paths(self) -> dict[tuple[str, ...], list[Any]]:
        """Where the create request has an enum, and its values (e.g. data.type)."""
        schema = self.create.request_schema or {}
        return {path: list(sub["enum"]) for path, sub, _ in property_paths(schema) if "enum" in sub}

    @property
    def read_permissions(self) -> frozenset[str]:
        """The permissions the reads (of every resource) need: an application key with only
        these may read and may not change anything."""
        return frozenset(
            p
            for op in self.operations_by_id.values()
            if op.request_schema is None and op.success.has_body
            for p in op.permissions
        )

    @cached_property
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
        permissions=_permissions(op.get("x-permission")),
        request_schema=body.get("schema"),
        request_example=_first_example(body) if body else None,
        responses=responses,
    )


def _permissions(declared: Any) -> tuple[str, ...]:
    """An operation's ``x-permission`` in Datadog's object form (``{operator: OR,
    permissions: [...]}``: any one of them suffices) as the permissions' names."""
    if not declared:
        return ()
    if declared.get("operator", "OR") != "OR":  # pragma: no cover - guards a document change
        raise ValueError(f"unsupported x-permission operator in {declared}")
    return tuple(str(p) for p in declared["permissions"])


def _one_value_enums(op: dict[str, Any]) -> set[str]:
    """The one-value enums (resource types) in an operation's request and response bodies."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            enum = node.get("enum")
            if isinstance(enum, list) and len(enum) == 1:
                found.add(str(enum[0]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    if isinstance(op, dict):
        walk(op.get("requestBody"))
        walk(op.get("responses"))
    return found


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
    text = (
        resources.files("statuspage_contract.spec")
        .joinpath(DOCUMENT_NAME)
        .read_text(encoding="utf-8")
    )
    return Contract(yaml.safe_load(text), text)


def load_contract() -> Contract:
    """The contract of the Statuspage integration API (parsed once per process)."""
    return _load()


def document_copy() -> dict[str, Any]:
    """A deep copy of the raw OpenAPI document, safe to hand to other libraries."""
    return json.loads(json.dumps(_load().document))
