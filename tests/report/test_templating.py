"""Templates are compiled once and then read from Jinja2's bytecode cache; a cache that
cannot be written changes nothing but speed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from jinja2 import Environment

from statuspage_contract.report import templating


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "page.html.j2").write_text("<p>{{ name }}</p>\n")
    return folder


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Jinja2's per-user cache directory, under a temporary directory of this test's own."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))
    templating.bytecode_cache.cache_clear()
    yield scratch / f"_jinja2-cache-{os.getuid()}"
    templating.bytecode_cache.cache_clear()


def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates compiled from source from now on."""
    compiled: list[str] = []
    original = Environment._compile

    def spy(self: Environment, source: str, filename: str) -> object:
        compiled.append(filename)
        return original(self, source, filename)

    monkeypatch.setattr(Environment, "_compile", spy)
    return compiled


def test_a_template_is_compiled_once_then_read_from_the_cache(
    templates: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled = compiles(monkeypatch)
    first = templating.environment(templates).get_template("page.html.j2")
    assert first.render(name="<b>") == "<p>&lt;b&gt;</p>"
    assert len(compiled) == 1 and any(cache_dir.iterdir())

    again = templating.environment(templates).get_template("page.html.j2")
    assert again.render(name="x") == "<p>x</p>"
    assert len(compiled) == 1  # the second environment read the compiled template


def test_a_changed_template_is_compiled_again(
    templates: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled = compiles(monkeypatch)
    templating.environment(templates).get_template("page.html.j2")
    (templates / "page.html.j2").write_text("<div>{{ name }}</div>\n")
    changed = templating.environment(templates).get_template("page.html.j2")
    assert changed.render(name="x") == "<div>x</div>"
    assert len(compiled) == 2


def test_a_cache_that_fails_to_write_only_costs_a_compile(
    templates: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> object:
        raise PermissionError("read-only file system")

    monkeypatch.setattr("tempfile.NamedTemporaryFile", refuse)
    page = templating.environment(templates).get_template("page.html.j2")
    assert page.render(name="x") == "<p>x</p>"
    assert not any(cache_dir.iterdir())


def test_no_safe_cache_directory_means_no_cache(
    templates: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache_dir.mkdir(mode=0o777)
    cache_dir.chmod(0o777)  # world-writable: Jinja2 refuses it
    monkeypatch.setattr("os.chmod", lambda *a, **k: None)  # and may not fix it
    assert templating.bytecode_cache() is None
    page = templating.environment(templates).get_template("page.html.j2")
    assert page.render(name="x") == "<p>x</p>"
