"""The report's formats: each a file name and a renderer, picked from one registry.

:func:`render_reports` in ``report.build`` writes every registered format in the order given
here; contract-report.json (what the gate reads) comes last, so that it never stands beside
another run's HTML or summary. Each renderer returns text with every secret redacted; the
HTML and Markdown renderers (and Jinja2) are imported only when a report is written. JUnit
XML is pytest's own (``format.JUNIT_NAME``), written by pytest, not here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..redact import SECRETS, redact
from .format import HTML_NAME, JSON_NAME, SUMMARY_NAME

Render = Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class Renderer:
    """One report format: its name, the file it is written to, and how it is rendered."""

    name: str
    file_name: str
    render: Render


def render_json(report: Mapping[str, Any]) -> str:
    """The machine-readable report, secrets redacted (refused should one remain)."""
    text = json.dumps(SECRETS.redact_tree(report), indent=2, ensure_ascii=False)
    if SECRETS.leaks(text):  # pragma: no cover - redact() makes this impossible; fail closed
        raise RuntimeError("refusing to write a report that contains a secret")
    return text + "\n"


def _html(report: dict[str, Any]) -> str:
    from .html import render_html  # Jinja2: only to write reports

    return redact(render_html(report))


def _markdown(report: dict[str, Any]) -> str:
    from .markdown import render_markdown

    return redact(render_markdown(report))


#: Every format a run writes, in the order written (contract-report.json last).
RENDERERS: tuple[Renderer, ...] = (
    Renderer("html", HTML_NAME, _html),
    Renderer("markdown", SUMMARY_NAME, _markdown),
    Renderer("json", JSON_NAME, render_json),
)
