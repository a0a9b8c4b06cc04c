"""No report, log line or reproduction contains the user's secrets, in any spelling.

The user's secrets are the DD keys (``DD_API_KEY`` / ``DD_APP_KEY``). The api_keys the suite
generates for its request bodies (sentinels, Hypothesis' strings, a second organisation's keys
on the mock) are test data: reproductions show them verbatim so that they reproduce
(tests/http/test_reproductions.py), and a site that hands one back is what the rules
``api-key-masked`` and ``no-key-echo`` report. They are searched for only where they equal
a DD key.

Whole runs, started together (each costs seconds), then every file each wrote and everything
it printed searched for the DD keys in every spelling the toolkit writes (raw, JSON-, repr-,
HTML-, XML-, URL-escaped, and each escaped once more) and for any fragment of them:

- ``echo``: the embedded mock with ``error-echoes-api-key`` (400 and 409 quote the api_key);
- ``unmasked``: the embedded mock with ``unmasked-api-key`` (2xx bodies return it verbatim);
- ``recorded``: a :class:`MockSite` reached by URL with the echo fault, recording every api_key
  the suite submits;
- ``hostile``: a site reached by URL that echoes every request — headers and body — back in
  its answers' bodies and headers, raw, JSON-, HTML- and URL-escaped, with adversarial DD keys
  (quotes, a backslash, ``&<>``, ``%``, ``+``, a non-ASCII letter, one key inside the other).

The redaction itself, over thousands of adversarial keys: tests/test_redact.py.
"""

from __future__ import annotations

import html
import json
import os
import re
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pytest
from cli_runner import submit_cli

from statuspage_contract.mock import MockSite
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
TIMEOUT = 300
#: A leaked fragment at least this long counts (12 hex characters are 48 bits of a key).
FRAGMENT = 12
HEX_RUN = re.compile(rf"[0-9a-f]{{{FRAGMENT},}}")
ESCAPES = (
    lambda s: json.dumps(s)[1:-1],
    lambda s: json.dumps(s, ensure_ascii=False)[1:-1],
    lambda s: repr(s)[1:-1],
    html.escape,
    lambda s: html.escape(s, quote=False),
    xml_escape,
    lambda s: quoteattr(s)[1:-1],
    lambda s: s.replace('"', "&#34;").replace("'", "&#39;"),
    lambda s: quote(s, safe=""),
    quote_plus,
)


@dataclass
class Run:
    name: str
    returncode: int
    outputs: dict[str, str]  # "stdout", "stderr" and every file written, by relative path
    dd_keys: tuple[str, str]
    submitted: set[str] = field(default_factory=set)  # known for the recorded run

    def haystacks(self) -> Iterator[tuple[str, str]]:
        """Each output, and each once more with HTML/XML entities decoded."""
        for name, text in self.outputs.items():
            yield name, text
            unescaped = html.unescape(text)
            if unescaped != text:
                yield f"{name} (entities decoded)", unescaped


def spellings(secret: str) -> set[str]:
    """The secret raw and in every escaping the toolkit writes, and each escaped once more
    (a JSON report quoting a JSON body that quotes a repr ...)."""
    once = {secret} | {escape(secret) for escape in ESCAPES}
    return once | {escape(s) for s in once for escape in ESCAPES}


def find(secret_list: set[str], run: Run) -> list[str]:
    found = []
    for secret in sorted(secret_list):
        forms = spellings(secret)
        for where, text in run.haystacks():
            if any(form in text for form in forms):
                found.append(f"{secret[:4]}… in {where}")
    return found


def fragments_found(secret_list: set[str], run: Run) -> list[str]:
    """Places where at least FRAGMENT consecutive characters of a (hex) secret appear."""
    hexes = {h for s in secret_list for h in HEX_RUN.findall(s)}
    windows = {s[i : i + FRAGMENT] for s in hexes for i in range(len(s) - FRAGMENT + 1)}
    found = []
    for where, text in run.haystacks():
        for match in HEX_RUN.finditer(text):
            run_text = match.group()
            hits = [run_text[i : i + FRAGMENT] for i in range(len(run_text) - FRAGMENT + 1)]
            if any(h in windows for h in hits):
                found.append(f"{run_text[:4]}…({len(run_text)} chars) in {where}")
    return found


def read_outputs(tmp: Path, stdout: str, stderr: str) -> dict[str, str]:
    outputs = {"stdout": stdout, "stderr": stderr}
    for path in sorted(tmp.rglob("*")):
        if path.is_file():
            outputs[str(path.relative_to(tmp))] = path.read_bytes().decode("utf-8", "replace")
    return outputs


def start(tmp: Path, env: dict[str, str], *args: str):
    cwd = tmp / "cwd"
    cwd.mkdir()
    future = submit_cli(
        ["run", *args, "--report-dir", "reports"], cwd=cwd, env=env, timeout=TIMEOUT
    )

    def finish() -> tuple[int, dict[str, str]]:
        done = future.result()
        return done.returncode, read_outputs(cwd, done.stdout, done.stderr)

    return finish


def record_submitted_keys(site: MockSite, into: set[str]) -> None:
    """Make the site note the api_key of every request body it parses."""
    handle = site.app.with_body

    def with_body(operation: Any, data: Any, problem: Any, org: Any) -> Any:
        try:
            key = data["data"]["attributes"][CONTRACT.secret_field]
        except (KeyError, TypeError, IndexError):
            pass
        else:
            if isinstance(key, str):
                into.add(key)
        return handle(operation, data, problem, org)

    site.app.with_body = with_body  # type: ignore[method-assign]


#: How much of a request body the echoing site hands back.
ECHOED_BODY = 16 * 1024


class EchoingHandler(BaseHTTPRequestHandler):
    """Answers every request with an error that hands back everything it was sent: each
    header and the body, raw, JSON-, HTML- and URL-escaped, in the body and in headers."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once (else ~40 ms an answer)

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        # the start of a body is enough to echo (its keys are there); echoing an edge's
        # megabytes four times over cost the run ~20 s of this server's CPU
        sent = [f"{k}: {v}" for k, v in self.headers.items()] + [body[:ECHOED_BODY]]
        echoes = [f(s) for s in sent for f in (str, html.escape, quote, json.dumps)]
        status = 400 if self.command == "POST" else 404
        payload = json.dumps({"errors": echoes}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for i, (name, value) in enumerate(self.headers.items()):
            self.send_header(f"X-Echo-{i}", quote(f"{name}: {value}"))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _answer


def hostile_keys() -> tuple[str, str]:
    """Adversarial DD keys: quotes, a backslash, ``&<>``, ``%``, ``+``, a non-ASCII (Latin-1,
    so that HTTP can carry it) letter, and the application key holding the API key."""
    api = f"a\"b'c\\d&<e>%2F+\u00e9-{secrets.token_hex(12)}"
    return api, f"{secrets.token_hex(6)}{api}{secrets.token_hex(6)}"


@pytest.fixture(scope="module")
def leak_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    dd = secrets.token_hex(16), secrets.token_hex(20)  # shaped like Datadog's
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    env.update(DD_API_KEY=dd[0], DD_APP_KEY=dd[1], PYTHONUNBUFFERED="1")
    hostile = hostile_keys()
    hostile_env = {**env, "DD_API_KEY": hostile[0], "DD_APP_KEY": hostile[1]}
    submitted: set[str] = set()
    echo = ThreadingHTTPServer(("127.0.0.1", 0), EchoingHandler)
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    try:
        with MockSite(api_key=dd[0], app_key=dd[1], faults=["error-echoes-api-key"]) as site:
            record_submitted_keys(site, submitted)
            plan = {
                "echo": (env, ("--site", "mock", "--mock-fault", "error-echoes-api-key")),
                # Not the reference test: it creates the account with the contract's public
                # example key, which the unmasked mock would then return to every later test.
                "unmasked": (
                    env,
                    ("--site", "mock", "--mock-fault", "unmasked-api-key", "-k", "not reference"),
                ),
                "recorded": (env, ("--site", site.base_url, "--allow-mutations")),
                "hostile": (
                    hostile_env,
                    ("--site", f"http://127.0.0.1:{echo.server_address[1]}", "--allow-mutations"),
                ),
            }
            waiting = {
                name: start(tmp_path_factory.mktemp(name), e, *a) for name, (e, a) in plan.items()
            }
            runs = {}
            for name, finish in waiting.items():
                code, outputs = finish()
                runs[name] = Run(name, code, outputs, hostile if name == "hostile" else dd)
    finally:
        echo.shutdown()
    runs["recorded"].submitted = submitted
    yield runs


RUN_NAMES = ["echo", "unmasked", "recorded", "hostile"]


# -- the runs really provoked leaks ---------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "rule"),
    [("echo", "no-key-echo"), ("unmasked", "api-key-masked"), ("recorded", "no-key-echo")],
)
def test_each_run_saw_its_fault_hand_back_a_key(leak_runs, name, rule):
    run = leak_runs[name]
    assert run.returncode == 1, run.outputs["stderr"]
    report = json.loads(run.outputs["reports/contract-report.json"])
    assert report["rules"][rule]["failed"] > 0
    assert any(f["rule"] == rule for f in report["failures"])


def test_the_echoing_site_handed_the_dd_keys_back_and_they_were_redacted(leak_runs):
    run = leak_runs["hostile"]
    report = run.outputs.get("reports/contract-report.json", "")
    assert run.returncode in (1, 2), run.outputs["stdout"][-2000:]
    assert json.loads(report)["run"]["requests"] > 10
    assert "[REDACTED]" in report


def test_the_recorded_run_submitted_many_distinct_keys(leak_runs):
    keys = leak_runs["recorded"].submitted
    assert len([k for k in keys if re.fullmatch(r"[0-9a-f]{64}", k)]) >= 10


def test_generated_keys_are_test_data_shown_in_reproductions(leak_runs):
    """A generated api_key is no secret: the reproductions carry the keys the run sent."""
    run = leak_runs["recorded"]
    report = json.loads(run.outputs["reports/contract-report.json"])
    shown = " ".join(f["reproduction"] or "" for f in report["failures"])
    assert any(k in shown for k in run.submitted if len(k) >= 16)
    assert "${DD_API_KEY}" in shown and "${DD_APP_KEY}" in shown


def test_every_run_wrote_its_reports(leak_runs):
    for run in leak_runs.values():
        for name in ("contract-report.json", "junit.xml", "contract-report.html", "summary.md"):
            assert f"reports/{name}" in run.outputs, (run.name, name)


# -- the searches ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", RUN_NAMES)
def test_no_output_contains_a_dd_key_in_any_spelling(leak_runs, name):
    run = leak_runs[name]
    assert find(set(run.dd_keys), run) == []


@pytest.mark.parametrize("name", RUN_NAMES)
def test_no_output_contains_even_a_fragment_of_a_dd_key(leak_runs, name):
    run = leak_runs[name]
    assert fragments_found(set(run.dd_keys), run) == []


@pytest.mark.parametrize("name", RUN_NAMES)
def test_the_junit_xml_contains_no_dd_key(leak_runs, name):
    run = leak_runs[name]
    junit = Run(name, run.returncode, {"junit.xml": run.outputs["reports/junit.xml"]}, run.dd_keys)
    assert "<testcase" in junit.outputs["junit.xml"]
    assert find(set(run.dd_keys), junit) == []
