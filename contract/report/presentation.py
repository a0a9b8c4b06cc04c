"""What every renderer of this toolkit shares: the palette and how a long text is shortened.

The HTML report's stylesheet, the gate's and the notebook's HTML, the Markdown summary and
the console all shorten and colour the same way, from here.
"""

from __future__ import annotations

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
