"""Read a contract report as strictly as the release gate needs: strict JSON, the format and
version, the shape, and counts that tell one story (see reports/README.md).

An untrustworthy report raises :class:`statuspage_contract.errors.GateInputError` (one line, exit
2).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import GateInputError
from .format import (
    COMBINED_KIND,
    EDGE_OUTCOMES,
    JSON_NAME,
    REPORT_FORMAT,
    REPORT_VERSION,
    RULE_STATUSES,
    UNFINISHED_KIND,
    rule_status,
)
from .invariants import check_site, check_site_identity
from .recorded_decision import check_combined
from .strict_json import load_json
from .strict_json import need as _shape


def load_report(path: Path, what: str = "report") -> dict[str, Any]:
    """Read and validate a report (a report directory means its contract-report.json)."""
    if path.is_dir():
        path = path / JSON_NAME
    where = f"{what} {path}"
    report = validate_report(load_json(path, what), where)
    combined = is_combined(report)
    for name, site in site_reports(report).items():  # a file names real sites (no labels)
        check_site_identity(site["run"], f"{where}: site {name}" if combined else where)
    return report


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


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
        expected = rule_status(rule)
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
    _check_edges(data.get("edges", {}), where)
    tests = data.get("tests")
    _shape(isinstance(tests, dict), where, "'tests' must be an object")
    errors = tests.get("errors_without_rule")
    _shape(
        isinstance(errors, list) and all(isinstance(e, str) for e in errors),
        where,
        "tests.errors_without_rule must be a list of test ids",
    )
    _check_consistency(data, where)
    check_site(data, where)


def _check_edges(edges: Any, where: str) -> None:
    """The edges table (optional: reports before it lack it): counts per category."""
    _shape(isinstance(edges, dict), where, "'edges' must be an object")
    for category, entry in edges.items():
        at = f"{where}: edges.{category}"
        _shape(isinstance(entry, dict), at, "must be an object")
        for key in ("inputs", *EDGE_OUTCOMES):
            _shape(_is_count(entry.get(key)), at, f"'{key}' must be a count (integer >= 0)")
        _shape(
            entry["inputs"] == sum(entry[k] for k in EDGE_OUTCOMES),
            at,
            "'inputs' is not passed + failed + skipped",
        )


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
    failed_edges = sorted(c for c, e in data.get("edges", {}).items() if e["failed"])
    _shape(
        not failed_edges or bool(failing),
        where,
        f"edges.{failed_edges[0] if failed_edges else ''} counts failed inputs, but no rule failed",
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
    if kind == UNFINISHED_KIND:
        raise GateInputError(f"{where}: no decision to gate: {_unfinished(data)}")
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
    check_combined(data, _site_items(sites), where)
    return dict(data)


def _unfinished(data: Mapping[str, Any]) -> str:
    """Why a report folder holds the unfinished marker
    (statuspage_contract.report.build.begin_run)."""
    info = data.get("unfinished")
    info = info if isinstance(info, dict) else {}
    reason, since = info.get("reason"), info.get("since")
    text = reason if isinstance(reason, str) and reason else "a run started and did not finish"
    when = f" (run started {since})" if isinstance(since, str) and len(since) < 40 else ""
    return " ".join(text.split())[:500] + when


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
