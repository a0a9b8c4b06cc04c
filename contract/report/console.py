"""What the console says of a site's findings: each distinct violation once, with counts.

A fault that breaks one rule on every error response fails dozens of tests with the same
message; the console names the rule, the message, how many checks and tests saw it, the
first failing request and response, and its reproduction, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .format import HTML_NAME
from .presentation import elide, shorten

#: Distinct messages shown per rule (the HTML report has them all, up to its cap).
PER_RULE = 3
#: The longest line of a reproduction on the console, and the most lines of one.
LINE_LIMIT = 600
REPRO_LINES = 12


def decision_line(decision: Mapping[str, Any], *, several: bool = False) -> str:
    """The decision in one line, as the run's last line and junit.xml's property say it:
    ``VERDICT: reason`` (``VERDICT on SITE: reason`` for the deciding site of several)."""
    where = f" on {decision.get('site')}" if several else ""
    return f"{decision.get('verdict')}{where}: {decision.get('reason')}"


def request_line(run: Mapping[str, Any]) -> str:
    """What a site's run cost it, in one line: ``N requests (M state control)`` (a report
    without ``run.request_counts`` says ``N requests``)."""
    counts = run.get("request_counts")
    if not isinstance(counts, Mapping):
        return f"{run.get('requests')} requests"
    return f"{counts.get('total')} requests ({counts.get('state_control')} state control)"


def finding_lines(report: Mapping[str, Any]) -> list[str]:
    """Lines describing the distinct failures recorded in one site's report."""
    lines: list[str] = []
    rules: Mapping[str, Any] = report.get("rules") or {}
    by_rule: dict[str, list[Mapping[str, Any]]] = {}
    for failure in report.get("failures") or []:
        by_rule.setdefault(str(failure.get("rule")), []).append(failure)
    for rule, failures in by_rule.items():
        checks = int((rules.get(rule) or {}).get("failed") or 0)
        recorded = sum(int(f.get("occurrences") or 1) for f in failures)
        more = f"; {checks - recorded} more not recorded" if checks > recorded else ""
        lines.append(
            f"[{rule}] {checks} failed check(s), {len(failures)} distinct message(s){more}:"
        )
        for i, failure in enumerate(failures[:PER_RULE]):
            lines += _one(failure, script=i == 0)
        if len(failures) > PER_RULE:
            lines.append(f"  ... {len(failures) - PER_RULE} more (see contract-report.html)")
    errors = list((report.get("tests") or {}).get("errors_without_rule") or [])
    if errors:
        shown = ", ".join(errors[:5]) + (", ..." if len(errors) > 5 else "")
        lines.append(f"tests that failed without breaking a rule: {shown}")
    return lines


def _one(failure: Mapping[str, Any], *, script: bool = True) -> list[str]:
    count = int(failure.get("occurrences") or 1)
    tests = int(failure.get("tests") or 1)
    where = f"{failure.get('operation')}: " if failure.get("operation") else ""
    headline = str(failure.get("message") or "").strip().splitlines()[0:1] or [""]
    text = shorten(headline[0], limit=200)
    out = [f"  - {where}{text} ({count}x in {tests} test(s))"]
    response = failure.get("response") or {}
    if response:
        body = str(response.get("body") or "")
        body = shorten(body, 160)
        out.append(f"    first response: {response.get('status')} {body}")
    reproduction = str(failure.get("reproduction") or "")
    if "\n" in reproduction and not script:  # one script per rule is enough on the console
        lines = len(reproduction.splitlines())
        out.append(f"    reproduce: a {lines}-line bash script (in {HTML_NAME})")
    elif reproduction:
        out += _reproduction(reproduction)
    return out


def _reproduction(text: str) -> list[str]:
    """The reproduction, each line at most :data:`LINE_LIMIT` characters (a long body is
    elided with its size; the HTML report has it whole), at most :data:`REPRO_LINES` lines."""
    lines = text.splitlines() or [""]
    shown = [elide(line, LINE_LIMIT, HTML_NAME) for line in lines[:REPRO_LINES]]
    if len(lines) > REPRO_LINES:
        shown.append(f"... {len(lines) - REPRO_LINES} more line(s): see {HTML_NAME}")
    return [f"    reproduce: {shown[0]}", *(f"      {line}" for line in shown[1:])]
