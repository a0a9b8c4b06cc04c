"""Build and write contract reports (format documented in reports/README.md)."""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from contract import __version__
from contract.redact import SECRETS, redact
from contract.report.presentation import collapse_repeats

if TYPE_CHECKING:  # the type only: `gate` reads reports without the recorder
    from contract.http.recorder import Recorder


class RunRecord(Protocol):
    """What a report is built from: one site's recorded run (the suite's ``SiteRun``, the
    proxy's session). Structural, so that this module imports no runner."""

    name: str
    recorder: Recorder
    started: float
    finished: float | None
    aborted: str | None
    left_behind: str | None
    target_info: dict[str, Any] | None


REPORT_FORMAT = "statuspage-contract-report"
REPORT_VERSION = 1
JSON_NAME = "contract-report.json"
HTML_NAME = "contract-report.html"
SUMMARY_NAME = "summary.md"
#: What can become of one edge input (the report's edges table counts each per category).
#: Every file a run writes into its report folder (junit.xml is pytest's own).
REPORT_FILES = (JSON_NAME, HTML_NAME, SUMMARY_NAME)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def build_report(
    run: RunRecord,
    *,
    profile: str,
    seed: Any,
    exitstatus: int,
    waivers: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The machine-readable report of one site's run (``waivers``: those in force for the run,
    as ``Waiver.to_dict`` gives them; the report records those that cover its site)."""
    from contract.rules import site_kind
    from contract.spec import load_contract  # here: `gate` reads reports without the contract

    contract = load_contract()
    rec = run.recorder
    info = run.target_info or {}
    finished = run.finished or time.time()
    statuses: dict[str, dict[str, Any]] = {}
    for op in contract.operations.values():
        seen = rec.statuses.get(op.label, Counter())
        statuses[op.label] = {
            "documented": {str(s): seen.get(s, 0) for s in op.statuses},
            "undocumented": {str(s): n for s, n in sorted(seen.items()) if s not in op.responses},
        }
    tests = rec.tests
    errors = [t for t in tests if t["outcome"] == "failed" and not t["rules"]]
    complete = run.aborted is None and run.left_behind is None and exitstatus in (0, 1)
    site = info.get("site", run.name)
    report = {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "verdict": "failed",
        "run": {
            "site": site,
            "site_kind": site_kind(site),
            "base_url": redact(str(info.get("base_url", ""))),
            "mock_faults": info.get("mock_faults", []),
            "toolkit_version": __version__,
            "contract_sha256": contract.sha256,
            "hypothesis_profile": profile,
            "hypothesis_seed": seed,
            "mutations_allowed": info.get("mutations_allowed", False),
            "existing_account": info.get("existing_account"),
            "started": _iso(run.started),
            "finished": _iso(finished),
            "duration_seconds": round(finished - run.started, 3),
            "requests": rec.requests,
            "complete": complete,
            "aborted": run.aborted,
            "left_behind": run.left_behind,
            "account_at_preflight": info.get("account_at_preflight"),
            "safety_events": collapse_repeats(info.get("safety_events", [])),
            "budget_spent": info.get("budget_spent"),
            "waivers": [dict(w) for w in waivers if w.get("site") in (None, site)],
            "pytest_exit_status": exitstatus,
        },
        "rules": rec.rules_summary(site_kind(site)),
        "status_codes": statuses,
        "failures": rec.failures,
        "edges": rec.edges_summary(),
        "tests": {
            "total": len(tests),
            "passed": sum(t["outcome"] == "passed" for t in tests),
            "failed": sum(t["outcome"] == "failed" for t in tests),
            "skipped": sum(t["outcome"] == "skipped" for t in tests),
            "errors_without_rule": [t["nodeid"] for t in errors],
            "skip_reasons": sorted({t["why"] for t in tests if t.get("why")}),
        },
    }
    return with_decision(report)


def with_decision(report: dict[str, Any]) -> dict[str, Any]:
    """Set a site report's ``decision`` (see contract.report.verdict) and its ``verdict``."""
    from contract.report.verdict import Verdict, decide_site

    decision = decide_site(report)
    report["decision"] = decision.to_dict()
    report["verdict"] = "passed" if decision.verdict is Verdict.HOLDS else "failed"
    return report


def merge_same_site(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Merge reports of one site written by several pytest-xdist workers."""
    by_site: dict[str, dict[str, Any]] = {}
    for report in reports:
        site = report["run"]["site"]
        if site not in by_site:
            by_site[site] = json.loads(json.dumps(report))
            continue
        into = by_site[site]
        run, other = into["run"], report["run"]
        run["started"] = min(run["started"], other["started"])
        run["finished"] = max(run["finished"], other["finished"])
        run["duration_seconds"] = max(run["duration_seconds"], other["duration_seconds"])
        run["requests"] += other["requests"]
        run["complete"] = run["complete"] and other["complete"]
        run["aborted"] = run["aborted"] or other["aborted"]
        run["budget_spent"] = run.get("budget_spent") or other.get("budget_spent")
        run["left_behind"] = run.get("left_behind") or other.get("left_behind")
        run["safety_events"] = collapse_repeats(
            run.get("safety_events", []) + other.get("safety_events", [])
        )
        for name, rule in report["rules"].items():
            mine = into["rules"][name]
            for key in ("passed", "failed", "skipped"):
                mine[key] += rule[key]
            mine["skip_reasons"] = sorted(set(mine["skip_reasons"]) | set(rule["skip_reasons"]))
            counts = (mine["failed"], mine["passed"], mine["skipped"])
            mine["status"] = (
                "failed"
                if counts[0]
                else "passed"
                if counts[1]
                else ("skipped" if counts[2] else "not-run")
            )
        for op, codes in report["status_codes"].items():
            for group in ("documented", "undocumented"):
                for code, n in codes[group].items():
                    bucket = into["status_codes"][op][group]
                    bucket[code] = bucket.get(code, 0) + n
        into["failures"] += report["failures"]
        for category, counts in report.get("edges", {}).items():
            mine = into.setdefault("edges", {}).setdefault(category, dict.fromkeys(counts, 0))
            for key, n in counts.items():
                mine[key] = mine.get(key, 0) + n
        for key in ("total", "passed", "failed", "skipped"):
            into["tests"][key] += report["tests"][key]
        into["tests"]["errors_without_rule"] += report["tests"]["errors_without_rule"]
        reasons = set(into["tests"].get("skip_reasons", []))
        into["tests"]["skip_reasons"] = sorted(
            reasons | set(report["tests"].get("skip_reasons", []))
        )
    return [with_decision(r) for r in by_site.values()]


def combine(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """One report over several sites; it passes only when every site passes."""
    from contract.report.verdict import Verdict, decide_site, worst

    sites = {r["run"]["site"]: r for r in reports}
    decision = worst(decide_site(r) for r in reports)
    return {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "kind": "combined",
        "verdict": "passed" if decision.verdict is Verdict.HOLDS else "failed",
        "decision": {**decision.to_dict(), "site": decision.site},
        "sites": sites,
    }


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def write_all(reports: list[dict[str, Any]], report_dir: Path, *, multi_site: bool) -> list[Path]:
    """Write one site's reports into ``report_dir``, or with several sites one folder per
    site plus the combined report at the top."""
    reports = merge_same_site(reports)
    if not multi_site and len(reports) == 1:
        return write_reports(reports[0], report_dir)
    written: list[Path] = []
    for report in reports:
        written += write_reports(report, report_dir / site_dir_name(report["run"]["site"]))
    return written + write_reports(combine(reports), report_dir)


def site_dir_name(site: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "_", site).strip("_") or "site"


def write_reports(report: dict[str, Any], report_dir: Path) -> list[Path]:
    """Write every report format into ``report_dir``; returns the paths written."""
    text = json.dumps(SECRETS.redact_tree(report), indent=2, ensure_ascii=False)
    leaks = SECRETS.leaks(text)
    if leaks:  # pragma: no cover - redact() makes this impossible; fail closed anyway
        raise RuntimeError("refusing to write a report that contains a secret")
    path = report_dir / JSON_NAME
    _atomic_write(path, text + "\n")
    written = [path]
    from contract.report.html import render_html  # Jinja2: only to write reports
    from contract.report.markdown import render_markdown

    for name, render in ((HTML_NAME, render_html), (SUMMARY_NAME, render_markdown)):
        target = report_dir / name
        _atomic_write(target, redact(render(report)))
        written.append(target)
    return written
