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
_NOTHING = re.compile(r"(?!)")  # the short secrets' pattern when there are none
#: Secrets at least this long are redacted wherever they occur as a substring, by plain string
#: search, longest first (a secret containing another is replaced whole). A regular expression
#: of every secret would have to be compiled again each time a secret is added (once per
#: generated api_key): seconds per run with hundreds of keys.
SUBSTRING_MIN = 6


class SecretRegistry:
    """A thread-safe set of secret strings with cached redaction forms."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._long_forms: set[str] = set()  # every form of every long secret
        self._forms: list[str] | None = None  # the same, longest first
        self._pattern: re.Pattern[str] | None = None  # short secrets as whole tokens
        self._public: set[str] = set()  # names the toolkit prints anyway (declare_public)

    def declare_public(self, *names: str) -> None:
        """Names every report prints (the rules'): a string equal to one, or inside one, is
        never taken for a secret. Hypothesis draws string literals of the toolkit's source as
        api_keys now and then; registered, "no-key-echo" turned the report's rule table into
        "[REDACTED]" rows."""
        with self._lock:
            self._public.update(names)

    def add(self, *secrets: Any) -> None:
        with self._lock:
            for secret in secrets:
                if isinstance(secret, str) and secret.strip() and secret not in self._secrets:
                    if any(secret in name for name in self._public):
                        continue
                    self._secrets.add(secret)
                    if len(secret) < SUBSTRING_MIN:
                        self._pattern = None
                    else:
                        self._long_forms |= self._forms_of(secret)
                        self._forms = None

    def __contains__(self, secret: object) -> bool:
        return secret in self._secrets

    def __len__(self) -> int:
        return len(self._secrets)

    def clear(self) -> None:
        with self._lock:
            self._secrets.clear()
            self._long_forms.clear()
            self._forms = None
            self._pattern = None

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(self._secrets)

    @staticmethod
    def _forms_of(secret: str) -> set[str]:
        """The secret as it may appear in text: raw, JSON-escaped, Python-escaped."""
        return {secret, json.dumps(secret)[1:-1], repr(secret)[1:-1]}

    def _compiled(self) -> tuple[list[str], re.Pattern[str] | None]:
        """The long secrets' forms, longest first, and the pattern of the short ones (None
        when there are none)."""
        with self._lock:
            if self._forms is None:
                self._forms = sorted(self._long_forms, key=len, reverse=True)
            if self._pattern is None:
                short = sorted(
                    (f for s in self._secrets if len(s) < SUBSTRING_MIN for f in self._forms_of(s)),
                    key=len,
                    reverse=True,
                )
                # A short secret only as a whole quoted token: 'ab' or "ab" (never in words).
                parts = [rf"(?<=[\"']){re.escape(form)}(?=[\"'])" for form in short]
                self._pattern = re.compile("|".join(parts)) if parts else _NOTHING
            return self._forms, None if self._pattern is _NOTHING else self._pattern

    def redact(self, text: str) -> str:
        if not text:
            return text
        forms, pattern = self._compiled()
        for form in forms:
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
