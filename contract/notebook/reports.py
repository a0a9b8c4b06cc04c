"""Contract reports in a notebook: read them (the gate's strict reader,
:mod:`statuspage_contract.report.reader`), tabulate, plot and compare them."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..report.build import combine, with_decision
from ..report.format import JSON_NAME
from ..report.reader import is_combined, site_reports, validate_report
from ..report.reader import load_report as read_report
from . import plots
from .display import clean, frame, rule_kind
from .html import badge, code, render, status_badge

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = [
    "ContractReport",
    "compare_reports",
    "load_report",
    "reports_root",
    "resolve_report_path",
]

#: Failures shown in a report's HTML (the frames have them all).
FAILURES_SHOWN = 5
#: The columns of :meth:`ContractReport.sites_frame`.
SITE_COLUMNS = [
    "site",
    "verdict",
    "mock_faults",
    "requests",
    "duration_s",
    "rules_passed",
    "rules_failed",
    "required_unexercised",
    "tests_passed",
    "tests_failed",
    "finished",
]


def reports_root(root: str | Path | None = None) -> Path:
    """The reports directory: ``root``, else ./reports or ../reports (from notebooks/)."""
    if root is not None:
        return Path(root)
    for candidate in (Path("reports"), Path("..") / "reports"):
        if candidate.is_dir():
            return candidate
    return Path("reports")


def resolve_report_path(path: str | Path | None) -> Path:
    """A report file: ``path``, its report in a directory, or the default report."""
    if path is None:
        return reports_root() / JSON_NAME
    path = Path(path)
    return path / JSON_NAME if path.is_dir() else path


def _status(rule: Mapping[str, Any]) -> str:
    return str(rule.get("status", "not-run"))


def _unexercised(rules: Any) -> int:
    return sum(r["required"] and not r["passed"] + r["failed"] for r in rules)


def _faults(run: Mapping[str, Any]) -> str:
    return ", ".join(map(str, run.get("mock_faults") or []))


class ContractReport:
    """A contract report (``contract-report.json``; single-site or combined), for reading."""

    def __init__(self, data: Mapping[str, Any], path: Path | None = None) -> None:
        self.data: dict[str, Any] = validate_report(dict(data), str(path or "report"))
        self.path = path

    # -- facts ------------------------------------------------------------------------------
    @property
    def verdict(self) -> str:
        return str(self.data["verdict"])

    @property
    def passed(self) -> bool:
        return self.verdict == "passed"

    @property
    def combined(self) -> bool:
        return is_combined(self.data)

    @property
    def sites(self) -> list[str]:
        return list(site_reports(self.data))

    def site(self, name: str) -> ContractReport:
        """One site's report of a combined report."""
        reports = site_reports(self.data)
        if name not in reports:
            raise KeyError(f"no site {name!r} in this report; sites: {', '.join(reports)}")
        return ContractReport(reports[name], self.path)

    # -- tables -----------------------------------------------------------------------------
    def rules_frame(self) -> pd.DataFrame:
        """One row per site and rule: kind, required, status, passed/failed/skipped counts."""
        rows = [
            {
                "site": site,
                "rule": name,
                "kind": r.get("kind", ""),
                "required": r.get("required", True),
                "status": _status(r),
                "passed": r["passed"],
                "failed": r["failed"],
                "skipped": r["skipped"],
                "exercised": r["passed"] + r["failed"] > 0,
            }
            for site, report in site_reports(self.data).items()
            for name, r in report["rules"].items()
        ]
        columns = ["site", "rule", "kind", "required", "status", "passed", "failed", "skipped"]
        return frame(rows, [*columns, "exercised"])

    to_frame = rules_frame

    def status_frame(self) -> pd.DataFrame:
        """One row per site, operation and status code: documented?, times answered."""
        rows = [
            {
                "site": site,
                "operation": op,
                "status": int(code) if code.isdigit() else code,
                "documented": group == "documented",
                "count": n,
            }
            for site, report in site_reports(self.data).items()
            for op, entry in report["status_codes"].items()
            for group in ("documented", "undocumented")
            for code, n in entry[group].items()
        ]
        return frame(rows, ["site", "operation", "status", "documented", "count"])

    def failures_frame(self) -> pd.DataFrame:
        """One row per recorded failure: site, rule, operation, test, message, reproduction."""
        rows = [
            {**f, "site": site}
            for site, report in site_reports(self.data).items()
            for f in report["failures"]
            if isinstance(f, dict)
        ]
        columns = ["site", "rule", "operation", "test", "message", "occurrences", "reproduction"]
        return frame(rows, columns)

    def sites_frame(self) -> pd.DataFrame:
        """One row per site: verdict, faults, requests, duration, rule and test counts."""
        rows = []
        for site, report in site_reports(self.data).items():
            rules = report["rules"].values()
            run, tests = report["run"], report["tests"]
            rows.append(
                {
                    "site": site,
                    "verdict": report["verdict"],
                    "mock_faults": _faults(run),
                    "requests": run.get("requests"),
                    "duration_s": run.get("duration_seconds"),
                    "rules_passed": sum(r["status"] == "passed" for r in rules),
                    "rules_failed": sum(r["status"] == "failed" for r in rules),
                    "required_unexercised": _unexercised(rules),
                    "tests_passed": tests.get("passed"),
                    "tests_failed": tests.get("failed"),
                    "finished": run.get("finished"),
                }
            )
        return frame(rows, SITE_COLUMNS)

    def comparison_frame(self) -> pd.DataFrame:
        """Rules by sites: each rule's status on each site (rules differing first)."""
        reports = site_reports(self.data)
        rows = []
        for name in plots.rule_names(reports):
            row: dict[str, Any] = {"rule": name}
            for site, report in reports.items():
                rule = report["rules"].get(name)
                row[site] = _status(rule) if rule else "absent"
            row["differs"] = len({row[s] for s in reports}) > 1
            rows.append(row)
        rows.sort(key=lambda r: not r["differs"])
        return frame(rows, ["rule", *reports, "differs"])

    # -- plots ------------------------------------------------------------------------------
    def plot_rules(self) -> Figure:
        """Bars of each rule's passed, failed and skipped checks, one panel per site."""
        return plots.plot_rules(self.data)

    def plot_status_codes(self) -> Figure:
        """Bars of how often each operation answered each status code, one panel per site."""
        return plots.plot_status_codes(self.data)

    # -- display ----------------------------------------------------------------------------
    def __repr__(self) -> str:
        where = f" {self.path}" if self.path else ""
        return clean(f"<ContractReport{where}: {self.verdict}, sites {', '.join(self.sites)}>")

    def _repr_html_(self) -> str:
        reports = site_reports(self.data)
        site_rows = [
            [
                site,
                badge(report["verdict"] == "passed", report["verdict"]),
                _faults(report["run"]) or "—",
                report["run"].get("requests"),
                f"{report['tests'].get('passed')} passed, {report['tests'].get('failed')} failed,"
                f" {report['tests'].get('skipped')} skipped",
                sum(r["status"] == "failed" for r in report["rules"].values()),
                _unexercised(report["rules"].values()),
            ]
            for site, report in reports.items()
        ]
        rule_rows = []
        for name in plots.rule_names(reports):
            cells: list[Any] = [code(name), rule_kind(name)]
            for report in reports.values():
                r = report["rules"].get(name)
                counts = f" ({r['passed']}✓ {r['failed']}✗)" if r else ""
                cells.append(status_badge(_status(r)) + counts if r else "absent")
            rule_rows.append(cells)
        failures = [(s, f) for s, r in reports.items() for f in r["failures"]]
        shown = [
            {
                "title": f"{f'[{site}] ' if self.combined else ''}"
                f"{f.get('rule')}: {f.get('operation')}",
                "message": f.get("message", ""),
                "reproduction": f.get("reproduction"),
            }
            for site, f in failures[:FAILURES_SHOWN]
        ]
        more = len(failures) > FAILURES_SHOWN
        return render(
            "report.html.j2",
            badge=badge(self.passed),
            title=f"Contract report{': ' + str(self.path) if self.path else ''}",
            site_rows=site_rows,
            sites=list(reports),
            rule_rows=rule_rows,
            failures=shown,
            more=f" (first {FAILURES_SHOWN} of {len(failures)})" if more else "",
        )


def load_report(path: str | Path | None = None) -> ContractReport:
    """Load and validate a report (a file or a report directory; default reports/)."""
    resolved = resolve_report_path(path)
    return ContractReport(read_report(resolved), resolved)


def compare_reports(reports: Mapping[str, str | Path | ContractReport]) -> ContractReport:
    """One combined report of single-site reports, each shown under the label given.

    Useful to compare runs of the same site (e.g. the healthy mock and a faulty one).
    """
    parts = []
    for label, value in reports.items():
        report = value if isinstance(value, ContractReport) else load_report(value)
        if report.combined:
            raise ValueError(f"{label}: compare single-site reports, not a combined one")
        data = copy.deepcopy(report.data)
        data["run"]["site"] = label
        parts.append(with_decision(data))  # the label is the site the decision judges
    return ContractReport(combine(parts))
