"""``run`` and the notebooks' drawing keep Hypothesis' storage (its Unicode tables) in a
per-user cache, not in the working directory and not rebuilt on every run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from statuspage_contract.hypothesis_cache import STORAGE_VARIABLE, use_hypothesis_cache


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


def test_drawing_in_a_notebook_writes_nothing_beside_it(tmp_path: Path) -> None:
    """A notebook that draws payloads leaves no ``.hypothesis/`` in its folder: the tables go
    to the per-user cache (here a scratch one), where the next kernel finds them."""
    work, cache = tmp_path / "notebooks", tmp_path / "cache"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != STORAGE_VARIABLE}
    env["XDG_CACHE_HOME"] = str(cache)
    code = (
        "from statuspage_contract.notebook import sample_payloads; print(len(sample_payloads(3, "
        "seed=1)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert not (work / ".hypothesis").exists()
    assert any((cache / "statuspage-contract" / "hypothesis").iterdir())
