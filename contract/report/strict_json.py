"""Read an input of the gate (a report, a baseline, a waivers file) without trusting it:
only a regular file of bounded size, read without blocking; JSON parsed strictly (no duplicate
key, no ``NaN``/``Infinity``, no lone surrogate), truncation told apart from other errors.

Every failure is a one-line :class:`statuspage_contract.errors.GateInputError` (exit 2), never a
hang, an unbounded read or a traceback.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from ..errors import GateInputError

#: The largest input the gate reads (a real report is well under 1 MB per site): anything
#: bigger is refused, not read without bound.
MAX_INPUT_BYTES = 32 * 1024 * 1024

_FILE_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(mode: int) -> str | None:
    """What a file is when it is not a regular file (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")


def read_input(path: Path, what: str, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of an input file, or a one-line GateInputError saying why not.

    Only a regular file (a symlink counts by what it points to) of at most ``limit`` bytes is
    read: a FIFO, a device or a socket is refused without opening it for reading (so nothing
    hangs and nothing is read without bound), and a file that grows while read is cut off."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise GateInputError(f"{what} {path} does not exist") from None
    except (OSError, ValueError) as exc:
        raise GateInputError(f"cannot read {what} {path}: {_why(exc)}") from None
    if stat.S_ISDIR(info.st_mode):
        raise GateInputError(f"{what} {path} is a directory")
    kind = _not_regular(info.st_mode)
    if kind:
        raise GateInputError(f"{what} {path} is {kind}, not a file: refused without reading it")
    if info.st_size > limit:
        raise GateInputError(f"{what} {path} is {info.st_size} bytes, more than {limit}: refused")
    try:  # non-blocking: should the path become a FIFO after the check, opening cannot hang
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise GateInputError(f"cannot read {what} {path}: {_why(exc)}") from None
    try:
        kind = _not_regular(os.fstat(fd).st_mode)
        if kind:
            raise GateInputError(f"{what} {path} is {kind}, not a file: refused")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise GateInputError(f"cannot read {what} {path}: {_why(exc)}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise GateInputError(f"{what} {path} is more than {limit} bytes: refused")
    return b"".join(chunks)


def _why(exc: BaseException) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)


#: A \\uD800-\\uDFFF escape: the only way a lone surrogate gets into decoded JSON.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def load_json(path: Path, what: str) -> Any:
    """The parsed JSON of an input file (see the module's docstring)."""
    raw = read_input(path, what)
    if not raw.strip():
        raise GateInputError(f"{what} {path} is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise GateInputError(f"{what} {path} is not UTF-8 text, so not a JSON report") from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except _StrictJSONError as exc:
        raise GateInputError(f"{what} {path} is not strict JSON: {exc}") from None
    except json.JSONDecodeError as exc:
        if _ends_early(text, exc):
            raise GateInputError(
                f"{what} {path} is truncated: its JSON ends early (line {exc.lineno})"
            ) from None
        raise GateInputError(
            f"{what} {path} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise GateInputError(f"{what} {path} is nested too deeply to be a report") from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise GateInputError(f"{what} {path} is not a usable JSON report: {exc}") from None
    if _SURROGATE_ESCAPE.search(text):
        at = _lone_surrogate(data, "")
        if at is not None:
            raise GateInputError(
                f"{what} {path}: {at or 'the report'} holds a lone surrogate escape (\\ud800-"
                "\\udfff), which is not text: no toolkit writes it"
            )
    return data


def _ends_early(text: str, exc: json.JSONDecodeError) -> bool:
    """Whether JSON failed only because the text stops (inside a string or a literal)."""
    rest = text[exc.pos :].rstrip()
    return (
        not rest
        or exc.msg.startswith("Unterminated string")
        or any(literal.startswith(rest) for literal in ("true", "false", "null"))
    )


def _lone_surrogate(value: Any, where: str) -> str | None:
    """Where in a parsed JSON value a string (or key) holds a lone surrogate, or None."""
    if isinstance(value, str):
        return None if _utf8(value) else where
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _lone_surrogate(item, f"{where}[{i}]")
            if found is not None:
                return found
    if isinstance(value, dict):
        for key, item in value.items():
            if not _utf8(key):
                return f"{where} (a key)" if where else "a key"
            found = _lone_surrogate(item, f"{where}.{key}" if where else key)
            if found is not None:
                return found
    return None


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _StrictJSONError(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _StrictJSONError(f"the key {key!r} appears twice in one object")
        seen[key] = value
    return seen


def _no_constant(name: str) -> Any:
    raise _StrictJSONError(f"{name} is not a JSON number")


#: Characters that would break the one line an error is (a report's keys are untrusted).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def need(ok: bool, where: str, message: str) -> None:
    """Raise a one-line GateInputError ``where: message`` unless ``ok`` (control characters
    quoted from a report are shown escaped)."""
    if not ok:
        text = _CONTROL.sub(lambda m: repr(m.group())[1:-1], f"{where}: {message}")
        raise GateInputError(text)
