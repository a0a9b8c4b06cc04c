"""Keep the user's secrets out of everything the toolkit prints or writes.

What is registered here is a *secret*: the user's own keys (``DD_API_KEY`` / ``DD_APP_KEY``,
per-site keys, the OAuth2 bearer token ``DD_BEARER_TOKEN``, the auth headers a proxy's clients
send, the embedded mock's keys and token). Values a run generates itself (the ``api_key`` of a
generated request body, a sentinel key or token, a second
organisation's keys on the mock) are test data: they are not registered, so reproductions can
show them verbatim (a site that echoes one back is what the rules ``api-key-masked`` and
``no-key-echo`` catch).

:func:`redact` replaces every registered secret in any text, in every spelling the toolkit
writes (raw, JSON-, repr-, HTML-, XML-, URL- and shell-escaped, and those escaped once more).
Long secrets are replaced wherever they occur; short ones (which would match inside ordinary
words) only where they stand as a whole quoted token.

Cost: one pass over the text whatever the number of secrets. Every spelling of every secret
that is at least ``ANCHORED`` characters long is indexed by its ``GRAM``-character pieces; the
text is cut into pieces at multiples of ``GRAM`` (in C, by one ``findall``) and each piece is
looked up in that index (one set operation per chunk of text): an occurrence of a spelling
always covers one such piece whole. Only a piece found in the index is checked. Adding a secret
only adds to the index (no pattern to compile again per secret). Shorter spellings (secrets of
6 to 14 characters, rare) go into one trie-shaped regular expression.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import threading
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus

REDACTED = "[REDACTED]"
#: Secrets at least this long are redacted wherever they occur as a substring.
SUBSTRING_MIN = 6
#: Spellings at least ANCHORED long are found by their GRAM-character pieces (see
#: SecretRegistry._spans); shorter ones (of secrets 6 to 14 characters long) by a pattern.
GRAM = 8
ANCHORED = 2 * GRAM - 1
#: Characters of text looked up at a time (a multiple of GRAM).
CHUNK = 64 * 1024
_GRAMS = re.compile(f".{{{GRAM}}}", re.DOTALL)

_NOTHING = re.compile(r"(?!)")


def _html_variants(text: str) -> set[str]:
    """``text`` as HTML and XML writers escape it: html.escape (``&quot;`` ``&#x27;``),
    MarkupSafe/Jinja2 (``&#34;`` ``&#39;``), XML text (``& < >`` only) and attributes
    (``xml.sax.saxutils.quoteattr``, ElementTree)."""
    basic = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = {basic, html.escape(text, quote=True)}
    out.add(basic.replace('"', "&#34;").replace("'", "&#39;"))
    out.add(basic.replace('"', "&quot;").replace("'", "&apos;"))
    attribute = basic.replace('"', "&quot;")
    for tab in ("&#9;", "&#09;"):
        out.add(attribute.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", tab))
    return out


def _string_escapes(text: str) -> set[str]:
    """``text`` escaped inside a longer JSON string (ASCII or not) or Python repr (whose
    quotes depend on the whole text: either kind)."""
    return {
        json.dumps(text)[1:-1],
        json.dumps(text, ensure_ascii=False)[1:-1],
        repr(text)[1:-1],
        repr(f"\"{text}'")[2:-3],  # in a repr quoted with ' (the text has both quotes)
    }


#: How many string escapes (JSON, repr) in a row a spelling may have been through before it
#: is marked up (a message quoting with repr a body that JSON-escaped the key is 2).
STRING_DEPTH = 2


def forms_of(secret: str) -> set[str]:
    """Every spelling of ``secret`` the toolkit's outputs may hold, as the chain of writers
    that made it (each stage optional, so every part of a chain is a spelling too): the value
    as is, URL-encoded or in a shell single-quoted word; then escaped in JSON or repr strings
    up to STRING_DEPTH times; then HTML/XML-escaped; then escaped in a string once more (a
    JSON report of that). And the spellings a writer would turn into the secret."""
    values = {
        secret,
        quote(secret, safe="", errors="surrogatepass"),
        quote(secret, errors="surrogatepass"),
        quote_plus(secret, errors="surrogatepass"),
        secret.replace("'", "'\"'\"'"),  # inside a shell single-quoted word
    }
    strings, level = set(values), values
    for _ in range(STRING_DEPTH):
        level = {e for form in level for e in _string_escapes(form)}
        strings |= level
    marked = strings | {h for form in strings for h in _html_variants(form)}
    out = marked | {e for form in marked for e in _string_escapes(form)}
    # What a writer turns into the secret: its spellings undone (a site answered
    # "a&b" where the secret is "a&amp;b"; the HTML report would write it back).
    out |= {html.unescape(secret), unquote(secret), unquote_plus(secret)}
    with contextlib.suppress(ValueError):
        decoded = json.loads(f'"{secret}"')
        if isinstance(decoded, str):
            out.add(decoded)
    return {form for form in out if form}


def _trie_pattern(words: list[str]) -> str:
    """One regular expression matching any of ``words``, longest first at each position,
    shaped as a radix trie: chains without a branch are literal runs."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        alternatives = []
        for ch in sorted(c for c in node if c):
            run = [ch]
            child = node[ch]
            while len(child) == 1 and "" not in child:  # one way on: a literal run
                (nxt,) = child
                run.append(nxt)
                child = child[nxt]
            alternatives.append(re.escape("".join(run)) + build(child))
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        if "" in node:  # a word ends here: the longer ones first (greedy), then this one
            return f"(?:{body})?"
        return body

    return build(root)


class SecretRegistry:
    """A thread-safe set of secret strings, found in any text in one pass."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        #: Names the toolkit prints anyway (declare_public); the redaction mark among them.
        self._public: set[str] = {REDACTED}
        #: The GRAM-character pieces of the long forms at offsets 0..GRAM-1: piece -> the
        #: offsets it stands at in some form.
        self._anchors: dict[str, frozenset[int]] = {}
        #: Long forms by their first ANCHORED characters, longest first.
        self._by_prefix: dict[str, tuple[str, ...]] = {}
        self._medium: set[str] = set()  # forms too short to anchor, at least SUBSTRING_MIN long
        self._medium_pattern: re.Pattern[str] | None = None  # built when needed
        self._short: re.Pattern[str] | None = None  # short secrets as whole quoted tokens
        self._longest = 0  # the longest spelling registered

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
                if not isinstance(secret, str) or not secret.strip() or secret in self._secrets:
                    continue
                if any(secret in name for name in self._public):
                    continue
                self._secrets.add(secret)
                forms = forms_of(secret)
                self._longest = max(self._longest, *(len(f) for f in forms))
                if len(secret) < SUBSTRING_MIN:
                    self._short = None
                    continue
                for form in forms:
                    if len(form) < SUBSTRING_MIN:  # an unescaped spelling can be short
                        continue
                    if len(form) >= ANCHORED:  # new values, never changed in place: a
                        # redaction on another thread reads them without the lock
                        for offset in range(GRAM):
                            gram = form[offset : offset + GRAM]
                            self._anchors[gram] = self._anchors.get(gram, frozenset()) | {offset}
                        same = self._by_prefix.get(form[:ANCHORED], ())
                        if form not in same:
                            longest_first = sorted((*same, form), key=len, reverse=True)
                            self._by_prefix[form[:ANCHORED]] = tuple(longest_first)
                    elif form not in self._medium:
                        self._medium.add(form)
                        self._medium_pattern = None

    def __contains__(self, secret: object) -> bool:
        return secret in self._secrets

    def __len__(self) -> int:
        return len(self._secrets)

    def clear(self) -> None:
        with self._lock:
            self._secrets.clear()
            self._anchors.clear()
            self._by_prefix.clear()
            self._medium.clear()
            self._medium_pattern = self._short = None
            self._longest = 0

    @property
    def longest(self) -> int:
        """The length of the longest spelling of any secret (a text cut this much past where
        it is shown is redacted whole)."""
        return self._longest

    @property
    def secrets(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._secrets)

    def _patterns(self) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        """The medium forms' pattern and the short secrets' (None when there are none)."""
        with self._lock:
            if self._medium_pattern is None:
                words = sorted(self._medium, key=len, reverse=True)
                self._medium_pattern = re.compile(_trie_pattern(words)) if words else _NOTHING
            if self._short is None:
                short = sorted(
                    (f for s in self._secrets if len(s) < SUBSTRING_MIN for f in forms_of(s)),
                    key=len,
                    reverse=True,
                )
                # A short secret only as a whole quoted token: 'ab' or "ab" (never in words).
                parts = [rf"(?<=[\"']){re.escape(form)}(?=[\"'])" for form in short]
                self._short = re.compile("|".join(parts)) if parts else _NOTHING
            medium = None if self._medium_pattern is _NOTHING else self._medium_pattern
            return medium, None if self._short is _NOTHING else self._short

    def _spans(self, text: str) -> list[tuple[int, int]]:
        """Where long secrets stand in ``text`` (possibly overlapping), in one pass.

        A form of length L >= 2k-1 that starts at p covers the k-gram at the first multiple
        of k at or after p, wholly, at an offset below k: so only the k-grams at multiples of
        k are looked up (a C-speed ``findall`` and set lookups). A hit is checked at each
        offset it stands at in some form, by the forms that begin as the text does there."""
        spans: list[tuple[int, int]] = []
        anchors, by_prefix = self._anchors, self._by_prefix
        if anchors and len(text) >= ANCHORED:
            for start in range(0, len(text), CHUNK):
                grams = _GRAMS.findall(text, start, start + CHUNK)
                if anchors.keys().isdisjoint(grams):
                    continue
                for i, gram in enumerate(grams):
                    offsets = anchors.get(gram)
                    if offsets is None:
                        continue
                    at = start + i * GRAM
                    for offset in offsets:
                        begin = at - offset
                        forms = (
                            by_prefix.get(text[begin : begin + ANCHORED]) if begin >= 0 else None
                        )
                        for form in forms or ():
                            if text.startswith(form, begin):  # the longest first
                                spans.append((begin, begin + len(form)))
                                break
        medium, _ = self._patterns()
        if medium is not None:
            spans += [m.span() for m in medium.finditer(text)]
        return spans

    def redact(self, text: str) -> str:
        if not text or not self._secrets:
            return text
        spans = self._spans(text)
        if spans:
            text = _cover(text, spans)
        _, short = self._patterns()
        return short.sub(REDACTED, text) if short is not None else text

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
        return [s for s in self.secrets if len(s) >= SUBSTRING_MIN and s in text]


def _cover(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with every stretch the (possibly overlapping) ``spans`` cover replaced."""
    pieces: list[str] = []
    done = 0
    start = end = -1
    for s, e in sorted(spans):
        if s < end:  # overlaps the stretch being covered
            end = max(end, e)
            continue
        if end >= 0:
            pieces += [text[done:start], REDACTED]
            done = end
        start, end = s, e
    pieces += [text[done:start], REDACTED, text[end:]]
    return "".join(pieces)


#: The process-wide registry used by the client, the pytest plugin and the reports.
SECRETS = SecretRegistry()


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``[REDACTED]``."""
    return SECRETS.redact(text)


def register_secret(*secrets: Any) -> None:
    SECRETS.add(*secrets)
