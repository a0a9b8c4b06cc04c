"""The report directory: checked once, before anything is sent.

``run``, ``proxy`` and the pytest plugin call :func:`check_report_dir` before a run starts, so
a directory that is a file, cannot be created or cannot be written is one clear line (a usage
error, exit 2), never a traceback after the whole suite ran.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ..errors import ContractError, OptionError

T = TypeVar("T")

#: What the marker says of a run refused before it sent anything (the gate quotes it).
REFUSED = "the last run here was refused before it sent anything: "


def check_report_dir(path: str | os.PathLike[str], flag: str = "--report-dir") -> Path:
    """The report directory as an absolute path: created if missing, proven writable (a probe
    file is created and removed). Raises :class:`OptionError` in one line when it cannot be."""
    text = os.fspath(path)
    if not text.strip():
        raise OptionError(f"{flag} must name a directory, not an empty string")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise OptionError(
            f"{flag} {text!r}: the name is not UTF-8 text; choose a directory whose name is"
        ) from None
    folder = Path(os.path.abspath(text))
    try:
        if folder.exists() and not folder.is_dir():
            raise OptionError(f"{flag} {text} is a file, not a directory")
        folder.mkdir(parents=True, exist_ok=True)
    except OptionError:
        raise
    except OSError as exc:
        raise OptionError(
            f"{flag} {text}: cannot create the directory ({exc.strerror or exc})"
        ) from None
    try:
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".statuspage-contract-probe-")
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        raise OptionError(
            f"{flag} {text}: cannot write into the directory ({exc.strerror or exc})"
        ) from None
    return folder


def claim_report_dir(
    path: str | os.PathLike[str], validate: Callable[[], T], flag: str = "--report-dir"
) -> tuple[Path, T]:
    """The report folder claimed for a run, and what ``validate`` (the run's other checks)
    returned. An existing folder is claimed first — its earlier reports removed, the
    unfinished marker in their place (statuspage_contract.report.build.begin_run) — so that a run
    refused, aborted or killed at any moment never leaves the previous verdict; a refusal is then
    recorded in the marker. A missing folder is made only once ``validate`` passed: a refused
    run writes nothing where there was nothing."""
    existed = os.path.lexists(os.fspath(path))
    folder = _claim(path, flag) if existed else None
    try:
        checked = validate()
    except ContractError as exc:
        if folder is not None:
            _mark(folder, REFUSED + str(exc))
        raise
    return (folder or _claim(path, flag)), checked


def _claim(path: str | os.PathLike[str], flag: str) -> Path:
    from .build import begin_run, remove_scratch

    folder = check_report_dir(path, flag)
    try:
        begin_run(folder)
        remove_scratch(folder)
    except OSError as exc:
        raise OptionError(f"{flag} {os.fspath(path)}: {exc.strerror or exc}") from None
    return folder


def _mark(folder: Path, why: str) -> None:
    from .build import mark_unfinished

    with contextlib.suppress(OSError):  # else the claim's marker stays: refused all the same
        mark_unfinished(folder, why)
