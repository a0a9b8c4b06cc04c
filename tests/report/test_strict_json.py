"""Reading the gate's inputs without trusting them: special files, huge files, text that is not
text. Each is refused with one line (exit 2 from the command line), quickly, never a hang."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from report_factory import site_report

from statuspage_contract.errors import GateInputError
from statuspage_contract.report.reader import load_report
from statuspage_contract.report.strict_json import MAX_INPUT_BYTES, load_json, read_input

REPO_ROOT = Path(__file__).resolve().parents[2]


def gate_cli(path: Path, timeout: float = 10) -> subprocess.CompletedProcess[str]:
    """``statuspage-contract gate PATH`` in a process of its own (a hang fails the test)."""
    return subprocess.run(
        [sys.executable, "-m", "statuspage_contract.cli", "gate", str(path)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=REPO_ROOT,
    )


def assert_refused_quickly(path: Path, *expected: str) -> None:
    started = time.monotonic()
    done = gate_cli(path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    for text in expected:
        assert text in done.stderr
    assert time.monotonic() - started < 10


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "contract-report.json"
    os.mkfifo(fifo)
    assert_refused_quickly(fifo, "is a named pipe (FIFO), not a file: refused without reading")
    assert_refused_quickly(tmp_path, "named pipe")  # the report directory holding it


def test_a_symlink_to_dev_zero_is_refused_without_reading(tmp_path):
    link = tmp_path / "contract-report.json"
    link.symlink_to("/dev/zero")
    assert_refused_quickly(link, "is a character device, not a file")
    with pytest.raises(GateInputError, match="character device"):
        read_input(link, "report")


def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "r.json"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        with pytest.raises(GateInputError, match="is a socket"):
            read_input(path, "report")


def test_a_file_larger_than_any_report_is_refused_unread(tmp_path):
    huge = tmp_path / "r.json"
    with huge.open("wb") as fh:  # sparse: costs no disk
        fh.truncate(MAX_INPUT_BYTES + 1)
    assert_refused_quickly(huge, f"more than {MAX_INPUT_BYTES}: refused")


def test_the_size_limit_holds_for_what_is_read_too(tmp_path):
    path = tmp_path / "r.json"
    path.write_bytes(b" " * 100)
    with pytest.raises(GateInputError, match="more than 10"):
        read_input(path, "report", limit=10)
    assert read_input(path, "report", limit=100) == b" " * 100


def test_a_lone_surrogate_anywhere_is_refused_with_its_place(tmp_path):
    report = site_report()
    report["failures"] = [{"rule": "x", "message": "\udcff"}]
    path = tmp_path / "r.json"
    path.write_text(json.dumps(report))
    with pytest.raises(GateInputError, match=r"failures\[0\]\.message holds a lone surrogate"):
        load_json(path, "report")


def test_a_valid_surrogate_pair_is_text(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"emoji": "\U0001f600"}))  # written as \ud83d\ude00
    assert load_json(path, "report") == {"emoji": "\U0001f600"}


@pytest.mark.parametrize("cut", ["tr", "fals", "nul", '"abc'])
def test_a_report_cut_inside_a_literal_is_truncated(tmp_path, cut):
    path = tmp_path / "r.json"
    path.write_text('{"format": "statuspage-contract-report", "x": ' + cut)
    with pytest.raises(GateInputError, match="is truncated"):
        load_json(path, "report")


def test_an_unreadable_report_is_one_line(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(site_report()))
    path.chmod(0)
    if os.access(path, os.R_OK):  # root reads anything
        pytest.skip("running as root: permissions do not stop reading")
    with pytest.raises(GateInputError, match="cannot read report"):
        load_report(path)
