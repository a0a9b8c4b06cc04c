"""Drift watch: the contract against the Statuspage API of Datadog's own Python client.

``statuspage-contract drift`` reads the installed ``datadog-api-client`` package (its
``StatuspageIntegrationApi`` endpoints and the models they name) and the contract document,
puts both into one plain form — operations by operationId, each with its method, path,
authentication schemes, whether its success has a body, and its request and response bodies
as named schemas with their fields (type, required, length bounds, enum values) — and names
every difference. The client carries no error statuses and no permissions, so those are not
compared. Exit 0: no drift; 1: differences; 2: the client is not installed.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ContractError

CLIENT_PACKAGE = "datadog_api_client"
CLIENT_API = "datadog_api_client.v2.api.statuspage_integration_api"
CLIENT_CLASS = "StatuspageIntegrationApi"
#: The contract's media type for bodies (the one both sides speak).
_BODY_LOCATION = "body"


class ClientMissing(ContractError):
    """Datadog's Python client is not installed: nothing to compare with (exit 2)."""


@dataclass(frozen=True)
class Field:
    """One field of a body, at its dotted path."""

    type: str
    required: bool
    min_length: int | None = None
    max_length: int | None = None
    enum: tuple[str, ...] = ()
    schema: str | None = None  # the schema's name, where the field is a named object or enum


@dataclass(frozen=True)
class Body:
    schema: str | None  # the top schema's name
    fields: dict[str, Field] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    auth: tuple[str, ...]
    success_has_body: bool
    request: Body | None
    response: Body | None


# -- Datadog's client ----------------------------------------------------------------------
def client_version() -> str:
    from importlib.metadata import version

    return version(CLIENT_PACKAGE.replace("_", "-"))


def client_operations() -> dict[str, Operation]:
    """The client's Statuspage operations, keyed by the operationId the contract uses."""
    try:
        module = importlib.import_module(CLIENT_API)
    except ImportError:
        raise ClientMissing(
            "datadog-api-client is not installed (pip install datadog-api-client): "
            "nothing to compare the contract with"
        ) from None
    api = getattr(module, CLIENT_CLASS)()
    out: dict[str, Operation] = {}
    for name, endpoint in vars(api).items():
        if not name.endswith("_endpoint"):
            continue
        settings = endpoint.settings
        body = next(
            (p for p in endpoint.params_map.values() if p.get("location") == _BODY_LOCATION), None
        )
        response = settings.get("response_type")
        out[_camel(settings["operation_id"])] = Operation(
            method=settings["http_method"].upper(),
            path=settings["endpoint_path"],
            auth=tuple(sorted(settings.get("auth") or ())),
            success_has_body=response is not None,
            request=_client_body(body["openapi_types"][0]) if body else None,
            response=_client_body(response[0]) if response else None,
        )
    return out


def _camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def _client_body(model: type) -> Body:
    fields: dict[str, Field] = {}
    _client_fields(model, "", fields)
    return Body(model.__name__, fields)


def _client_fields(model: type, prefix: str, out: dict[str, Field]) -> None:
    types: Mapping[str, tuple[Any, ...]] = model.openapi_types  # type: ignore[attr-defined]
    signature = inspect.signature(model)
    required = {
        n for n, p in signature.parameters.items() if p.default is inspect.Parameter.empty
    } - {"args", "kwargs"}
    validations: Mapping[str, Mapping[str, Any]] = getattr(model, "validations", {}) or {}
    for name, kinds in types.items():
        path = f"{prefix}{name}"
        kind = kinds[0]
        rules = validations.get(name, {})
        allowed = getattr(kind, "allowed_values", None)
        if isinstance(kind, list):  # a list of models
            item = kind[0]
            out[path] = Field("array", name in required, schema=getattr(item, "__name__", None))
            if hasattr(item, "openapi_types") and not hasattr(item, "allowed_values"):
                _client_fields(item, f"{path}[].", out)
        elif allowed is not None:
            out[path] = Field(
                "string", name in required, enum=tuple(sorted(allowed)), schema=kind.__name__
            )
        elif hasattr(kind, "openapi_types"):
            out[path] = Field("object", name in required, schema=kind.__name__)
            _client_fields(kind, f"{path}.", out)
        else:
            out[path] = Field(
                _PY_TYPES.get(kind, getattr(kind, "__name__", str(kind))),
                name in required,
                rules.get("min_length"),
                rules.get("max_length"),
            )


_PY_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", dict: "object"}


# -- the contract -----------------------------------------------------------------------------
def contract_operations(document: Mapping[str, Any]) -> dict[str, Operation]:
    """The contract's operations in the same form, keyed by operationId."""
    schemes = document.get("components", {}).get("securitySchemes", {})
    default_security = document.get("security") or []
    out: dict[str, Operation] = {}
    for path, item in document.get("paths", {}).items():
        for method, op in item.items():
            if not isinstance(op, Mapping) or "responses" not in op:
                continue
            success = next(
                (str(s) for s in sorted(op["responses"], key=str) if str(s).startswith("2")), None
            )
            answer = _deref(document, op["responses"].get(success) or {})
            schema = _media_schema(answer)
            request = _media_schema(_deref(document, op.get("requestBody") or {}))
            security = op.get("security", default_security)
            auth = sorted({name for option in security for name in option if name in schemes})
            out[str(op.get("operationId"))] = Operation(
                method=method.upper(),
                path=path,
                auth=tuple(auth),
                success_has_body=schema is not None,
                request=_contract_body(document, request) if request else None,
                response=_contract_body(document, schema) if schema else None,
            )
    return out


def _media_schema(node: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for media in (node.get("content") or {}).values():
        if "schema" in media:
            return dict(media["schema"])
    return None


def _ref_name(node: Mapping[str, Any]) -> str | None:
    ref = node.get("$ref")
    return str(ref).rsplit("/", 1)[-1] if ref else None


def _deref(document: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    seen = 0
    while "$ref" in node and seen < 32:
        target: Any = document
        for part in str(node["$ref"]).lstrip("#/").split("/"):
            target = target[part]
        node, seen = target, seen + 1
    return node


def _contract_body(document: Mapping[str, Any], schema: Mapping[str, Any]) -> Body:
    fields: dict[str, Field] = {}
    _contract_fields(document, _deref(document, schema), "", fields)
    return Body(_ref_name(schema), fields)


def _contract_fields(
    document: Mapping[str, Any], schema: Mapping[str, Any], prefix: str, out: dict[str, Field]
) -> None:
    required = set(schema.get("required") or ())
    for name, raw in (schema.get("properties") or {}).items():
        path = f"{prefix}{name}"
        sub = _deref(document, raw)
        kind = str(sub.get("type", "object"))
        named = _ref_name(raw)
        if "enum" in sub:
            enum = tuple(sorted(str(v) for v in sub["enum"]))
            out[path] = Field(kind, name in required, enum=enum, schema=named)
        elif kind == "object":
            out[path] = Field(kind, name in required, schema=named)
            _contract_fields(document, sub, f"{path}.", out)
        elif kind == "array":
            items = sub.get("items") or {}
            out[path] = Field(kind, name in required, schema=_ref_name(items))
            _contract_fields(document, _deref(document, items), f"{path}[].", out)
        else:
            out[path] = Field(
                kind, name in required, sub.get("minLength"), sub.get("maxLength"), schema=None
            )


# -- the comparison -----------------------------------------------------------------------------
def differences(ours: Mapping[str, Operation], theirs: Mapping[str, Operation]) -> Iterator[str]:
    """Each difference in one line: where, what the contract says, what the client says."""
    for op_id in sorted(set(ours) | set(theirs)):
        if op_id not in theirs:
            yield f"{op_id}: in the contract, not in Datadog's client"
            continue
        if op_id not in ours:
            op = theirs[op_id]
            yield f"{op_id}: in Datadog's client ({op.method} {op.path}), not in the contract"
            continue
        a, b = ours[op_id], theirs[op_id]
        for what in ("method", "path", "auth", "success_has_body"):
            if getattr(a, what) != getattr(b, what):
                yield _line(op_id, what.replace("_", " "), getattr(a, what), getattr(b, what))
        for side in ("request", "response"):
            yield from _body_differences(f"{op_id} {side}", getattr(a, side), getattr(b, side))


def _body_differences(where: str, ours: Body | None, theirs: Body | None) -> Iterator[str]:
    if ours is None or theirs is None:
        if ours is not theirs:
            yield _line(where, "body", ours and ours.schema, theirs and theirs.schema)
        return
    if ours.schema != theirs.schema:
        yield _line(where, "schema name", ours.schema, theirs.schema)
    for path in sorted(set(ours.fields) | set(theirs.fields)):
        a, b = ours.fields.get(path), theirs.fields.get(path)
        if a is None or b is None:
            yield _line(where, f"field {path}", "present" if a else "absent", _presence(b))
            continue
        for what in ("type", "required", "min_length", "max_length", "enum", "schema"):
            if getattr(a, what) != getattr(b, what):
                label = "schema name" if what == "schema" else what.replace("_", " ")
                yield _line(where, f"{path} {label}", getattr(a, what), getattr(b, what))


def _presence(found: Field | None) -> str:
    return "present" if found else "absent"


def _line(where: str, what: str, ours: Any, theirs: Any) -> str:
    return f"{where}: {what}: the contract says {_shown(ours)}, Datadog's client {_shown(theirs)}"


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return re.sub(r"\s+", " ", str(value))


def drift(document: Mapping[str, Any] | None = None) -> list[str]:
    """Every difference between the contract (or ``document``) and the installed client."""
    if document is None:
        from .spec import load_contract

        document = load_contract().document
    return list(differences(contract_operations(document), client_operations()))
