"""Keep secrets out of everything the toolkit prints or writes.

Every DD key and every submitted ``api_key`` is registered here; :func:`redact` replaces
them in any text. Long secrets are replaced wherever they occur; short ones (which would
match inside ordinary words) only where they stand as a whole quoted or delimited token.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

REDACTED = "[REDACTED]"
#: Secrets at least this long are redacted wherever they occur as a substring.
SUBSTRING_MIN = 6
#: Secrets longer than this (the edge inputs' kilobyte-long keys) are replaced by plain string
#: search, longest first, before the pattern: compiling them into one regular expression
#: costs seconds each time a secret is added.
PATTERN_MAX = 256


class SecretRegistry:
    """A thread-safe set of secret strings with a cached redaction pattern."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._long_forms: list[str] = []

    def add(self, *secrets: Any) -> None:
        with self._lock:
            for secret in secrets:
                if isinstance(secret, str) and secret.strip() and secret not in self._secrets:
                    self._secrets.add(secret)
                    self._pattern = None

    def __contains__(self, secret: object) -> bool:
        return secret in self._secrets

    def __len__(self) -> int:
        return len(self._secrets)

    def clear(self) -> None:
        with self._lock:
            self._secrets.clear()
            self._pattern = None
            self._long_forms = []

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(self._secrets)

    def _compiled(self) -> tuple[list[str], re.Pattern[str] | None]:
        with self._lock:
            if self._pattern is None and self._secrets:
                parts, long_forms = [], set()
                # Longest first, so a secret containing another is replaced whole.
                for secret in sorted(self._secrets, key=len, reverse=True):
                    forms = {secret, json.dumps(secret)[1:-1], repr(secret)[1:-1]}
                    if len(secret) > PATTERN_MAX:
                        long_forms |= forms
                        continue
                    for form in sorted(forms, key=len, reverse=True):
                        escaped = re.escape(form)
                        if len(secret) >= SUBSTRING_MIN:
                            parts.append(escaped)
                        else:  # whole quoted token only: 'ab' or "ab" (never inside words)
                            parts.append(rf"(?<=[\"']){escaped}(?=[\"'])")
                self._long_forms = sorted(long_forms, key=len, reverse=True)
                self._pattern = re.compile("|".join(parts) or r"(?!)")
            return self._long_forms, self._pattern

    def redact(self, text: str) -> str:
        if not text:
            return text
        long_forms, pattern = self._compiled()
        for form in long_forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return pattern.sub(REDACTED, text) if pattern is not None else text

    def redact_tree(self, value: Any) -> Any:
        """A copy of a JSON-like structure with every string (keys included) redacted."""
        if isinstance(value, str):
            return REDACTED if value in self._secrets else self.redact(value)
        if isinstance(value, dict):
            return {self.redact_tree(str(k)): self.redact_tree(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.redact_tree(v) for v in value]
        return value

    def redact_bytes(self, data: bytes) -> bytes:
        return self.redact(data.decode("utf-8", "replace")).encode("utf-8")

    def leaks(self, text: str) -> list[str]:
        """The registered secrets that occur in ``text`` (for self-checks and tests)."""
        return [s for s in self._secrets if len(s) >= SUBSTRING_MIN and s in text]


#: The process-wide registry used by the client, the pytest plugin and the reports.
SECRETS = SecretRegistry()


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``[REDACTED]``."""
    return SECRETS.redact(text)


def register_secret(*secrets: Any) -> None:
    SECRETS.add(*secrets)
