"""Build and write contract reports (format documented in reports/README.md)."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import __version__
from ..redact import redact
from .format import (
    COMBINED_KIND,
    JSON_NAME,
    PROXY_KIND,
    REPORT_FORMAT,
    REPORT_VERSION,
    SCRATCH_PREFIX,
    STALE_FILES,
    UNFINISHED_KIND,
    rule_status,
)
from .presentation import collapse_repeats
from .record import RunRecord
from .renderers import RENDERERS


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
    """The machine-readable report of one site's run, whole (``waivers``: those in force for
    the run, as ``Waiver.to_dict`` gives them; the report records those that cover its site;
    a record of passive traffic gives ``run.kind``, ``run.proxy`` and the tests)."""
    from ..rules import site_kind
    from ..spec import load_contract  # here: `gate` reads reports without the contract

    contract = load_contract()
    rec = run.recorder
    info = run.target_info or {}
    finished = run.finished or time.time()
    statuses: dict[str, dict[str, Any]] = {}
    for op in contract.operations_by_id.values():  # every resource's, in the document's order
        seen = rec.statuses.get(op.label, Counter())
        statuses[op.label] = {
            "documented": {str(s): seen.get(s, 0) for s in op.statuses},
            "undocumented": {str(s): n for s, n in sorted(seen.items()) if s not in op.responses},
        }
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
            "requests": rec.requests if run.passive is None else run.passive.requests,
            "request_counts": run.request_counts().to_dict(),
            "complete": complete,
            "aborted": run.aborted,
            "left_behind": run.left_behind,
            "account_at_preflight": info.get("account_at_preflight"),
            "safety_events": collapse_repeats(info.get("safety_events", [])),
            "budget_spent": info.get("budget_spent"),
            "waivers": [dict(w) for w in waivers if w.get("site") in (None, site)],
            "pytest_exit_status": exitstatus,
            **_passive(run),
        },
        "rules": rec.rules_summary(site_kind(site)),
        "status_codes": statuses,
        "failures": rec.failures,
        "edges": rec.edges_summary(),
        **({"plan": info["plan"]} if info.get("plan") else {}),
        "tests": _tests(rec.tests) if run.passive is None else run.passive.tests,
    }
    return with_decision(report)


def _passive(run: RunRecord) -> dict[str, Any]:
    """What the report's ``run`` says of passive traffic (nothing for a suite run)."""
    return {} if run.passive is None else {"kind": PROXY_KIND, "proxy": run.passive.section}


def _tests(tests: list[dict[str, Any]]) -> dict[str, Any]:
    """The report's ``tests`` section of a suite run, from the tests the recorder saw."""
    errors = [t for t in tests if t["outcome"] == "failed" and not t["rules"]]
    return {
        "total": len(tests),
        "passed": sum(t["outcome"] == "passed" for t in tests),
        "failed": sum(t["outcome"] == "failed" for t in tests),
        "skipped": sum(t["outcome"] == "skipped" for t in tests),
        "errors_without_rule": [t["nodeid"] for t in errors],
        "skip_reasons": sorted({t["why"] for t in tests if t.get("why")}),
    }


def with_decision(report: dict[str, Any]) -> dict[str, Any]:
    """Set a site report's ``decision`` (see statuspage_contract.report.decision) and its
    ``verdict``."""
    from .decision import Decision, decide_site

    decision = decide_site(report)
    report["decision"] = decision.to_dict()
    report["verdict"] = "passed" if decision.verdict is Decision.HOLDS else "failed"
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
        _merge_request_counts(run, other)
        run["complete"] = run["complete"] and other["complete"]
        # the worst worker's status (0 passed, 1 tests failed, 2+ interrupted or errors)
        statuses = [r["pytest_exit_status"] for r in (run, other) if "pytest_exit_status" in r]
        if statuses:
            run["pytest_exit_status"] = max(statuses)
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
            mine["status"] = rule_status(mine)
        for op, codes in report["status_codes"].items():
            for group in ("documented", "undocumented"):
                for code, n in codes[group].items():
                    bucket = into["status_codes"][op][group]
                    bucket[code] = bucket.get(code, 0) + n
        into["failures"] += report["failures"]
        if "plan" in into and "plan" in report:
            from ..plan.compare import merge_sections

            into["plan"] = merge_sections(into["plan"], report["plan"])
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


def _merge_request_counts(run: dict[str, Any], other: Mapping[str, Any]) -> None:
    """Add ``other``'s ``run.request_counts`` into ``run``'s (a report without them, from
    before they were recorded, leaves the merged report without them)."""
    mine, theirs = run.get("request_counts"), other.get("request_counts")
    if mine is None or theirs is None:
        run.pop("request_counts", None)
        return
    mine["total"] += theirs["total"]
    mine["state_control"] += theirs["state_control"]
    by_operation = mine["by_operation"]
    for op, n in theirs["by_operation"].items():
        by_operation[op] = by_operation.get(op, 0) + n


def combine(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """One report over several sites; it passes only when every site passes."""
    from .decision import Decision, decide_site, worst

    sites = {r["run"]["site"]: r for r in reports}
    decision = worst(decide_site(r) for r in reports)
    return {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "kind": COMBINED_KIND,
        "verdict": "passed" if decision.verdict is Decision.HOLDS else "failed",
        "decision": {**decision.to_dict(), "site": decision.site},
        "sites": sites,
    }


def _atomic_write(path: Path, text: str) -> None:
    """Write ``path`` whole or not at all: a temporary file beside it (named so that the next
    run's :func:`begin_run` removes it if a kill left it), then one rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def unfinished_marker(reason: str) -> dict[str, Any]:
    """What stands in contract-report.json while a run has not written its reports."""
    return {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "kind": UNFINISHED_KIND,
        "verdict": "failed",
        "unfinished": {"since": _iso(time.time()), "pid": os.getpid(), "reason": reason},
    }


#: The marker's reason while the run is under way (or after it was killed).
UNDER_WAY = (
    "the run writing this report has not finished: it is still running, or it was killed or "
    "stopped before it could write its reports"
)


def mark_unfinished(report_dir: Path, reason: str = UNDER_WAY) -> None:
    """Put the unfinished marker, with ``reason``, in place of ``report_dir``'s report."""
    _atomic_write(report_dir / JSON_NAME, json.dumps(unfinished_marker(redact(reason))) + "\n")


def _is_stale(entry: Path) -> bool:
    name = entry.name
    return name in STALE_FILES or any(name.startswith(f".{n}.") for n in STALE_FILES)


def begin_run(report_dir: Path) -> None:
    """Before a run may be refused, stopped or killed: no earlier report survives in
    ``report_dir`` or its per-site folders, only the unfinished marker (which the gate
    refuses) until :func:`write_all` has written every new file.

    First every contract-report.json becomes the marker (one atomic rename each), then
    every other report file and interrupted write goes, then the per-site markers:
    whenever the run dies, the gate finds no decision, never the previous one.
    Raises OSError when the folder cannot be made or written."""
    report_dir.mkdir(parents=True, exist_ok=True)
    folders = [report_dir, *(p for p in sorted(report_dir.iterdir()) if _plain_dir(p))]
    for folder in folders:
        if folder == report_dir or (folder / JSON_NAME).exists():
            mark_unfinished(folder)
    for folder in folders:
        for entry in list(folder.iterdir()):
            if entry.name != JSON_NAME and _is_stale(entry) and not entry.is_dir():
                entry.unlink(missing_ok=True)
    for folder in folders[1:]:
        (folder / JSON_NAME).unlink(missing_ok=True)


def remove_scratch(report_dir: Path) -> None:
    """Remove the scratch folders (:data:`SCRATCH_PREFIX`) a killed run left in
    ``report_dir``; ``run`` calls it before it makes its own."""
    for entry in report_dir.glob(f"{SCRATCH_PREFIX}*"):
        if _plain_dir(entry):
            shutil.rmtree(entry, ignore_errors=True)


def _plain_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def write_all(reports: list[dict[str, Any]], report_dir: Path, *, multi_site: bool) -> list[Path]:
    """Write one site's reports into ``report_dir``, or with several sites one folder per
    site plus the combined report at the top; the top contract-report.json last."""
    return write_files(render_all(reports, report_dir, multi_site=multi_site))


def render_all(
    reports: list[dict[str, Any]], report_dir: Path, *, multi_site: bool
) -> list[tuple[Path, str]]:
    """Every file :func:`write_all` writes, with its text, in the order to write them: the
    top contract-report.json (which replaces the unfinished marker) comes last."""
    reports = merge_same_site(reports)
    if not multi_site and len(reports) == 1:
        return render_reports(reports[0], report_dir)
    files: list[tuple[Path, str]] = []
    for report in reports:
        files += render_reports(report, report_dir / site_dir_name(report["run"]["site"]))
    return files + render_reports(combine(reports), report_dir)


def write_files(files: list[tuple[Path, str]]) -> list[Path]:
    """Write each (path, text), atomically, in order; the paths written."""
    for path, text in files:
        _atomic_write(path, text)
    return [path for path, _ in files]


def site_dir_name(site: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "_", site).strip("_") or "site"


def write_reports(report: dict[str, Any], report_dir: Path) -> list[Path]:
    """Write every report format into ``report_dir``; returns the paths written."""
    return write_files(render_reports(report, report_dir))


def render_reports(report: dict[str, Any], report_dir: Path) -> list[tuple[Path, str]]:
    """Every report format of one report, with its text; contract-report.json last, so that
    the JSON the gate reads never stands beside another run's HTML or summary."""
    return [(report_dir / r.file_name, r.render(report)) for r in RENDERERS]
