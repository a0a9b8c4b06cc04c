"""What every renderer of this toolkit shares: the palette and how a long text is shortened.

The HTML report's stylesheet, the gate's and the notebook's HTML, the Markdown summary and
the console all shorten and colour the same way, from here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: The palette: passed, failed, a warning (waived, skipped, not run) and muted text.
GREEN = "#1a7f37"
RED = "#cf222e"
AMBER = "#9a6700"
GREY = "#6e7781"

ELLIPSIS = "…"
TIMES = "\u00d7"  # U+00D7 MULTIPLICATION SIGN, between a status code and its count


def shorten(text: str, limit: int, *, one_line: bool = False) -> str:
    """``text`` cut to ``limit`` characters, the last one an ellipsis when it was cut;
    ``one_line`` first folds every run of whitespace (newlines too) into one space."""
    if one_line:
        text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


_REPEATED = re.compile(r"(.*) \((\d+) times\)", re.DOTALL)


def collapse_repeats(lines: Iterable[str]) -> list[str]:
    """``lines`` in the order each first appeared, a repeated one once as ``"text (N times)"``.

    Idempotent: a line collapsed before counts as its N occurrences, so collapsing the
    concatenation of collapsed lists (several workers' events of one site) adds their counts.
    """
    counts: dict[str, int] = {}
    for line in lines:
        match = _REPEATED.fullmatch(str(line))
        text, times = (match[1], int(match[2])) if match else (str(line), 1)
        counts[text] = counts.get(text, 0) + times
    return [text if times == 1 else f"{text} ({times} times)" for text, times in counts.items()]


def elide(text: str, limit: int, where: str) -> str:
    """``text`` whole when it fits in ``limit`` characters on one line; else its first line
    cut to ``limit`` with the size of all of it and ``where`` the whole is."""
    first, _, rest = text.partition("\n")
    if len(first) <= limit and not rest:
        return text
    return f"{first[:limit]}{ELLIPSIS} ({len(text):,} characters in all: see {where})"
