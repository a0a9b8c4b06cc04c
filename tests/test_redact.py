"""Redaction: every registered secret is replaced by ``[REDACTED]`` in anything printed or written.

Long secrets (``SUBSTRING_MIN`` characters or more) are replaced wherever they occur, in their
raw, JSON-escaped and repr-escaped spellings. Short ones would match inside ordinary words and
numbers, so they are replaced only where they stand as a whole quoted token.

What is registered is the user's secrets (DD keys, auth headers a proxy forwards); keys the
run generates are test data and never registered (tests/http/test_reproductions.py). The
property tests below drive adversarial secrets through every spelling a site could echo them
in and every encoding the toolkit writes, and time redaction against the number of secrets.

Each test uses its own :class:`SecretRegistry`, never the process-wide ``SECRETS``.
"""

from __future__ import annotations

import html as _html
import json
import shlex
import threading
import time
from urllib.parse import quote, quote_plus, unquote, unquote_plus
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markupsafe import escape as jinja_escape

from statuspage_contract.redact import REDACTED, SUBSTRING_MIN, SecretRegistry, forms_of

LONG = "sp-9f8e7d6c5b4a"  # comfortably above SUBSTRING_MIN
SHORT = "ab12"  # below SUBSTRING_MIN


def registry(*secrets: object) -> SecretRegistry:
    reg = SecretRegistry()
    reg.add(*secrets)
    return reg


def test_the_threshold_between_short_and_long_secrets_is_six_characters():
    assert SUBSTRING_MIN == 6


# -- long secrets ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        LONG,
        f"key={LONG}",
        f"prefix{LONG}suffix",
        f'{{"api_key": "{LONG}"}}',
        f"curl -H 'DD-API-KEY: {LONG}'",
        f"{LONG}\n{LONG}",
    ],
)
def test_a_long_secret_is_replaced_wherever_it_occurs(text):
    redacted = registry(LONG).redact(text)
    assert LONG not in redacted
    assert REDACTED in redacted
    assert redacted == text.replace(LONG, REDACTED)


@pytest.mark.parametrize(
    "secret",
    [
        'quote"inside-key',
        "back\\slash-key",
        "new\nline-key",
        "tab\tand\x01control",
        "caf\u00e9-cl\u00e9-key",
        "emoji-\U0001f511-key",
    ],
    ids=["double-quote", "backslash", "newline", "control", "non-ascii", "astral"],
)
@pytest.mark.parametrize(
    "spelling",
    [
        pytest.param(lambda s: s, id="raw"),
        pytest.param(lambda s: json.dumps(s), id="json"),
        pytest.param(lambda s: json.dumps(s, ensure_ascii=False), id="json-unicode"),
        pytest.param(repr, id="repr"),
        pytest.param(lambda s: json.dumps({"data": {"api_key": s}}), id="json-document"),
        pytest.param(lambda s: str({"api_key": s}), id="python-dict"),
    ],
)
def test_a_long_secret_is_replaced_in_its_raw_json_and_repr_spellings(secret, spelling):
    text = f"before {spelling(secret)} after"
    redacted = registry(secret).redact(text)
    assert REDACTED in redacted
    for form in (secret, json.dumps(secret)[1:-1], repr(secret)[1:-1]):
        assert form not in redacted
    assert redacted.startswith("before ") and redacted.endswith(" after")


def test_a_secret_of_exactly_six_characters_is_already_replaced_inside_words():
    assert registry("abc123").redact("xxabc123yy") == f"xx{REDACTED}yy"


# -- short secrets --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f'"{SHORT}"', f'"{REDACTED}"'),
        (f"'{SHORT}'", f"'{REDACTED}'"),
        (f'{{"api_key": "{SHORT}"}}', f'{{"api_key": "{REDACTED}"}}'),
        (f"{{'api_key': '{SHORT}'}}", f"{{'api_key': '{REDACTED}'}}"),
    ],
)
def test_a_short_secret_is_replaced_as_a_whole_quoted_token(text, expected):
    assert registry(SHORT).redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        SHORT,  # bare: indistinguishable from ordinary text
        f"x{SHORT}y",
        f'"x{SHORT}"',
        f'"{SHORT}y"',
        f"the {SHORT} word",
        f"an {SHORT}-prefixed token",
    ],
)
def test_a_short_secret_is_never_replaced_inside_words(text):
    assert registry(SHORT).redact(text) == text


@pytest.mark.parametrize(
    "text",
    [
        '{"count": 12345, "limit": 512}',
        "X-RateLimit-Reset: 12",
        "took 0.125 s for 1212 requests",
        "HTTP 412 at 12:12",
    ],
)
def test_a_short_numeric_secret_is_never_replaced_inside_numbers(text):
    assert registry("12").redact(text) == text


def test_a_short_numeric_secret_is_replaced_as_a_quoted_string():
    assert registry("12").redact('{"api_key": "12", "n": 12}') == (
        f'{{"api_key": "{REDACTED}", "n": 12}}'
    )


# -- redact_tree ----------------------------------------------------------------------------
def test_redact_tree_redacts_strings_at_any_depth_and_keeps_the_shape():
    reg = registry(LONG)
    tree = {
        "message": f"echoed {LONG} back",
        "nested": [{"value": LONG}, (LONG, "clean")],
        "clean": "nothing to hide",
    }
    assert reg.redact_tree(tree) == {
        "message": f"echoed {REDACTED} back",
        "nested": [{"value": REDACTED}, [REDACTED, "clean"]],
        "clean": "nothing to hide",
    }


def test_redact_tree_replaces_a_value_equal_to_a_short_secret():
    reg = registry(SHORT)
    assert reg.redact_tree({"api_key": SHORT, "other": f"x{SHORT}y"}) == {
        "api_key": REDACTED,
        "other": f"x{SHORT}y",
    }


def test_redact_tree_redacts_dictionary_keys_that_contain_a_long_secret():
    assert registry(LONG).redact_tree({f"{LONG}-header": 1}) == {f"{REDACTED}-header": 1}


def test_redact_tree_redacts_a_dictionary_key_equal_to_a_short_secret():
    assert registry(SHORT).redact_tree({SHORT: "value"}) == {REDACTED: "value"}


@pytest.mark.parametrize("value", [12, 12.0, True, None, 0])
def test_redact_tree_leaves_non_strings_alone_even_when_they_equal_a_secret(value):
    reg = registry("12", "True", "None", "0")
    assert reg.redact_tree({"n": value}) == {"n": value}
    assert reg.redact_tree([value]) == [value]


def test_redact_tree_does_not_modify_its_argument():
    tree = {"a": [LONG]}
    registry(LONG).redact_tree(tree)
    assert tree == {"a": [LONG]}


# -- ordering, registration -----------------------------------------------------------------
def test_the_longest_secret_is_replaced_first_so_no_fragment_of_it_survives():
    inner, outer = "secret-inner", "outer-secret-inner-tail"
    for order in ((inner, outer), (outer, inner)):
        reg = registry(*order)
        assert reg.redact(f"[{outer}]") == f"[{REDACTED}]"
        assert reg.redact(f"[{inner}]") == f"[{REDACTED}]"


def test_overlapping_secrets_leave_no_recognisable_part_behind():
    reg = registry("abcdefgh", "abcdefghijkl")
    redacted = reg.redact("abcdefghijkl abcdefgh")
    assert redacted == f"{REDACTED} {REDACTED}"


@pytest.mark.parametrize("blank", ["", " ", "   ", "\t\n"])
def test_blank_strings_are_ignored(blank):
    reg = registry(blank)
    assert len(reg) == 0
    assert blank not in reg
    assert reg.redact(f"a{blank}b {blank}") == f"a{blank}b {blank}"


@pytest.mark.parametrize("not_a_string", [None, 123456789, b"bytes-secret", ["list-secret"]])
def test_non_strings_are_not_registered(not_a_string):
    assert len(registry(not_a_string)) == 0


def test_registering_twice_counts_once_and_clear_forgets_everything():
    reg = registry(LONG, LONG, SHORT)
    assert len(reg) == 2 and reg.secrets == frozenset({LONG, SHORT})
    reg.clear()
    assert len(reg) == 0
    assert reg.redact(LONG) == LONG


def test_a_secret_added_later_is_redacted_too():
    reg = registry(LONG)
    assert reg.redact("later-secret-value") == "later-secret-value"
    reg.add("later-secret-value")
    assert reg.redact("later-secret-value") == REDACTED


def test_an_empty_registry_returns_the_text_unchanged():
    reg = SecretRegistry()
    assert reg.redact("anything at all") == "anything at all"
    assert reg.redact("") == ""


def test_redact_bytes_works_on_utf8_and_survives_invalid_bytes():
    reg = registry(LONG)
    assert reg.redact_bytes(f"x {LONG} \u00e9".encode()) == f"x {REDACTED} \u00e9".encode()
    assert LONG.encode() not in reg.redact_bytes(b"\xff\xfe" + LONG.encode())


def test_leaks_names_only_long_secrets_present_in_the_text():
    reg = registry(LONG, "other-long-secret", SHORT)
    assert reg.leaks(f'"{SHORT}" and {LONG}') == [LONG]
    assert reg.leaks(reg.redact(f"{LONG} other-long-secret")) == []


def test_registration_and_redaction_are_safe_across_threads():
    reg = SecretRegistry()
    secrets = [f"thread-secret-{i:04d}" for i in range(200)]

    def add(chunk):
        for s in chunk:
            reg.add(s)
            reg.redact(s)

    threads = [threading.Thread(target=add, args=(secrets[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(reg) == len(secrets)
    assert reg.redact(" ".join(secrets)) == " ".join([REDACTED] * len(secrets))


def test_kilobyte_long_secrets_are_redacted_in_every_form_and_whole():
    """The edges submit keys of 64 KiB (with quotes and non-ASCII letters): each is replaced
    whole, raw or escaped, even where a shorter registered secret stands inside it."""
    reg = SecretRegistry()
    inner = "inner-secret-0123456789"
    huge = 'é"' + inner + "k" * 65536
    reg.add(inner, huge)
    for form in (huge, json.dumps(huge)[1:-1], repr(huge)[1:-1]):
        assert reg.redact(f"<{form}>") == f"<{REDACTED}>"
    assert reg.redact(f"{inner} and {huge}") == f"{REDACTED} and {REDACTED}"


def test_adding_secrets_one_by_one_while_redacting_compiles_no_pattern(monkeypatch):
    """A run registers a key per generated body and redacts between two: secrets long enough
    to be searched as substrings never go into a regular expression (compiling one of every
    secret again after each new key cost seconds a run)."""
    import statuspage_contract.redact as module

    compiled: list[str] = []
    real = module.re.compile
    monkeypatch.setattr(module.re, "compile", lambda p, *a: compiled.append(p) or real(p, *a))
    reg = SecretRegistry()
    keys = [f"generated-key-{i:04d}" for i in range(300)]
    for key in keys:
        reg.add(key)
        assert reg.redact(f'{{"api_key": "{key}"}}') == f'{{"api_key": "{REDACTED}"}}'
    assert compiled == []
    reg.add("ab")  # a short one: whole quoted tokens only, by pattern
    assert reg.redact("'ab' and abc") == f"'{REDACTED}' and abc"
    assert len(compiled) == 1


def test_adding_kilobyte_long_secrets_one_by_one_while_redacting():
    reg = SecretRegistry()
    long_keys = [f"{i:04d}" + "x" * 65536 for i in range(40)]
    for key in long_keys:
        reg.add(key)
        assert reg.redact(key) == REDACTED
    assert reg.leaks(reg.redact(" ".join(long_keys))) == []


# -- public names -------------------------------------------------------------------------------
def test_a_public_name_or_a_part_of_one_is_never_a_secret():
    """Regression: Hypothesis drew the literal "no-key-echo" as an api_key; registered as a
    secret, it turned the report's rule table into "[REDACTED]" rows."""
    reg = SecretRegistry()
    reg.declare_public("no-key-echo", "api-key-masked")
    reg.add("no-key-echo", "key-echo", "masked", LONG)
    assert reg.secrets == {LONG}
    report = {"rules": {"no-key-echo": {"failed": 1}}, "key": LONG}
    assert reg.redact_tree(report) == {"rules": {"no-key-echo": {"failed": 1}}, "key": REDACTED}


def test_every_rule_name_is_public_in_the_process_wide_registry():
    from statuspage_contract.redact import SECRETS
    from statuspage_contract.rules import RULES

    for name in RULES:
        SECRETS.add(name)
        assert name not in SECRETS


# -- redaction that cannot miss (issue 24, item 10) ---------------------------------------------
# The user's secrets (what is registered) against adversarial keys: each text holds them in every
# spelling a site might echo them in, and is then written in every encoding the toolkit writes;
# no spelling of any secret may remain. Secrets here are at least SUBSTRING_MIN long (shorter
# ones are only replaced as whole quoted tokens, by design: DD keys are 32 and 40 characters).

#: Characters that escape differently in each encoding, and letters of common words.
ADVERSARIAL = st.sampled_from(
    [
        *"\"'\\&<>%+/=;:,.?#[]{}() \t$`!*^|@",
        "\u00e9",
        "\u00df",
        "\u2028",
        "\U0001f511",
        "\u00a0",
        "&amp;",
        "&lt;",
        "\\u00e9",
        "\\n",
    ]
)
WORDS = ("account", "status", "statuspage", "errors", "integration", "application", "detail")
ENCODINGS = {
    "raw": lambda s: s,
    "json": lambda s: json.dumps(s),
    "json-unicode": lambda s: json.dumps(s, ensure_ascii=False),
    "html": lambda s: _html.escape(s),
    "jinja": lambda s: str(jinja_escape(s)),
    "xml-text": xml_escape,
    "xml-attribute": quoteattr,
    "url": lambda s: quote(s, safe="", errors="surrogatepass"),
    "url-plus": lambda s: quote_plus(s, errors="surrogatepass"),
    "repr": repr,
    "shell": shlex.quote,
}


@st.composite
def adversarial_keys(draw: st.DrawFn) -> list[str]:
    """Secrets: adversarial text, pieces of each other, of common words, some very long."""
    parts = st.one_of(
        st.text(min_size=1, max_size=6),
        ADVERSARIAL,
        st.text(alphabet="0123456789abcdef", min_size=1, max_size=40),
    )
    keys = [
        "".join(draw(st.lists(parts, min_size=2, max_size=10)))
        for _ in range(draw(st.integers(1, 8)))
    ]
    first = keys[0]
    if len(first) > 8 and draw(st.booleans()):  # a key inside another
        start = draw(st.integers(0, len(first) - 6))
        keys.append(first[start : start + draw(st.integers(6, len(first) - start))])
    if draw(st.booleans()):  # a common word, or a key inside one
        keys.append(draw(st.sampled_from(WORDS)))
    if draw(st.integers(0, 19)) == 0:  # very long
        keys.append(first * (4096 // max(1, len(first)) + 1))
    return [k for k in keys if long_in_every_spelling(k) and k not in REDACTED and MARK not in k]


def long_in_every_spelling(key: str) -> bool:
    """At least SUBSTRING_MIN long even with its escapes undone: "&amp;ab" is "&ab" to a site
    that unescapes it, which the HTML report would write back as "&amp;ab" — a short secret,
    replaced only as a whole quoted token (by design: DD keys are 32 and 40 characters)."""
    undone = (key, _html.unescape(key), unquote(key), unquote_plus(key))
    return key.strip() != "" and min(len(u) for u in undone) >= SUBSTRING_MIN


#: Stands for the redaction mark, and for "no secret here" in the baselines: a character no
#: encoding escapes (an escape such as JSON's \u0000 would join with its neighbours).
MARK = "~"


def leaked(spellings: dict[str, list[str]], out: str, baseline: str) -> list[tuple[str, str]]:
    """The spellings more often in ``out`` than in ``baseline``: the same text written with
    no secret in it (a writer's own escapes can spell a secret by themselves: "&quot;" then
    "0000" holds "t;0000"; that reveals nothing)."""
    return [
        (s, f)
        for s, forms in spellings.items()
        for f in forms
        if f in out and out.count(f) > baseline.count(f)
    ]


def echo(keys: list[str], filler: str) -> tuple[list[str], list[str]]:
    """What a site echoes: every key in every encoding between fillers; that as a JSON
    document holds it and as a message quotes it (repr); the same with no key (MARK in each
    key's place)."""
    out = []
    for each in (keys, [MARK] * len(keys)):
        echoed = "|".join(f"{filler}{enc(k)}{filler}" for k in each for enc in ENCODINGS.values())
        out.append([echoed, json.dumps({"body": echoed}), f"got {echoed!r}"])
    return out[0], out[1]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(keys=adversarial_keys(), filler=st.text(max_size=30).filter(lambda f: MARK not in f))
@example(keys=["a\"b\\c&<>'\u00e9%2F+x-0123456789", "0123456789"], filler="status")
@example(keys=["a&amp;b-secret", "a&b-secret"], filler="")
@example(keys=["status", "statuspage-key-01"], filler="account status")
@example(keys=["00t;00000", "t;0000"], filler="0000")
@example(keys=["6<\x11'\u00c940d27225d4faafc5a0056\u00e9041625879b1872f0910"], filler="7")
def test_no_spelling_of_any_secret_survives_any_echo_in_any_written_encoding(keys, filler):
    """300 examples draw about 1,500 distinct adversarial secrets (measured: 1,580)."""
    reg = SecretRegistry()
    reg.add(*keys)
    spellings = {k: [f for f in forms_of(k) if len(f) >= SUBSTRING_MIN] for k in keys if k in reg}
    sources, baselines = echo(list(spellings), filler)
    for source, baseline in zip(sources, baselines, strict=True):
        redacted = reg.redact(source).replace(REDACTED, MARK)
        for name, write in ENCODINGS.items():
            assert leaked(spellings, write(redacted), write(baseline)) == [], name
        tree = reg.redact_tree({"body": source, "keys": list(spellings)})
        clean = {"body": baseline, "keys": [MARK] * len(spellings)}
        for ascii_only in (True, False):
            out = json.dumps(tree, ensure_ascii=ascii_only).replace(REDACTED, MARK)
            assert leaked(spellings, out, json.dumps(clean, ensure_ascii=ascii_only)) == []


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(keys=adversarial_keys(), data=st.data())
def test_redacting_keeps_every_character_that_is_no_secret(keys, data):
    """Nothing but secrets is taken: text with no secret in any spelling is unchanged."""
    reg = SecretRegistry()
    reg.add(*keys)
    text = data.draw(st.text(max_size=200))
    if not any(f in text for s in reg.secrets for f in forms_of(s) if len(f) >= SUBSTRING_MIN):
        assert reg.redact(text) == text


# -- cost: linear in the text whatever the number of secrets (issue 28, item 6) -------------------
def test_redaction_time_hardly_grows_with_the_number_of_secrets():
    """The same 2 MiB redacted with 1 and with 400 secrets (each with a quote and a non-ASCII
    letter: many spellings): within a small factor, not 400 times (benchmarks/bench_redact.py
    times 33 MiB: about 0.4 s either way)."""
    import secrets as random_secrets

    size = 2 * 2**20
    text = random_secrets.token_hex(size // 2)  # every character may start a key
    timings = {}
    for count in (1, 400):
        reg = SecretRegistry()
        keys = [
            f'{random_secrets.token_hex(10)}"é{random_secrets.token_hex(22)}' for _ in range(count)
        ]
        reg.add(*keys)
        planted = text[:1000] + keys[-1] + text[1000:]
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            out = reg.redact(planted)
            best = min(best, time.perf_counter() - started)
        assert keys[-1] not in out
        timings[count] = best
    assert timings[400] < 4 * timings[1] + 0.05, timings


def test_adding_secrets_compiles_nothing_for_long_secrets(monkeypatch):
    import statuspage_contract.redact as module

    compiled: list[str] = []
    real = module.re.compile
    monkeypatch.setattr(module.re, "compile", lambda p, *a: compiled.append(p) or real(p, *a))
    reg = SecretRegistry()
    for i in range(400):
        reg.add(f"a-user-secret-that-is-long-{i:04d}")
        reg.redact("some text")
    assert compiled == []
