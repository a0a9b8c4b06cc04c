"""The report's view model: what every renderer shows, derived once from the report dict."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from ..judging.recorder import MAX_FAILURES_PER_RULE
from .format import RULE_STATUSES
from .presentation import collapse_repeats
from .reader import is_combined, site_reports


# -- report access --------------------------------------------------------------------------
def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _passed(verdict: Any) -> bool:
    return verdict == "passed"


def _word(report: dict[str, Any]) -> str:
    """The decision's verdict (HOLDS, VIOLATED, INCOMPLETE, ABORTED, NOTHING TESTED), or
    PASS / FAIL for a report written before decisions existed."""
    decided = _dict(report.get("decision")).get("verdict")
    if isinstance(decided, str) and decided:
        return decided
    return "PASS" if _passed(report.get("verdict")) else "FAIL"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _code_key(code: str) -> tuple[int, str]:
    return (int(code), code) if code.isdigit() else (10**6, code)


def _pretty_body(body: Any) -> str:
    if body is None:
        return ""
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):  # not JSON, or nested too deeply to pretty-print
        return text


# -- view model -----------------------------------------------------------------------------
def _run_items(run: dict[str, Any]) -> list[tuple[str, str]]:
    def show(value: Any) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list):
            return ", ".join(map(str, value)) or "none"
        return str(value)

    duration = run.get("duration_seconds")
    fields = [
        ("Site", run.get("site")),
        ("Base URL", run.get("base_url")),
        ("Mock faults", run.get("mock_faults") if "mock_faults" in run else None),
        ("Started", run.get("started")),
        ("Finished", run.get("finished")),
        ("Duration", f"{duration} s" if duration is not None else None),
        ("Requests", _requests_text(run)),
        ("Hypothesis profile", run.get("hypothesis_profile")),
        ("Hypothesis seed", run.get("hypothesis_seed")),
        ("Mutations allowed", run.get("mutations_allowed")),
        ("Toolkit version", run.get("toolkit_version")),
        ("Contract SHA-256", run.get("contract_sha256")),
    ]
    return [(label, show(value)) for label, value in fields]


def _requests_text(run: dict[str, Any]) -> Any:
    """``run.requests``, with how many were state control when the report says it."""
    control = _dict(run.get("request_counts")).get("state_control")
    requests = run.get("requests")
    return requests if control is None else f"{requests} ({control} state control)"


@cache
def _operation_ids() -> dict[str, str]:
    """The operationId of each operation's label ("METHOD /path"), as the contract has them
    (a report keys its operations by label; one of another contract shows its label only)."""
    from ..spec import load_contract

    return {op.label: op.operation_id for op in load_contract().operations_by_id.values()}


def _status_matrix(
    status_codes: dict[str, Any], by_operation: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Operations by status codes: how often each code was seen, and whether it is
    documented; each operation's requests (``run.request_counts.by_operation``; None when the
    report has no such counts)."""
    codes: set[str] = set()
    for entry in status_codes.values():
        codes |= set(_dict(_dict(entry).get("documented")))
        codes |= set(_dict(_dict(entry).get("undocumented")))
    columns = sorted(codes, key=_code_key)
    rows = []
    for operation, entry in status_codes.items():
        documented = _dict(_dict(entry).get("documented"))
        undocumented = _dict(_dict(entry).get("undocumented"))
        cells = []
        for code in columns:
            if code in documented:
                count = _int(documented[code])
                css = "seen" if count else "unseen"
                title = f"documented; seen {count} time(s)" if count else "documented; never seen"
                cells.append({"count": count, "css": css, "title": title, "text": str(count)})
            elif code in undocumented:
                count = _int(undocumented[code])
                title = f"NOT documented; seen {count} time(s)"
                cells.append({"count": count, "css": "undoc", "title": title, "text": str(count)})
            else:
                cells.append({"count": 0, "css": "na", "title": "not documented", "text": ""})
        rows.append(
            {
                "operation": str(operation),
                "operation_id": _operation_ids().get(str(operation), ""),
                "requests": None if by_operation is None else _int(by_operation.get(operation)),
                "cells": cells,
                "documented_total": len(documented),
                "documented_seen": sum(1 for n in documented.values() if _int(n)),
                "undocumented": [(c, _int(n)) for c, n in sorted(undocumented.items()) if _int(n)],
            }
        )
    return {"columns": columns, "rows": rows, "requests": by_operation is not None}


def _by_operation(run: dict[str, Any]) -> dict[str, Any] | None:
    counts = run.get("request_counts")
    return _dict(_dict(counts).get("by_operation")) if counts is not None else None


def _edges(edges: dict[str, Any]) -> list[dict[str, Any]]:
    """The edges table: per category, how many inputs, and what became of them."""
    rows = []
    for category, raw in edges.items():
        entry = _dict(raw)
        counts = {k: _int(entry.get(k)) for k in ("inputs", "passed", "failed", "skipped")}
        css = "failed" if counts["failed"] else "passed" if counts["passed"] else "skipped"
        rows.append({"category": str(category), "css": css, **counts})
    return rows


def _plan(section: dict[str, Any]) -> dict[str, Any] | None:
    """The run's requests against its plan (statuspage_contract.plan), or None without one."""
    if not section:
        return None
    rows = []
    for raw in _list(section.get("requests")):
        row = _dict(raw)
        bound = row.get("at_most")
        sent = _int(row.get("sent"))
        outside = sent and (not row.get("planned") or (bound is not None and sent > _int(bound)))
        rows.append(
            {
                "class": str(row.get("class")),
                "method": str(row.get("method")),
                "suite": _int(row.get("suite")),
                "at_most": "no bound" if bound is None else str(_int(bound)),
                "sent": sent,
                "css": "failed" if outside else "passed",
            }
        )
    budget = section.get("request_budget")
    return {
        "rows": rows,
        "outside": [str(o) for o in _list(section.get("outside"))],
        "judged": bool(section.get("judged")),
        "budget": f"{_int(budget)} requests" if budget else "unlimited",
    }


def _notices(run: dict[str, Any]) -> list[tuple[str, str]]:
    """What a reader must see first: why the run stopped, what it left behind, and any
    state change it observed that it did not intend."""
    out = []
    if run.get("aborted"):
        out.append(("Aborted", str(run["aborted"])))
    if run.get("left_behind"):
        out.append(("Left behind", str(run["left_behind"])))
    for event in collapse_repeats(str(e) for e in _list(run.get("safety_events"))):
        out.append(("State change", event))
    return out


def _waiver_notices(report: dict[str, Any]) -> list[tuple[str, str]]:
    """The waivers the run applied (``run --waivers``): what the decision did not count."""
    waived = {str(n) for n in _list(_dict(report.get("decision")).get("waived"))}
    out = []
    for raw in _list(_dict(report.get("run")).get("waivers")):
        w = _dict(raw)
        rule = str(w.get("rule") or "")
        where = f" on {w['site']}" if w.get("site") else ""
        label = "Waived" if rule in waived else "Waiver not needed"
        out.append((label, f"{rule}{where} until {w.get('expires')}: {w.get('reason')}"))
    return out


def _site_view(name: str, report: dict[str, Any], prefix: str) -> dict[str, Any]:
    run = _dict(report.get("run"))
    failures = []
    first_failure: dict[str, str] = {}
    for i, raw in enumerate(_list(report.get("failures"))):
        f = _dict(raw)
        response = _dict(f.get("response"))
        anchor = f"{prefix}failure-{i + 1}"
        rule = str(f.get("rule") or "")
        first_of_rule = rule not in first_failure
        first_failure.setdefault(rule, anchor)
        failures.append(
            {
                "anchor": anchor,
                "first_of_rule": first_of_rule,
                "rule": rule,
                "operation": str(f.get("operation") or ""),
                "test": str(f.get("test") or ""),
                "message": str(f.get("message") or ""),
                "reproduction": f.get("reproduction"),
                "occurrences": _int(f.get("occurrences")) or 1,
                "tests": _int(f.get("tests")) or 1,
                "has_response": bool(response),
                "status": response.get("status"),
                "headers": [(str(k), str(v)) for k, v in _dict(response.get("headers")).items()],
                "body": _pretty_body(response.get("body")),
            }
        )
    rule_order = list(first_failure)
    failures.sort(key=lambda f: rule_order.index(str(f["rule"])))
    recorded: dict[str, int] = {}
    for f in failures:
        recorded[str(f["rule"])] = recorded.get(str(f["rule"]), 0) + _int(f["occurrences"])
    rules = []
    counts = dict.fromkeys(RULE_STATUSES, 0)
    for rule_name, raw in _dict(report.get("rules")).items():
        r = _dict(raw)
        status = str(r.get("status") or "not-run")
        counts[status] = counts.get(status, 0) + 1
        required = r.get("required", True) is not False
        exercised = _int(r.get("passed")) + _int(r.get("failed")) > 0
        rules.append(
            {
                "name": str(rule_name),
                "kind": str(r.get("kind") or ""),
                "summary": str(r.get("summary") or ""),
                "required": required,
                "status": status,
                "css": status if exercised or not required else "unexercised",
                "passed": _int(r.get("passed")),
                "failed": _int(r.get("failed")),
                "skipped": _int(r.get("skipped")),
                "skip_reasons": [str(s) for s in _list(r.get("skip_reasons"))],
                "unexercised_required": required and not exercised,
                "failure_anchor": first_failure.get(str(rule_name)),
                "recorded": recorded.get(str(rule_name), 0),
                "cap": MAX_FAILURES_PER_RULE,
            }
        )
    # failing rules first, then required rules never exercised, then the rest
    rules.sort(key=lambda r: (r["status"] != "failed", not r["unexercised_required"]))
    tests = _dict(report.get("tests"))
    return {
        "name": name,
        "anchor": f"{prefix}site",
        "notices": _notices(run) + _waiver_notices(report),
        "verdict": str(report.get("verdict") or "unknown"),
        "word": _word(report),
        "reason": str(_dict(report.get("decision")).get("reason") or ""),
        "ok": _passed(report.get("verdict")),
        "run": _run_items(run),
        "faults": [str(f) for f in _list(run.get("mock_faults"))],
        "requests": run.get("requests"),
        "duration": run.get("duration_seconds"),
        "rules": rules,
        "rule_counts": counts,
        "failing_rules": [r for r in rules if r["status"] == "failed"],
        "unexercised_required": [r["name"] for r in rules if r["unexercised_required"]],
        "matrix": _status_matrix(_dict(report.get("status_codes")), _by_operation(run)),
        "state_control": _dict(run.get("request_counts")).get("state_control"),
        "edges": _edges(_dict(report.get("edges"))),
        "plan": _plan(_dict(report.get("plan"))),
        "failures": failures,
        "tests": {
            "total": _int(tests.get("total")),
            "passed": _int(tests.get("passed")),
            "failed": _int(tests.get("failed")),
            "skipped": _int(tests.get("skipped")),
            "errors_without_rule": [str(t) for t in _list(tests.get("errors_without_rule"))],
        },
    }


def report_view(report: dict[str, Any]) -> dict[str, Any]:
    """The display-ready view of a report that both renderers use."""
    combined = is_combined(report)
    sites = [
        _site_view(name, site, f"{_slug(name)}-" if combined else "")
        for name, site in site_reports(report).items()
    ]
    verdict = str(report.get("verdict") or "unknown")
    word = _word(report)
    return {
        "combined": combined,
        "verdict": verdict,
        "word": word,
        "reason": str(_dict(report.get("decision")).get("reason") or ""),
        "ok": _passed(verdict),
        "sites": sites,
        "title": (
            f"Statuspage contract: {word}"
            + (f" ({len(sites)} sites)" if combined else f" — {sites[0]['name']}" if sites else "")
        ),
    }
