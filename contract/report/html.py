"""The HTML report: the view model through a Jinja2 template (autoescaped)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment

from .templating import environment
from .view import report_view

TEMPLATE_DIR = Path(__file__).parent / "templates"
HTML_TEMPLATE = "report.html.j2"


# -- HTML -----------------------------------------------------------------------------------
def _environment() -> Environment:
    return environment(TEMPLATE_DIR, keep_trailing_newline=True)


def render_html(report: dict[str, Any]) -> str:
    """One self-contained HTML page (inline CSS, no scripts, no external assets)."""
    template = _environment().get_template(HTML_TEMPLATE)
    return template.render(view=report_view(report))
