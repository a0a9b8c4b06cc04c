"""The release gate: decide from a contract report whether a release may go.

``statuspage-contract gate REPORT [--baseline OLD_REPORT] [--waivers FILE] [--today DATE]``

Exit codes: 0 the release may go; 1 it must not (the output says why, rule by rule);
2 the gate could not decide because an input is missing or invalid (it fails closed: an
unreadable, truncated, wrong-shape or unknown-version report never passes).

The decision logic is pure (:func:`evaluate` returns a :class:`GateDecision`), so notebooks
and other tools can use it without the command line. The rules of the gate and the waivers
file format are documented in reports/README.md.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from contract.report import JSON_NAME, REPORT_FORMAT, REPORT_VERSION
from contract.rules import RULES, site_kind
from contract.verdict import Verdict, decide_site

EXIT_PASS = 0
EXIT_BLOCKED = 1
EXIT_INVALID = 2

COMBINED_KIND = "combined"
RULE_STATUSES = ("passed", "failed", "skipped", "not-run")
WAIVER_KEYS = {"rule", "site", "reason", "expires"}
#: Longest failure message quoted in a gate line.
MESSAGE_LIMIT = 120

LineStatus = Literal["PASS", "FAIL", "WAIVED", "NOT EXERCISED"]
STATUS_WIDTH = len("NOT EXERCISED")


class GateInputError(Exception):
    """An input the gate cannot trust: reported as one line, exit code 2."""


# -- waivers --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Waiver:
    """A dated, reasoned acceptance of one rule's failure (on one site, or on all sites)."""

    rule: str
    reason: str
    expires: date  # the last day on which the waiver counts
    site: str | None = None

    def covers(self, rule: str, site: str) -> bool:
        return self.rule == rule and (self.site is None or self.site == site)

    def expired(self, today: date) -> bool:
        return today > self.expires

    @property
    def label(self) -> str:
        return f"{self.rule}" + (f" on {self.site}" if self.site else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "site": self.site,
            "reason": self.reason,
            "expires": self.expires.isoformat(),
        }


def _parse_date(value: Any, where: str) -> date:
    if isinstance(value, datetime):
        raise GateInputError(f"{where}: expires must be a date (YYYY-MM-DD), not a date-time")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise GateInputError(f"{where}: expires must be a date written YYYY-MM-DD, got {value!r}")


def parse_waivers(
    text: str, valid_rules: Iterable[str] | None = None, source: str = "waivers file"
) -> list[Waiver]:
    """Parse and strictly validate a TOML waivers file (format in reports/README.md)."""
    valid = sorted(set(valid_rules) if valid_rules is not None else set(RULES))
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise GateInputError(f"{source} is not valid TOML: {exc}") from None
    unknown = sorted(set(document) - {"waiver"})
    if unknown:
        raise GateInputError(
            f"{source}: unknown top-level key(s) {', '.join(unknown)}; expected [[waiver]] tables"
        )
    entries = document.get("waiver", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise GateInputError(f"{source}: 'waiver' must be an array of tables ([[waiver]])")
    waivers: list[Waiver] = []
    seen: set[tuple[str, str | None]] = set()
    for number, entry in enumerate(entries, start=1):
        where = f"{source}: waiver #{number}"
        extra = sorted(set(entry) - WAIVER_KEYS)
        if extra:
            raise GateInputError(
                f"{where}: unknown key(s) {', '.join(extra)}; allowed: "
                + ", ".join(sorted(WAIVER_KEYS))
            )
        for needed in ("rule", "reason", "expires"):
            if needed not in entry:
                raise GateInputError(
                    f"{where}: missing '{needed}' (rule, reason and expires are required)"
                )
        rule, reason, site = entry["rule"], entry["reason"], entry.get("site")
        if not isinstance(rule, str) or rule not in valid:
            raise GateInputError(
                f"{where} names an unknown rule {rule!r}; valid rules: {', '.join(valid)}"
            )
        where = f"{source}: waiver #{number} ({rule})"
        if not isinstance(reason, str) or not reason.strip():
            raise GateInputError(f"{where}: 'reason' must be a non-empty string")
        if site is not None and (not isinstance(site, str) or not site.strip()):
            raise GateInputError(f"{where}: 'site' must be a non-empty string when given")
        key = (rule, site.strip() if site else None)
        if key in seen:
            raise GateInputError(f"{where}: a second waiver for the same rule and site")
        seen.add(key)
        waivers.append(
            Waiver(
                rule=rule,
                reason=" ".join(reason.split()),
                expires=_parse_date(entry["expires"], where),
                site=key[1],
            )
        )
    return waivers


def load_waivers(path: Path, valid_rules: Iterable[str] | None = None) -> list[Waiver]:
    """Read and validate a waivers file; an empty file means no waivers."""
    raw = _read(path, "waivers file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise GateInputError(f"waivers file {path} is not UTF-8 text") from None
    return parse_waivers(text, valid_rules, source=f"waivers file {path}")


# -- reports --------------------------------------------------------------------------------
def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise GateInputError(f"{what} {path} does not exist") from None
    except IsADirectoryError:
        raise GateInputError(f"{what} {path} is a directory") from None
    except OSError as exc:
        raise GateInputError(f"cannot read {what} {path}: {exc.strerror or exc}") from None


def load_report(path: Path, what: str = "report") -> dict[str, Any]:
    """Read and validate a report (a report directory means its contract-report.json)."""
    if path.is_dir():
        path = path / JSON_NAME
    raw = _read(path, what)
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
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            raise GateInputError(
                f"{what} {path} is truncated: its JSON ends early (line {exc.lineno})"
            ) from None
        raise GateInputError(
            f"{what} {path} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise GateInputError(f"{what} {path} is nested too deeply to be a report") from None
    return validate_report(data, f"{what} {path}")


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


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _shape(ok: bool, where: str, message: str) -> None:
    if not ok:
        raise GateInputError(f"{where}: {message}")


def _check_header(data: Any, where: str, *, required: bool) -> None:
    _shape(isinstance(data, dict), where, "is not a JSON object, so not a contract report")
    if "format" in data or required:
        _shape(
            data.get("format") == REPORT_FORMAT,
            where,
            f"is not a {REPORT_FORMAT} (format: {data.get('format')!r})",
        )
    if "version" in data or required:
        version = data.get("version")
        _shape(
            isinstance(version, int) and not isinstance(version, bool),
            where,
            f"has no valid version (got {version!r})",
        )
        _shape(
            version == REPORT_VERSION,
            where,
            f"has format version {version}; this gate reads version {REPORT_VERSION}"
            " (use a statuspage-contract release that knows it)",
        )


def _validate_site(data: Any, where: str) -> None:
    _check_header(data, where, required=False)
    _shape(data.get("verdict") in ("passed", "failed"), where, "verdict must be passed or failed")
    run = data.get("run")
    _shape(isinstance(run, dict), where, "'run' must be an object")
    _shape(isinstance(run.get("site"), str) and bool(run["site"]), where, "run.site must be a name")
    rules = data.get("rules")
    _shape(isinstance(rules, dict) and bool(rules), where, "'rules' must be a non-empty object")
    for name, rule in rules.items():
        at = f"{where}: rules.{name}"
        _shape(isinstance(rule, dict), at, "must be an object")
        _shape(isinstance(rule.get("required"), bool), at, "'required' must be true or false")
        status = rule.get("status")
        _shape(status in RULE_STATUSES, at, f"status must be one of {', '.join(RULE_STATUSES)}")
        for key in ("passed", "failed", "skipped"):
            _shape(_is_count(rule.get(key)), at, f"'{key}' must be a count (integer >= 0)")
        expected = (
            "failed"
            if rule["failed"]
            else "passed"
            if rule["passed"]
            else "skipped"
            if rule["skipped"]
            else "not-run"
        )
        _shape(
            status == expected,
            at,
            f"status {status!r} contradicts its counts (passed {rule['passed']},"
            f" failed {rule['failed']}, skipped {rule['skipped']})",
        )
    codes = data.get("status_codes")
    _shape(isinstance(codes, dict), where, "'status_codes' must be an object")
    for operation, entry in codes.items():
        at = f"{where}: status_codes[{operation!r}]"
        _shape(isinstance(entry, dict), at, "must be an object")
        for part in ("documented", "undocumented"):
            counts = entry.get(part)
            _shape(isinstance(counts, dict), at, f"'{part}' must be an object")
            _shape(
                all(_is_count(n) for n in counts.values()),
                at,
                f"'{part}' must map status codes to counts",
            )
    _shape(isinstance(data.get("failures"), list), where, "'failures' must be a list")
    tests = data.get("tests")
    _shape(isinstance(tests, dict), where, "'tests' must be an object")
    errors = tests.get("errors_without_rule")
    _shape(
        isinstance(errors, list) and all(isinstance(e, str) for e in errors),
        where,
        "tests.errors_without_rule must be a list of test ids",
    )
    _check_consistency(data, where)


def _check_consistency(data: dict[str, Any], where: str) -> None:
    """The counts must tell one story: the gate trusts only what it can recompute."""
    run, rules, tests = data["run"], data["rules"], data["tests"]
    for key in ("total", "passed", "failed", "skipped"):
        _shape(_is_count(tests.get(key)), where, f"tests.{key} must be a count (integer >= 0)")
    _shape(
        tests["total"] == tests["passed"] + tests["failed"] + tests["skipped"],
        where,
        "tests.total is not tests.passed + tests.failed + tests.skipped",
    )
    _shape(_is_count(run.get("requests")), where, "run.requests must be a count (integer >= 0)")
    failing = {name for name, rule in rules.items() if rule["failed"]}
    recorded: set[str] = set()
    for i, failure in enumerate(data["failures"]):
        rule = failure.get("rule") if isinstance(failure, dict) else None
        _shape(isinstance(rule, str), where, f"failures[{i}] names no rule")
        recorded.add(str(rule))
    _shape(
        recorded <= failing,
        where,
        f"failures[] records {', '.join(sorted(recorded - failing))}, which rules says passed",
    )
    _shape(
        failing <= recorded,
        where,
        f"rules says {', '.join(sorted(failing - recorded))} failed but failures[] has no record",
    )
    _shape(
        not tests["failed"] or bool(failing) or bool(tests["errors_without_rule"]),
        where,
        "tests.failed counts failed tests, but no rule failed and no test error is named",
    )
    _shape(
        not tests["errors_without_rule"] or tests["failed"] >= len(tests["errors_without_rule"]),
        where,
        "tests.errors_without_rule names more tests than tests.failed counts",
    )
    _shape(isinstance(run.get("mock_faults", []), list), where, "run.mock_faults must be a list")
    _shape(
        not (run.get("aborted") or run.get("left_behind")) or run.get("complete") is not True,
        where,
        "run.complete is true, but the run says it was aborted",
    )
    decision = decide_site(data)
    _shape(
        (data["verdict"] == "passed") == (decision.verdict is Verdict.HOLDS),
        where,
        f"verdict {data['verdict']!r} contradicts the rules and tests it records "
        f"(recomputed: {decision.verdict.value})",
    )


def check_gateable(report: Mapping[str, Any], where: str) -> None:
    """An aborted, interrupted or empty run cannot let a release go: the gate cannot decide
    (exit 2), whatever the rest of the report says."""
    run, tests = report["run"], report["tests"]
    stopped = run.get("left_behind") or run.get("aborted")
    _shape(not stopped, where, f"the run was aborted ({stopped}): it cannot let a release go")
    _shape(run.get("complete") is True, where, "the run did not finish (run.complete is not true)")
    _shape(
        tests["total"] > 0 and run["requests"] > 0,
        where,
        "nothing was tested (no test ran or no request was sent)",
    )


def validate_report(data: Any, where: str = "report") -> dict[str, Any]:
    """Check a parsed report's format, version and shape; return it or raise GateInputError."""
    _check_header(data, where, required=True)
    kind = data.get("kind")
    if kind is None:
        _validate_site(data, where)
        return dict(data)
    _shape(kind == COMBINED_KIND, where, f"has an unknown kind {kind!r}")
    _shape(data.get("verdict") in ("passed", "failed"), where, "verdict must be passed or failed")
    sites = data.get("sites")
    _shape(
        isinstance(sites, dict | list) and bool(sites),
        where,
        "a combined report needs a non-empty 'sites'",
    )
    for name, site in _site_items(sites):
        _validate_site(site, f"{where}: site {name}")
    names = [name for name, _ in _site_items(sites)]
    _shape(len(names) == len(set(names)), where, "names a site twice")
    return dict(data)


def _site_items(sites: Any) -> list[tuple[str, Any]]:
    if isinstance(sites, dict):
        return [(str(name), site) for name, site in sites.items()]
    return [
        (str(site.get("run", {}).get("site")) if isinstance(site, dict) else f"#{i + 1}", site)
        for i, site in enumerate(sites)
    ]


def is_combined(report: Mapping[str, Any]) -> bool:
    return report.get("kind") == COMBINED_KIND


def site_reports(report: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A validated report's per-site reports by site name (one for a single-site report)."""
    if is_combined(report):
        return dict(_site_items(report["sites"]))
    return {str(report["run"]["site"]): dict(report)}


# -- the decision ---------------------------------------------------------------------------
@dataclass(frozen=True)
class GateLine:
    """One verdict of the gate: a rule on a site, or a coverage or test-run check."""

    status: LineStatus
    subject: str
    reason: str
    site: str
    blocking: bool
    waiver: Waiver | None = None

    def text(self, with_site: bool = False) -> str:
        where = f"[{self.site}] " if with_site else ""
        return f"{self.status:<{STATUS_WIDTH}}  {where}{self.subject}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "subject": self.subject,
            "reason": self.reason,
            "site": self.site,
            "blocking": self.blocking,
            "waiver": self.waiver.to_dict() if self.waiver else None,
        }


@dataclass
class GateDecision:
    """The gate's answer: may the release go, and why (line by line)."""

    lines: list[GateLine]
    today: date
    sites: list[str]
    combined: bool = False
    baseline: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.blocking

    @property
    def blocking(self) -> list[GateLine]:
        return [line for line in self.lines if line.blocking]

    @property
    def exit_code(self) -> int:
        return EXIT_PASS if self.passed else EXIT_BLOCKED

    @property
    def summary(self) -> str:
        if self.passed:
            waived = sum(1 for line in self.lines if line.status == "WAIVED")
            extra = f" ({waived} waived line(s): see WAIVED above)" if waived else ""
            return f"RELEASE MAY GO: no rule fails and every required rule was exercised{extra}"
        subjects = []
        for line in self.blocking:
            label = f"{line.subject} on {line.site}" if self.combined else line.subject
            if label not in subjects:
                subjects.append(label)
        shown = ", ".join(subjects[:8]) + (", ..." if len(subjects) > 8 else "")
        return f"RELEASE BLOCKED by {len(self.blocking)} line(s): {shown}"

    def text_lines(self) -> list[str]:
        return [line.text(self.combined) for line in self.lines] + [
            f"note: {note}" for note in self.notes
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "exit_code": self.exit_code,
            "summary": self.summary,
            "today": self.today.isoformat(),
            "sites": list(self.sites),
            "combined": self.combined,
            "baseline": self.baseline,
            "lines": [line.to_dict() for line in self.lines],
            "notes": list(self.notes),
        }

    def _repr_html_(self) -> str:
        colour = {"PASS": "#1a7f37", "FAIL": "#cf222e", "WAIVED": "#9a6700"}
        head = "<th>Site</th>" if self.combined else ""
        rows = []
        for line in self.lines:
            style = f"color:{colour.get(line.status, '#9a6700')};font-weight:600"
            site = f"<td>{html.escape(line.site)}</td>" if self.combined else ""
            rows.append(
                f'<tr>{site}<td style="{style}">{html.escape(line.status)}</td>'
                f"<td><code>{html.escape(line.subject)}</code></td>"
                f"<td>{html.escape(line.reason)}</td></tr>"
            )
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        verdict = colour["PASS"] if self.passed else colour["FAIL"]
        return (
            f'<div><p style="font-weight:700;color:{verdict}">{html.escape(self.summary)}</p>'
            f"<table><thead><tr>{head}<th>Status</th><th>Check</th><th>Why</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            + (f"<ul>{notes}</ul>" if notes else "")
            + "</div>"
        )


def _waiver_for(
    rule: str, site: str, waivers: Iterable[Waiver], today: date
) -> tuple[Waiver | None, list[Waiver]]:
    """The waiver in force for ``rule`` on ``site`` (site-specific first), and expired ones."""
    matching = [w for w in waivers if w.covers(rule, site)]
    active = sorted((w for w in matching if not w.expired(today)), key=lambda w: w.site is None)
    expired = [w for w in matching if w.expired(today)]
    return (active[0] if active else None), expired


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _shorten(text: str, limit: int = MESSAGE_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rule_passed(rule: Mapping[str, Any]) -> bool:
    return rule.get("status") == "passed"


def _site_lines(
    site: str,
    report: Mapping[str, Any],
    baseline: Mapping[str, Any] | None,
    waivers: list[Waiver],
    today: date,
    used: set[Waiver],
) -> list[GateLine]:
    lines: list[GateLine] = []

    def judge(subject: str, status: LineStatus, reason: str, *, waivable: bool = True) -> None:
        if status not in ("FAIL", "NOT EXERCISED"):
            lines.append(GateLine(status, subject, reason, site, blocking=False))
            return
        waiver, expired = _waiver_for(subject, site, waivers, today) if waivable else (None, [])
        if waiver is not None:
            used.add(waiver)
            where = f" for {waiver.site}" if waiver.site else ""
            lines.append(
                GateLine(
                    "WAIVED",
                    subject,
                    f"{reason}; waived{where} until {waiver.expires}: {waiver.reason}",
                    site,
                    blocking=False,
                    waiver=waiver,
                )
            )
            return
        for w in expired:
            used.add(w)
            reason += f"; a waiver expired on {w.expires} and no longer counts ({w.reason})"
        lines.append(GateLine(status, subject, reason, site, blocking=True))

    kind = site_kind(site)
    faults = report["run"].get("mock_faults") or []
    if faults:
        judge(
            "mock-faults",
            "FAIL",
            f"the report comes from the embedded mock with faults turned on "
            f"({', '.join(map(str, faults))}): it proves the suite, it cannot let a release go",
            waivable=False,
        )
    rules: Mapping[str, Any] = report["rules"]
    base_rules: Mapping[str, Any] = baseline["rules"] if baseline else {}
    first_message: dict[str, str] = {}
    for failure in report["failures"]:
        if isinstance(failure, dict) and isinstance(failure.get("rule"), str):
            where = f"{failure.get('operation')}: " if failure.get("operation") else ""
            first_message.setdefault(failure["rule"], f"{where}{failure.get('message', '')}")

    for name, rule in rules.items():
        passed, failed = rule["passed"], rule["failed"]
        checks = passed + failed
        was_passing = name in base_rules and _rule_passed(base_rules[name])
        if failed:
            reason = f"{failed} of {_n(checks, 'check')} failed"
            if was_passing:
                reason += " (regression: it passed in the baseline)"
            if name in first_message:
                reason += f", e.g. {_shorten(first_message[name])}"
            judge(name, "FAIL", reason)
        elif checks == 0:
            why = f"no check passed or failed (status {rule['status']}"
            if rule.get("skip_reasons"):
                why += "; skipped: " + "; ".join(map(str, rule["skip_reasons"]))
            why += ")"
            if name in RULES and RULES[name].is_required(kind):
                judge(name, "NOT EXERCISED", f"required on a {kind} site, but {why}")
            elif was_passing:
                judge(name, "FAIL", f"passed in the baseline, now not exercised: {why}")
            else:
                lines.append(
                    GateLine("NOT EXERCISED", name, f"not required; {why}", site, blocking=False)
                )
        else:
            judge(name, "PASS", f"{_n(passed, 'check')} passed")

    for name, known in RULES.items():  # required rules this toolkit knows but the report lacks
        if known.is_required(kind) and name not in rules:
            judge(name, "NOT EXERCISED", "required, but missing from the report")

    errors = report["tests"]["errors_without_rule"]
    if errors:
        shown = ", ".join(errors[:3]) + (", ..." if len(errors) > 3 else "")
        judge(
            "tests",
            "FAIL",
            f"{_n(len(errors), 'test')} failed without breaking a rule (suite or site error):"
            f" {shown}",
            waivable=False,
        )

    if baseline is not None:
        lines += _coverage_lines(site, report, baseline)
    order = {"FAIL": 0, "NOT EXERCISED": 1, "WAIVED": 2, "PASS": 3}
    return sorted(lines, key=lambda line: (not line.blocking, order[line.status]))


def _coverage_lines(
    site: str, report: Mapping[str, Any], baseline: Mapping[str, Any]
) -> list[GateLine]:
    """Documented status codes exercised in the baseline must still be exercised."""
    lines: list[GateLine] = []
    now: Mapping[str, Any] = report["status_codes"]
    same_contract = report["run"].get("contract_sha256") == baseline["run"].get("contract_sha256")
    compared = 0
    for operation, entry in baseline["status_codes"].items():
        for code, before in entry["documented"].items():
            if not before:
                continue
            current = now.get(operation, {}).get("documented", {}).get(code)
            if current is None and not same_contract:
                continue  # the contract changed and no longer documents it: nothing to compare
            compared += 1
            if not current:
                lines.append(
                    GateLine(
                        "FAIL",
                        f"{operation} {code}",
                        f"documented status {code} was seen {_n(before, 'time')} in the"
                        " baseline, never in this run",
                        site,
                        blocking=True,
                    )
                )
    if not lines:
        lines.append(
            GateLine(
                "PASS",
                "status-code coverage",
                f"all {compared} documented status codes exercised in the baseline still are",
                site,
                blocking=False,
            )
        )
    return lines


def evaluate(
    report: Mapping[str, Any],
    *,
    baseline: Mapping[str, Any] | None = None,
    waivers: Iterable[Waiver] = (),
    today: date | None = None,
) -> GateDecision:
    """Decide whether a release may go. ``report`` and ``baseline`` must be validated reports."""
    today = today or datetime.now(UTC).date()
    waivers = list(waivers)
    current = site_reports(report)
    before = site_reports(baseline) if baseline is not None else None
    combined = is_combined(report)
    if before is not None and not combined:
        (site,) = current
        if site not in before:
            raise GateInputError(
                f"the baseline has no results for site {site} (it has: {', '.join(before)})"
            )
    lines: list[GateLine] = []
    notes: list[str] = []
    used: set[Waiver] = set()
    for site, site_report in current.items():
        check_gateable(site_report, f"site {site}")
        base = before.get(site) if before is not None else None
        if before is not None and base is None:
            notes.append(f"site {site} is not in the baseline: nothing to compare it with")
        lines += _site_lines(site, site_report, base, waivers, today, used)
    if before is not None and combined:
        for site in before:
            if site not in current:
                lines.append(
                    GateLine(
                        "FAIL",
                        "site",
                        "tested in the baseline, missing from this report",
                        site,
                        blocking=True,
                    )
                )
    for waiver in waivers:
        if waiver.expired(today):
            notes.append(
                f"the waiver for {waiver.label} expired on {waiver.expires} and no longer counts:"
                " renew it with a new date or remove it"
            )
        elif waiver not in used:
            notes.append(f"the waiver for {waiver.label} was not needed: consider removing it")
    return GateDecision(
        lines=lines,
        today=today,
        sites=list(current),
        combined=combined,
        baseline=baseline is not None,
        notes=notes,
    )


def gate(
    report: Path | str,
    baseline: Path | str | None = None,
    waivers: Path | str | None = None,
    today: date | None = None,
) -> GateDecision:
    """Load the files and decide (raises GateInputError on an untrustworthy input)."""
    current = load_report(Path(report))
    before = load_report(Path(baseline), "baseline") if baseline is not None else None
    return decide(current, baseline=before, waivers=waivers, today=today)


def decide(
    current: Mapping[str, Any],
    *,
    baseline: Mapping[str, Any] | None = None,
    waivers: str | Path | None = None,
    today: date | None = None,
) -> GateDecision:
    """Decide on loaded reports, reading the waivers file (its rules may name any rule the
    toolkit or either report knows)."""
    known = set(RULES)
    for r in (current, baseline):
        if r is not None:
            for site in site_reports(r).values():
                known |= set(site["rules"])
    found = load_waivers(Path(waivers), known) if waivers is not None else []
    return evaluate(current, baseline=baseline, waivers=found, today=today)


# -- command line ---------------------------------------------------------------------------
def _date_argument(value: str) -> date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {value!r}") from None


def add_gate_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``gate`` subcommand's arguments."""
    parser.description = (
        "Decide from a contract report whether a release may go. Exit 0: it may go;"
        " 1: it must not (the output says why, rule by rule); 2: an input is missing or invalid."
    )
    parser.add_argument(
        "report", metavar="REPORT", help="contract-report.json (or the report directory)"
    )
    parser.add_argument(
        "--baseline",
        metavar="OLD_REPORT",
        help="an earlier report: no rule that passed there may fail now, and no documented"
        " status code exercised there may go unexercised now",
    )
    parser.add_argument(
        "--waivers",
        metavar="FILE",
        help="TOML file of [[waiver]] tables (rule, optional site, reason, expires YYYY-MM-DD)",
    )
    parser.add_argument(
        "--today",
        type=_date_argument,
        metavar="YYYY-MM-DD",
        help="the date waivers expire against (default: today, UTC)",
    )


def gate_main(args: argparse.Namespace) -> int:
    """Run the gate for parsed arguments; print the decision; return the exit code."""
    try:
        decision = gate(args.report, args.baseline, args.waivers, args.today)
    except GateInputError as exc:
        print(f"statuspage-contract gate: error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:  # fail closed, in one line, whatever went wrong
        print(
            f"statuspage-contract gate: error: could not decide ({type(exc).__name__}: {exc})",
            file=sys.stderr,
        )
        return EXIT_INVALID
    sites = ", ".join(decision.sites)
    extras = [f"site{'s' if len(decision.sites) > 1 else ''} {sites}"]
    if args.baseline:
        extras.append(f"baseline {args.baseline}")
    if args.waivers:
        extras.append(f"waivers {args.waivers}")
    extras.append(f"today {decision.today}")
    print(f"statuspage-contract gate: {args.report} ({'; '.join(extras)})")
    for text in decision.text_lines():
        print(text)
    print(decision.summary)
    return decision.exit_code
