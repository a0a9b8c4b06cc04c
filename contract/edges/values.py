"""Edge values of one string schema and near misses of one enum value.

Pure functions of the schema: nothing here knows a field name or an enum value.
"""

from __future__ import annotations

from typing import Any

KIB = 1024
#: Characters that stand for themselves in every script (a long value is this, repeated).
FILLER = "k"
#: Strings whose characters, not their length, are the edge: (label, value).
CHARACTER_EDGES: tuple[tuple[str, str], ...] = (
    ("with non-ASCII letters", "Schlüssel-clé-ключ-鍵-κλειδί"),
    ("with emoji", "key-\U0001f511-\U0001f5dd\ufe0f-\U0001f469\u200d\U0001f4bb"),
    ("with combining marks", "ke\u0301y-n\u0303o\u0308-Z\u0335\u0321a\u0336"),
    (
        "in right-to-left script",
        "\u0645\u0641\u062a\u0627\u062d-\u05de\u05e4\u05ea\u05d7-\u202ekey\u202c",
    ),
    ("with control characters and NUL", "key\u0000\u0001\u0008\u001b[31m\u007f\u0085\r\n-end"),
    ("with leading and trailing whitespace", "  key-with-spaces \t"),
    ("of whitespace only", " \t "),
    ("numeric-looking", "12345678901234567890"),
    ("JSON-looking", '{"json": ["looking", true]}'),
)
#: JSON leaves strings with lone surrogates open (RFC 8259, section 8.2): either answer.
LONE_SURROGATES = ("with escaped lone surrogates", "edge-\ud800-\udfff-key")
#: Separators a client may use instead of the one in an enum value ("" drops it).
SEPARATORS = ("-", "_", " ")


def filled(length: int) -> str:
    return FILLER * length


def string_values(schema: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(label, value, ambiguous) for one string schema: lengths at and around its declared
    bounds, very long values, and characters that break careless code. ``ambiguous``: JSON
    does not say whether the value must be accepted."""
    low = int(schema.get("minLength", 0))
    high = schema.get("maxLength")
    lengths = {low - 1, low, low + 1}
    if high is not None:
        lengths |= {int(high) - 1, int(high), int(high) + 1}
    out = [(f"of length {n}", filled(n), False) for n in sorted(lengths) if n >= 0]
    out += [("of 1 KiB", filled(KIB), False), ("of 64 KiB", filled(64 * KIB), False)]
    out += [(label, value, False) for label, value in CHARACTER_EDGES]
    out.append((*LONE_SURROGATES, True))
    return out


def near_misses(value: str, allowed: list[Any]) -> list[tuple[str, Any]]:
    """(label, value) near misses of one enum value: other letter case, surrounding
    whitespace, separators swapped, truncated, a suffix, null, wrapped in an array. None is
    itself an allowed value."""
    candidates: list[tuple[str, Any]] = [
        ("in upper case", value.upper()),
        ("with a leading space", f" {value}"),
        ("with a trailing space", f"{value} "),
    ]
    for sep in sorted({c for c in value if not c.isalnum()}):
        for other in SEPARATORS:
            if other != sep:
                candidates.append((f"with {other!r} for {sep!r}", value.replace(sep, other)))
    candidates += [
        ("truncated", value[:-1]),
        ("with a suffix", f"{value}s"),
        ("null", None),
        ("wrapped in an array", [value]),
    ]
    seen: set[str] = set()
    out = []
    for label, miss in candidates:
        key = repr(miss)
        if miss in allowed or key in seen:
            continue
        seen.add(key)
        out.append((label, miss))
    return out
