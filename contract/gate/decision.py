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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from ..errors import GateInputError
from ..exit_codes import ERROR, FAILED, OK
from ..report.presentation import shorten
from ..report.reader import (
    check_gateable,
    is_combined,
    load_report,
    site_reports,
)
from ..rules import RULES, site_kind
from .waivers import Waiver, load_waivers, recorded_waivers

#: The gate's exit codes (statuspage_contract.exit_codes).
EXIT_PASS, EXIT_BLOCKED, EXIT_INVALID = OK, FAILED, ERROR

#: Longest failure message quoted in a gate line.
MESSAGE_LIMIT = 120

LineStatus = Literal["PASS", "FAIL", "WAIVED", "NOT EXERCISED"]
STATUS_WIDTH = len("NOT EXERCISED")


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
    return shorten(text, limit, one_line=True)


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
    if waivers is not None:
        found = load_waivers(Path(waivers), known)
        return evaluate(current, baseline=baseline, waivers=found, today=today)
    # No waivers file: the waivers the run recorded as applied (run --waivers), so that the
    # gate decides as the run and its reports did (their expiry is checked against today).
    found = recorded_waivers(current, known)
    decision = evaluate(current, baseline=baseline, waivers=found, today=today)
    if found:
        decision.notes.append(
            f"{len(found)} waiver(s) recorded in the report by its run (run --waivers) were"
            " applied; give --waivers FILE to decide with a file instead"
        )
    return decision
