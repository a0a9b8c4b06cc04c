"""The mock's loggers, and escaping of request data before it reaches a log line."""

from __future__ import annotations

import logging
import re

#: Parent of the mock's loggers. A NullHandler keeps Python's last-resort handler from
#: printing the mock's warnings to stderr unless the application configured logging.
log = logging.getLogger("statuspage_contract.mock")
log.addHandler(logging.NullHandler())
#: One line per request, at INFO; nothing is formatted unless INFO is enabled for it.
access_log = logging.getLogger("statuspage_contract.mock.access")
#: Requests refused by the HTTP layer (malformed, oversized, unsupported version).
http_log = logging.getLogger("statuspage_contract.mock.http")

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\\]")


def printable(text: str, limit: int = 200) -> str:
    """``text`` cut to ``limit`` characters, control characters and backslashes escaped."""
    cut = text[:limit]
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", cut) + (
        "..." if len(text) > limit else ""
    )
