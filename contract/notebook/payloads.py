"""Request bodies drawn from the contract's Hypothesis strategies, shown with keys hidden."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..redact import REDACTED
from ..spec import load_contract, value_at
from ..spec.validators import schema_errors
from .display import cell_text, clean, frame, json_text
from .html import badge, code, render
from .sampling import draw

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["PayloadSample", "sample_payloads"]

_JSON_TYPES = (dict, list, str, int, float, bool)


def _is_json(body: Any) -> bool:
    return body is None or isinstance(body, _JSON_TYPES)


def _describe_key(body: Any) -> str:
    """The secret's shape in ``body``: missing, null, a type name or a string's length."""
    try:
        key = value_at(body, load_contract().secret_path)
    except KeyError:
        return "missing"
    if key is None:
        return "null"
    if not isinstance(key, str):
        return type(key).__name__
    extra = "" if key.isascii() else ", non-ASCII"
    return f"string, {len(key)} chars{extra}"


def _mask_key(body: Any) -> Any:
    """A copy of ``body`` with its secret (when a non-empty string) shown as [REDACTED]."""
    contract = load_contract()
    if contract.secret_of(body) is None:
        return body
    return contract.with_secret(body, REDACTED)


def _body_text(body: Any) -> str:
    if isinstance(body, bytes | bytearray):
        return clean(repr(bytes(body)))
    return json_text(_mask_key(body), indent=None)


def _columns() -> tuple[str, str]:
    """The names of the type and secret columns, from the contract (data.type, api_key)."""
    contract = load_contract()
    return ".".join(contract.type_path), contract.secret_field


@dataclass
class PayloadSample:
    """Request bodies drawn from the contract's Hypothesis strategies (api_keys hidden)."""

    payloads: list[Any]
    valid: bool
    method: str = "POST"

    def rows(self) -> list[dict[str, Any]]:
        """One row per body: #, valid, the type, the secret's shape, first problem, body."""
        contract = load_contract()
        schema = contract.operation(self.method).request_schema or {}
        type_column, secret_column = _columns()
        out = []
        for i, body in enumerate(self.payloads):
            errors = schema_errors(body, schema) if _is_json(body) else ["body: not JSON"]
            try:
                body_type = value_at(body, contract.type_path)
            except KeyError:
                body_type = "—"
            out.append(
                {
                    "#": i + 1,
                    "valid": not errors,
                    type_column: body_type if isinstance(body_type, str) else repr(body_type),
                    secret_column: _describe_key(body),
                    "problem": errors[0] if errors else "",
                    "body": cell_text(_body_text(body)),
                }
            )
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per payload: valid?, data.type, the api_key's shape, first problem, body."""
        return frame(self.rows(), ["#", "valid", *_columns(), "problem", "body"])

    def __len__(self) -> int:
        return len(self.payloads)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.payloads)

    def __repr__(self) -> str:
        kind = "valid" if self.valid else "invalid"
        return f"<PayloadSample: {len(self.payloads)} {kind} {self.method} bodies>"

    def _repr_html_(self) -> str:
        type_column, secret_column = _columns()
        rows = [
            [
                r["#"],
                badge(r["valid"], "valid" if r["valid"] else "invalid"),
                r[type_column],
                r[secret_column],
                r["problem"],
                code(r["body"]),
            ]
            for r in self.rows()
        ]
        return render(
            "payloads.html.j2",
            count=len(self.payloads),
            kind="valid" if self.valid else "invalid",
            method=self.method,
            secret=secret_column,
            headers=["#", "Schema", type_column, secret_column, "Problem", "Body"],
            rows=rows,
        )


def sample_payloads(
    n: int = 10, *, valid: bool = True, method: str = "POST", seed: int | None = None
) -> PayloadSample:
    """Draw ``n`` request bodies from the contract's strategies
    (``statuspage_contract.generation``).

    ``valid=False`` draws from the negative strategy and keeps only bodies that really break
    the request schema (negative cases may instead break a header).
    """
    from .. import generation

    schema = load_contract().operation(method).request_schema or {}
    payloads: list[Any] = []

    def keep(body: Any) -> bool:
        if not valid:
            if not _is_json(body):
                payloads.append(body)  # bytes: not even JSON
                return True
            if not schema_errors(body, schema):
                return False
        payloads.append(body)
        return True

    draw(generation.bodies(method, valid=valid), n, seed, keep)
    return PayloadSample(payloads[:n], valid, method.upper())
