"""Edge values of one string schema and near misses of one enum value.

Pure functions of the schema: nothing here knows a field name or an enum value.
"""

from __future__ import annotations

from typing import Any

KIB = 1024
#: Characters that stand for themselves in every script (a long value is this, repeated).
FILLER = "k"
#: Strings whose characters, not their length, are the edge: (label, value, kind).
CHARACTER_EDGES: tuple[tuple[str, str, str], ...] = (
    ("with non-ASCII letters", "Schlüssel-clé-ключ-鍵-κλειδί", "non-ASCII"),
    ("with emoji", "key-\U0001f511-\U0001f5dd\ufe0f-\U0001f469\u200d\U0001f4bb", "non-ASCII"),
    ("with combining marks", "ke\u0301y-n\u0303o\u0308-Z\u0335\u0321a\u0336", "non-ASCII"),
    (
        "in right-to-left script",
        "\u0645\u0641\u062a\u0627\u062d-\u05de\u05e4\u05ea\u05d7-\u202ekey\u202c",
        "non-ASCII",
    ),
    (
        "with control characters and NUL",
        "key\u0000\u0001\u0008\u001b[31m\u007f\u0085\r\n-end",
        "control characters",
    ),
    ("with leading and trailing whitespace", "  key-with-spaces \t", "whitespace"),
    ("of whitespace only", " \t ", "whitespace"),
    ("numeric-looking", "12345678901234567890", "another type's look"),
    ("JSON-looking", '{"json": ["looking", true]}', "another type's look"),
)
#: JSON leaves strings with lone surrogates open (RFC 8259, section 8.2): either answer.
LONE_SURROGATES = ("with escaped lone surrogates", "edge-\ud800-\udfff-key")
#: Very long values: (label, length).
LONG = (("1 KiB", KIB), ("64 KiB", 64 * KIB))
#: Separators a client may use instead of the one in an enum value ("" drops it).
SEPARATORS = ("-", "_", " ")


def filled(length: int) -> str:
    return FILLER * length


def string_values(schema: dict[str, Any]) -> list[tuple[str, str, bool, str]]:
    """(label, value, ambiguous, kind) for one string schema: lengths at and around its
    declared bounds, very long values, and characters that break careless code.
    ``ambiguous``: JSON does not say whether the value must be accepted; ``kind``: what the
    value tries (values of one kind are one class of input, :mod:`.model`)."""
    low = int(schema.get("minLength", 0))
    high = schema.get("maxLength")
    lengths = {low - 1, low, low + 1}
    if high is not None:
        lengths |= {int(high) - 1, int(high), int(high) + 1}

    def bound(n: int) -> str:
        side = "below" if n < low else "above" if high is not None and n > int(high) else None
        return f"a length {side} the bounds" if side else "a length within the bounds"

    out = [(f"of length {n}", filled(n), False, bound(n)) for n in sorted(lengths) if n >= 0]
    out += [(f"of {size}", filled(n), False, "long") for size, n in LONG]
    out += [(label, value, False, kind) for label, value, kind in CHARACTER_EDGES]
    out.append((*LONE_SURROGATES, True, "lone surrogates"))
    return out


def near_misses(value: str, allowed: list[Any]) -> list[tuple[str, Any]]:
    """(label, value) near misses of one enum value: other letter case, surrounding
    whitespace, separators swapped, truncated, a suffix, null, wrapped in an array. None is
    itself an allowed value."""
    return [(label, miss) for label, miss, _ in near_miss_kinds(value, allowed)]


def near_miss_kinds(value: str, allowed: list[Any]) -> list[tuple[str, Any, str]]:
    """:func:`near_misses` with the kind of each: letter case, whitespace, spelling, or
    another type."""
    candidates: list[tuple[str, Any, str]] = [
        ("in upper case", value.upper(), "letter case"),
        ("with a leading space", f" {value}", "whitespace"),
        ("with a trailing space", f"{value} ", "whitespace"),
    ]
    for sep in sorted({c for c in value if not c.isalnum()}):
        for other in SEPARATORS:
            if other != sep:
                label = f"with {other!r} for {sep!r}"
                candidates.append((label, value.replace(sep, other), "spelling"))
    candidates += [
        ("truncated", value[:-1], "spelling"),
        ("with a suffix", f"{value}s", "spelling"),
        ("null", None, "another type"),
        ("wrapped in an array", [value], "another type"),
    ]
    seen: set[str] = set()
    out = []
    for label, miss, kind in candidates:
        key = repr(miss)
        if miss in allowed or key in seen:
            continue
        seen.add(key)
        out.append((label, miss, kind))
    return out
