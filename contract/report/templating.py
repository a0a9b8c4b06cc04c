"""The one way this toolkit makes HTML: Jinja2 templates, autoescaped, strict about names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined


def environment(template_dir: Path, **options: Any) -> Environment:
    """A Jinja2 environment for ``template_dir``: autoescape on, undefined names an error,
    block tags leave no blank lines. ``options`` adds to or overrides these."""
    settings: dict[str, Any] = {
        "loader": FileSystemLoader(template_dir),
        "autoescape": True,
        "undefined": StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
    }
    return Environment(**(settings | options))
