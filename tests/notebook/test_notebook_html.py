"""HTML for notebook cells (contract/notebook/html.py): Jinja2 with autoescape, every value
redacted and printable, macros as the only markup that passes."""

from __future__ import annotations

import notebook_helpers as h

from statuspage_contract.notebook.display import CELL_LIMIT, cell_text, clean, printable
from statuspage_contract.notebook.html import Markup, badge, code, render, status_badge
from statuspage_contract.redact import REDACTED, SECRETS
from statuspage_contract.report.presentation import AMBER, GREEN, GREY, RED


def test_badges_take_the_shared_palette() -> None:
    assert GREEN in badge(True) and ">PASS<" in badge(True)
    assert RED in badge(False) and ">FAIL<" in badge(False)
    assert GREY in badge(None) and ">n/a<" in badge(None)
    assert ">valid<" in badge(True, "valid")
    assert AMBER in status_badge("skipped") and AMBER in status_badge("not-run")
    assert GREEN in status_badge("passed") and RED in status_badge("failed")


def test_every_value_is_escaped_and_redacted() -> None:
    secret = h.key()
    SECRETS.add(secret)
    made = code(f"{h.HOSTILE} {secret}")
    assert isinstance(made, Markup)
    assert "&lt;script&gt;" in made and "<script>" not in made
    assert secret not in made and REDACTED in made
    assert "<script>" not in badge(False, h.HOSTILE)


def test_render_keeps_markup_and_the_text_of_pre_blocks() -> None:
    page = render(
        "catalogue.html.j2",
        title=h.HOSTILE,
        columns=["a", "b"],
        rows=[[code("x"), None], ["line 1\nline 2", 3]],
    )
    assert page.startswith("<div><p><strong>&lt;script&gt;")
    assert "<code>x</code>" in page  # markup from a macro passes as is
    assert '<td style="text-align:left;vertical-align:top"></td>' in page  # None: empty
    assert "line 1\nline 2" in page and "\n<" not in page


def test_text_is_printable_and_cells_are_short() -> None:
    assert printable("a\x00b\x1b") == "a\\u0000b\\u001b"
    assert clean(3) == "3"
    long = "x" * (CELL_LIMIT + 10)
    assert len(cell_text(long)) == CELL_LIMIT and cell_text(long).endswith("…")
    assert cell_text("short") == "short"
