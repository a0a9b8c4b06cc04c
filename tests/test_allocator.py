"""statuspage_contract.allocator: a run fixes glibc's threshold for handing large blocks back."""

from __future__ import annotations

import ctypes
import os

import pytest

from statuspage_contract import allocator, cli


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
    allocator.return_large_blocks()
    assert libc.calls == [(-3, 128 * 1024)]


def test_elsewhere_nothing_is_done(libc: FakeLibc, monkeypatch: pytest.MonkeyPatch) -> None:
    def not_glibc(name: str) -> str:
        raise ValueError("unrecognized configuration name")

    monkeypatch.setattr(os, "confstr", not_glibc)
    allocator.return_large_blocks()
    assert libc.calls == []


@pytest.mark.parametrize(("argv", "calls"), [(["run", "--help"], 1), (["sites", "--help"], 0)])
def test_the_run_command_sets_it_before_anything_else(
    libc: FakeLibc, argv: list[str], calls: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        cli.main(argv)
    assert len(libc.calls) == calls
