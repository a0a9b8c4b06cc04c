"""Equivalence classes of request bodies, and the run's record of the classes already sent.

Two bodies of one class exercise the same rules the same way: the same validation path for an
invalid body (the contract validator's errors, as schema place and keyword, or the transport
failure), the same features the rules and the faults care about for a valid one (each string's
length bucket and whether it is ASCII, which optional and which undeclared members are there).
The ``fast`` and ``ci`` profiles send one body per class, operation and kind (valid or invalid):
a body of a class already sent in the run is rejected before any request. ``thorough`` sends
them all (``profiles.ONE_INPUT_PER_CLASS``).
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .spec import is_json_media_type, loads_json
from .spec.validators import violations

#: Strings at least this long are a class of their own (1 KiB): where a server's buffers and
#: undocumented limits are met.
LONG_STRING = 1024
#: Bodies of known classes drawn in a row after which an operation's classes count as covered:
#: from then on such a body is passed over as a finished example (Hypothesis stops after the
#: profile's examples) instead of rejected (Hypothesis would draw hundreds more, for nothing).
#: 8, not 20: as many requests in a fast run (~350 on the mock), 0.5 s and ~1.5 MB less
#: (each draw costs Schemathesis ~10 ms and Hypothesis' tree of draws a little memory).
PATIENCE = 8

Feature = tuple[Hashable, ...]
#: One class: the set of its features (no part of any value, so never a secret).
InputClass = frozenset[Feature]


def _collapsed(path: Sequence[str | int]) -> tuple[str, ...]:
    """A body path with its array indices collapsed: every item of a list is alike."""
    return tuple("*" if isinstance(part, int) else part for part in path)


def documented_length(schema: dict[str, Any]) -> int | None:
    """A string schema's limit: its ``maxLength``, else the length of its documented example."""
    if isinstance(schema.get("maxLength"), int):
        return int(schema["maxLength"])
    example = schema.get("example")
    return len(example) if isinstance(example, str) else None


def length_bucket(length: int, limit: int | None) -> str:
    """Empty, within the documented length, beyond it, or long (:data:`LONG_STRING`)."""
    if length == 0:
        return "empty"
    if length >= LONG_STRING:
        return "long"
    return "beyond-documented" if limit is not None and length > limit else "documented"


def valid_class(body: Any, schema: dict[str, Any]) -> InputClass:
    """The class of a body the contract takes: per string, its length bucket and whether it
    is ASCII; the optional members present; whether any member is undeclared."""
    found: set[Feature] = set()
    _walk(body, schema, (), found)
    return frozenset(found)


def _walk(value: Any, schema: dict[str, Any], path: tuple[str, ...], found: set[Feature]) -> None:
    if isinstance(value, str):
        found.add(("length", path, length_bucket(len(value), documented_length(schema))))
        found.add(("ascii", path, value.isascii()))
    elif isinstance(value, dict):
        declared = schema.get("properties", {})
        required = set(schema.get("required", ()))
        for name, member in value.items():
            if name not in declared:
                found.add(("undeclared",))  # anywhere: the rules ask only whether at all
                continue
            if name not in required:
                found.add(("optional", (*path, name)))
            _walk(member, declared[name], (*path, name), found)
    elif isinstance(value, list):
        items = schema.get("items")
        for member in value:
            _walk(member, items if isinstance(items, dict) else {}, (*path, "*"), found)


def invalid_class(body: Any, schema: dict[str, Any], media_type: str | None = None) -> InputClass:
    """The class of a body the contract refuses: how its transport fails (media type, empty,
    not UTF-8, not JSON, too deep), else the validator's errors as (place, keyword) pairs
    (the missing member's name with ``required``)."""
    if media_type is not None and not is_json_media_type(media_type):
        return frozenset({("media-type", media_type.split(";")[0].strip().lower())})
    if isinstance(body, bytes | bytearray):
        if not body:
            return frozenset({("transport", "empty")})
        try:
            bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            return frozenset({("transport", "not-utf-8")})
        try:
            body = loads_json(body)
        except (ValueError, RecursionError):
            return frozenset({("transport", "not-json")})
    try:
        found = violations(body, schema)
    except RecursionError:
        return frozenset({("transport", "too-deep")})
    return frozenset(
        (
            "violation",
            _collapsed(v.path),
            v.keyword,
            str(v.expected) if v.keyword == "required" else "",
        )
        for v in found
    )


def input_class(
    body: Any, schema: dict[str, Any], media_type: str | None = None
) -> tuple[bool, InputClass]:
    """Whether the contract takes ``body``, and its class."""
    invalid = invalid_class(body, schema, media_type)
    if invalid:
        return False, invalid
    return True, valid_class(body, schema)


class Send(Enum):
    """What to do with a drawn body."""

    SEND = "send"  # a new class (or every body is sent)
    REJECT = "reject"  # a class already sent: draw another
    PASS = "pass"  # a class already sent, and the operation's classes look covered


@dataclass
class _Seen:
    classes: set[InputClass] = field(default_factory=set)
    streak: int = 0  # bodies of known classes drawn in a row


@dataclass
class Registry:
    """The classes one client (one site's run) has sent, per operation and kind."""

    seen: dict[Hashable, _Seen] = field(default_factory=dict)
    #: Whether its client sends one input per class (:func:`one_input_per_class`).
    one_per_class: bool = False

    def note(self, key: Hashable, cls: InputClass) -> bool:
        """Record a class as sent (say, by an example test); whether it is a new one."""
        classes = self.seen.setdefault(key, _Seen()).classes
        new = cls not in classes
        classes.add(cls)
        return new

    def decide(self, key: Hashable, cls: InputClass) -> Send:
        """Send a new class (recording it); otherwise reject, or pass once covered."""
        seen = self.seen.setdefault(key, _Seen())
        if cls not in seen.classes:
            seen.classes.add(cls)
            seen.streak = 0
            return Send.SEND
        seen.streak += 1
        return Send.PASS if seen.streak > PATIENCE else Send.REJECT


_REGISTRIES: weakref.WeakKeyDictionary[Any, Registry] = weakref.WeakKeyDictionary()


def one_input_per_class(owner: Any, enabled: bool = True) -> None:
    """Have ``owner`` (a client: the suite's, in the ``fast`` and ``ci`` profiles) send one
    input per class, or every input (the default of every client: the notebook's, a user's
    fixture, ``thorough``)."""
    registry_for(owner).one_per_class = enabled


def deduplicating(owner: Any) -> bool:
    """Whether ``owner`` passes over bodies of a class it already sent."""
    found = _REGISTRIES.get(owner)
    return found is not None and found.one_per_class


def registry_for(owner: Any) -> Registry:
    """The run-wide registry of one client (it lives as long as the client)."""
    found = _REGISTRIES.get(owner)
    if found is None:
        found = _REGISTRIES[owner] = Registry()
    return found
