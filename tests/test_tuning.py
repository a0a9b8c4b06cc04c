"""statuspage_contract.tuning: a run fixes glibc's threshold for handing large blocks back and
rests the garbage collector while pytest collects; the knobs it lists exist."""

from __future__ import annotations

import ctypes
import gc
import os
import re
from pathlib import Path

import pytest

from statuspage_contract import cli, tuning


class FakeLibc:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def mallopt(self, option: int, value: int) -> int:
        self.calls.append((option, value))
        return 1


@pytest.fixture
def libc(monkeypatch: pytest.MonkeyPatch) -> FakeLibc:
    fake = FakeLibc()
    monkeypatch.setattr(ctypes, "CDLL", lambda name: fake)
    monkeypatch.setattr(os, "confstr", lambda name: "glibc 2.36")
    return fake


def test_on_glibc_the_threshold_is_fixed_at_glibcs_own_start(libc: FakeLibc) -> None:
    """128 KiB, M_MMAP_THRESHOLD in glibc's malloc.h: set, it no longer rises to the largest
    block freed so far (figures in benchmarks/README.md)."""
    tuning.return_large_blocks()
    assert libc.calls == [(-3, 128 * 1024)]


def test_elsewhere_nothing_is_done(libc: FakeLibc, monkeypatch: pytest.MonkeyPatch) -> None:
    def not_glibc(name: str) -> str:
        raise ValueError("unrecognized configuration name")

    monkeypatch.setattr(os, "confstr", not_glibc)
    tuning.return_large_blocks()
    assert libc.calls == []


@pytest.mark.parametrize(("argv", "calls"), [(["run", "--help"], 1), (["sites", "--help"], 0)])
def test_the_run_command_sets_it_before_anything_else(
    libc: FakeLibc, argv: list[str], calls: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        cli.main(argv)
    assert len(libc.calls) == calls


def test_the_garbage_collector_is_restored_after_the_run() -> None:
    """`run` pauses the collector during collection and freezes what it imported; whatever
    happens in the run, the process gets its collector back as it was."""
    before = (gc.isenabled(), gc.get_threshold())
    with pytest.raises(RuntimeError), tuning.lean_gc():
        assert not gc.isenabled()
        tuning.LeanGarbageCollection().pytest_collection_finish(None)
        assert gc.isenabled() and gc.get_freeze_count() > 0
        raise RuntimeError("a failing run")
    assert (gc.isenabled(), gc.get_threshold()) == before
    assert gc.get_freeze_count() == 0


def test_every_knob_it_lists_lives_where_it_says() -> None:
    """The docstring's list names files; each exists, so the list cannot drift silently."""
    repo = Path(__file__).resolve().parents[1]
    named = set(re.findall(r"``((?:[a-z_]+/)*[a-z_]+\.py)``", tuning.__doc__ or ""))
    assert {"http/loopback.py", "runner.py", "tests/conftest.py"} <= named
    missing = [n for n in named if not ((repo / "contract" / n).exists() or (repo / n).exists())]
    assert not missing, missing
