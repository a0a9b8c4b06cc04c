"""HTML for notebook cells, made with Jinja2 (autoescape) from ``templates/``.

Every value a template shows is redacted and made printable (the environment's
``finalize``), then escaped; only :class:`~markupsafe.Markup` made by these templates' macros
passes as is. :func:`render` redacts the finished page once more.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from ..redact import redact
from ..report.presentation import AMBER, GREEN, GREY, RED
from ..report.templating import environment
from .display import clean

__all__ = ["Markup", "badge", "code", "render", "status_badge"]

TEMPLATE_DIR = Path(__file__).parent / "templates"
MACROS = "macros.html.j2"
#: Whitespace between two tags that only lays out a template.
_LAYOUT = re.compile(r">\s*\n\s*<")


def _finalize(value: Any) -> Any:
    """Markup as is; anything else as redacted, printable text (escaped afterwards)."""
    return value if isinstance(value, Markup) else clean(value)


def _cell(value: Any) -> Any:
    """A table cell: empty for None."""
    return "" if value is None else value


@cache
def _environment() -> Environment:
    env = environment(TEMPLATE_DIR, finalize=_finalize)
    env.filters["cell"] = _cell
    env.globals.update(GREEN=GREEN, RED=RED, AMBER=AMBER, GREY=GREY)
    return env


def render(template: str, **context: Any) -> str:
    """The HTML of ``template`` with ``context``, redacted, without layout whitespace."""
    page = _environment().get_template(template).render(**context)
    return redact(_LAYOUT.sub("><", page).strip())


def _macro(name: str) -> Any:
    return getattr(_environment().get_template(MACROS).module, name)


def badge(ok: bool | None, text: str | None = None) -> Markup:
    """A coloured label: PASS (green), FAIL (red) or n/a (grey), or ``text`` in that colour."""
    return Markup(_macro("badge")(ok, text))


def status_badge(status: str) -> Markup:
    """A rule status: passed/failed as a badge, skipped/not-run in amber text."""
    return Markup(_macro("status_badge")(status))


def code(text: Any) -> Markup:
    """``text`` as inline code."""
    return Markup(_macro("code")(text))
