"""The report directory: checked once, before anything is sent.

``run``, ``proxy`` and the pytest plugin call :func:`check_report_dir` before a run starts, so
a directory that is a file, cannot be created or cannot be written is one clear line (a usage
error, exit 2), never a traceback after the whole suite ran.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from contract.errors import OptionError


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
