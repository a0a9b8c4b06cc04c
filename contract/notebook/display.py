"""What every notebook object shares: redacted, printable text and lazy pandas frames."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from ..redact import SECRETS, redact
from ..report.presentation import shorten
from ..rules import RULES

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: Longest body (characters) shown in a table cell.
CELL_LIMIT = 160

_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with control characters and lone surrogates shown as ``\\uXXXX`` escapes."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def clean(value: Any) -> str:
    """Any value as redacted, printable text."""
    return printable(redact(str(value)))


def cell_text(text: str) -> str:
    """``text`` short enough for a table cell."""
    return shorten(text, CELL_LIMIT)


def json_text(value: Any, *, indent: int | None = 2) -> str:
    """A JSON-like value as redacted, printable text (non-JSON values as their repr)."""
    redacted = SECRETS.redact_tree(value)
    try:
        text = json.dumps(redacted, indent=indent, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(redacted)
    return clean(text)


def frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A DataFrame of ``rows`` (every string redacted); pandas is imported here, lazily."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            'to_frame() needs pandas: pip install -e ".[notebooks]" (or pip install pandas)'
        ) from None
    redacted = [
        {c: clean(row.get(c)) if isinstance(row.get(c), str) else row.get(c) for c in columns}
        for row in rows
    ]
    return pd.DataFrame(redacted, columns=list(columns))


def reason(status: int) -> str:
    """The HTTP reason phrase of ``status`` ("" for an unknown one)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def rule_kind(name: str) -> str:
    """A rule's kind from the registry ("notebook" for a name it does not know)."""
    rule = RULES.get(name)
    return rule.kind if rule else "notebook"


def rule_summary(name: str) -> str:
    """What a rule checks, from the registry ("" for a name it does not know)."""
    rule = RULES.get(name)
    return rule.summary if rule else ""
