"""``run`` keeps Hypothesis' storage (its Unicode tables) in a per-user cache, not in the
working directory and not rebuilt on every run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from contract.cli import STORAGE_VARIABLE, use_hypothesis_cache


@pytest.fixture
def no_storage_choice(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv(STORAGE_VARIABLE, raising=False)
    return monkeypatch


def test_run_uses_the_per_user_cache(no_storage_choice: pytest.MonkeyPatch, tmp_path: Path):
    no_storage_choice.setenv("XDG_CACHE_HOME", str(tmp_path))
    use_hypothesis_cache()
    expected = tmp_path / "statuspage-contract" / "hypothesis"
    assert os.environ[STORAGE_VARIABLE] == str(expected)
    assert expected.is_dir()


def test_a_storage_directory_chosen_by_the_environment_wins(
    no_storage_choice: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    no_storage_choice.setenv(STORAGE_VARIABLE, str(tmp_path / "mine"))
    no_storage_choice.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    use_hypothesis_cache()
    assert os.environ[STORAGE_VARIABLE] == str(tmp_path / "mine")
    assert not (tmp_path / "cache").exists()


def test_an_unusable_cache_leaves_the_choice_to_the_runner(
    no_storage_choice: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    no_storage_choice.setenv("XDG_CACHE_HOME", str(blocker))
    use_hypothesis_cache()
    assert STORAGE_VARIABLE not in os.environ
