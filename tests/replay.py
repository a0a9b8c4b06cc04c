"""Replay a report's reproduction with bash and curl, and judge what came back.

A reproduction is one curl, or a script (``# replay against: statuspage-contract serve ...``,
then curls each commented ``# the run got STATUS``). :func:`replay` runs it as a user would —
``bash``, the DD keys exported, ``SITE`` set — with ``curl`` wrapped in a shell function that
keeps each request and response in files; :func:`reproduces` says whether the replayed
responses break the rule the failure names (a response rule: the toolkit's rules judge the
last response again; a scenario rule: every request gets the status the run got).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cli_runner import serving

from statuspage_contract.http.exchange import Exchange
from statuspage_contract.judging import check_exchange
from statuspage_contract.rules import NO_SERVER_ERROR, RULES, RuleContext
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
SERVE_LINE = re.compile(r"^# replay against: (statuspage-contract serve[^(]*?)\s+\(", re.M)
RUN_GOT = re.compile(r"# the run got (\d+)(?: \(no answer\))?$", re.M)

#: The shell function that stands in for curl: the real curl, each request's arguments and
#: each response's head, body and status kept in $OUT (numbered).
WRAPPER = r"""
n=0
curl() {
  n=$((n+1))
  local args=() prev="" a
  for a in "$@"; do
    if [[ $prev == --data-binary && $a == @* ]]; then
      cat "${a#@}" > "$OUT/data$n"
      a="@$OUT/data$n"
    fi
    args+=("$a")
    prev=$a
  done
  printf '%s\0' "${args[@]}" > "$OUT/args$n"
  command curl -sS --max-time 2 -D "$OUT/head$n" -o "$OUT/body$n" -w '%{http_code}' \
    "${args[@]}" > "$OUT/status$n" 2>/dev/null || true
}
"""


@dataclass
class Step:
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes | None
    status: int
    response_headers: dict[str, str]
    response_body: bytes

    def exchange(self) -> Exchange:
        path = self.url.split("://", 1)[-1].partition("/")[2].partition("?")[0]
        operation = None
        if "/" + path.rstrip("/") == CONTRACT.account_path:
            operation = CONTRACT.operation(self.method).label
        return Exchange(
            self.method,
            self.url,
            self.request_headers,
            self.request_body,
            self.status,
            self.response_headers,
            self.response_body,
            operation=operation,
        )


def serve_command(reproduction: str) -> list[str] | None:
    """The ``serve`` command a reproduction names (as argv, run through this Python), if any."""
    found = SERVE_LINE.search(reproduction)
    if found is None:
        return None
    words = found.group(1).split()
    assert words[:2] == ["statuspage-contract", "serve"], words
    return [sys.executable, "-m", "statuspage_contract.cli", *words[1:]]


@contextmanager
def served(command: list[str], keys: dict[str, str]) -> Iterator[str]:
    """Run a ``serve`` command on a free port (``--port 0``); yield its base URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")} | keys
    with serving([*command, "--port", "0", "--quiet"], env) as url:
        yield url


def replay(reproduction: str, site: str, keys: dict[str, str]) -> list[Step]:
    """Run ``reproduction`` with bash against ``site`` (as ``SITE``); every step's exchange."""
    assert shutil.which("curl"), "needs curl"
    out = Path(tempfile.mkdtemp(prefix="replay-"))
    try:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OUT": str(out), "SITE": site}
        script = out / "replay.sh"
        script.write_text(WRAPPER + reproduction + "\n")
        subprocess.run(
            ["bash", str(script)],
            env=env | keys,
            check=True,
            timeout=120,
            capture_output=True,
        )
        steps = []
        for n in range(1, 1000):
            if not (out / f"args{n}").exists():
                break
            steps.append(_step(out, n))
        return steps
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _step(out: Path, n: int) -> Step:
    args = (out / f"args{n}").read_bytes().split(b"\0")[:-1]
    words = [a.decode("utf-8", "surrogateescape") for a in args]
    method, url = words[words.index("-X") + 1], words[words.index("-X") + 2]
    headers: dict[str, str] = {}
    body: bytes | None = None
    for i, word in enumerate(words):
        if word == "-H":
            name, _, value = words[i + 1].partition(":")
            headers[name] = value.strip()
        elif word == "--data-raw":
            body = args[i + 1]
        elif word == "--data-binary":
            body = Path(words[i + 1].removeprefix("@")).read_bytes()
    status_text = (out / f"status{n}").read_text() if (out / f"status{n}").exists() else ""
    status = int(status_text) if status_text.isdigit() else 0
    head = (out / f"head{n}").read_text("latin-1") if (out / f"head{n}").exists() else ""
    response_headers = {}
    for line in head.splitlines()[1:]:
        name, sep, value = line.partition(":")
        if sep:
            response_headers[name.strip().lower()] = value.strip()
    response_body = (out / f"body{n}").read_bytes() if (out / f"body{n}").exists() else b""
    return Step(method, url, headers, body, status, response_headers, response_body)


def submitted_keys(steps: list[Step]) -> set[str]:
    keys = set()
    for step in steps:
        try:
            key = CONTRACT.secret_of(json.loads(step.request_body or b""))
        except (ValueError, UnicodeDecodeError, RecursionError):
            continue
        if isinstance(key, str):
            keys.add(key)
    return keys


def reproduces(failure: dict[str, Any], steps: list[Step]) -> tuple[bool, str]:
    """Whether the replayed ``steps`` break the failure's rule as the run saw; and why not."""
    reproduction = failure["reproduction"]
    got = [int(g) for g in RUN_GOT.findall(reproduction)]
    statuses = [s.status for s in steps]
    if not steps:
        return False, "nothing was sent"
    if got and statuses != got:
        return False, f"statuses {statuses}, the run got {got}"
    if not got and failure.get("response") and statuses[-1] != failure["response"]["status"]:
        return False, f"status {statuses[-1]}, the run got {failure['response']['status']}"
    rule = RULES[failure["rule"]]
    if rule.name == NO_SERVER_ERROR and got[-1:] == [0] and statuses[-1] == 0:
        return True, ""  # no answer again, as in the run (curl's 000 after its --max-time)
    if rule.kind == "response":
        context = RuleContext(submitted_keys(steps))
        broken = {v.rule for v in check_exchange(steps[-1].exchange(), context) if not v.passed}
        if rule.name not in broken:
            return False, f"the replayed response breaks {sorted(broken)}, not {rule.name}"
    return True, ""


OTHER_ORGANISATION = re.compile(
    r"^# note: some requests use the keys of another organisation[^(]*\(([^)]*)\)", re.M
)


@contextmanager
def replay_site(reproduction: str, keys: dict[str, str]) -> Iterator[str]:
    """A site to replay ``reproduction`` on: what its ``serve`` line says, started as a user
    would (``statuspage-contract serve ... --port 0``). When the reproduction notes keys of
    another organisation of the run's embedded mock (which ``serve`` cannot have), a
    :class:`MockSite` with the same faults and rate limit, and that organisation added with
    the keys the curls carry and the permissions the note names."""
    command = serve_command(reproduction)
    assert command is not None, reproduction[:500]
    note = OTHER_ORGANISATION.search(reproduction)
    if note is None:
        with served(command, keys) as url:
            yield url
        return
    from statuspage_contract.mock import MockSite

    options = command[command.index("serve") + 1 :]
    faults = [options[i + 1] for i, o in enumerate(options) if o == "--fault"]
    with MockSite(faults=faults, api_key=keys["DD_API_KEY"], app_key=keys["DD_APP_KEY"]) as site:
        if "--rate-limit" in options:
            limit = int(options[options.index("--rate-limit") + 1])
            site.set_rate_limit(limit, int(options[options.index("--rate-period") + 1]))
        permissions = frozenset(p.strip() for p in note.group(1).split(",") if p.strip())
        api = set(re.findall(rf"'{CONTRACT.api_key_header}: ([^'$]+)'", reproduction))
        app = set(re.findall(rf"'{CONTRACT.app_key_header}: ([^'$]+)'", reproduction))
        org = site.add_organisation()
        for key in api:
            site.add_api_key(org, key)
        for key in app:
            site.add_app_key(org, key, permissions)
        yield site.base_url
