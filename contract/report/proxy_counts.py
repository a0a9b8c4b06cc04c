"""A proxy report's own counts (``run.kind`` "proxy", built by statuspage_contract.proxy.session)
must add up: each forwarded request was judged, outside the contract, unanswered or not judged, one
test per judged or missed exchange, and every missed one is a named test error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .strict_json import need as _need


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def check_proxy_counts(data: Mapping[str, Any], where: str) -> None:
    """A proxy report's own counts (statuspage_contract.proxy.session): forwarded, judged, outside
    the contract, unanswered and not judged add up, and the missed ones are named test errors."""
    run, tests = data["run"], data["tests"]
    proxy = run.get("proxy")
    _need(isinstance(proxy, Mapping), where, "run.proxy must be an object in a proxy report")
    outside, unanswered = proxy.get("outside_contract"), proxy.get("unanswered")
    _need(
        isinstance(outside, Mapping) and isinstance(unanswered, Mapping),
        where,
        "run.proxy.outside_contract and run.proxy.unanswered must be objects",
    )
    counts = {
        "forwarded": proxy.get("forwarded"),
        "judged": proxy.get("judged"),
        "outside_contract.requests": outside.get("requests"),
        "unanswered.requests": unanswered.get("requests"),
        "not_judged": proxy.get("not_judged"),
    }
    for key, value in counts.items():
        _need(_is_count(value), where, f"run.proxy.{key} must be a count (integer >= 0)")
    forwarded, judged = counts["forwarded"], counts["judged"]
    missed, not_judged = counts["unanswered.requests"], counts["not_judged"]
    _need(
        forwarded == judged + counts["outside_contract.requests"] + missed + not_judged,
        where,
        "run.proxy.forwarded is not judged + outside_contract + unanswered + not_judged",
    )
    _need(run["requests"] == forwarded, where, "run.requests is not run.proxy.forwarded")
    _need(
        tests["total"] == judged + missed + not_judged and tests["skipped"] == 0,
        where,
        "tests.total is not run.proxy.judged + unanswered + not_judged (one test per exchange)",
    )
    _need(
        tests["failed"] >= missed + not_judged,
        where,
        "tests.failed counts fewer than the unanswered and not-judged exchanges",
    )
    reasons = unanswered.get("by_reason")
    errors = tests["errors_without_rule"]
    _need(
        isinstance(reasons, list) and all(r in errors for r in reasons),
        where,
        "run.proxy.unanswered.by_reason must list lines of tests.errors_without_rule",
    )
    _need(
        bool(reasons) == bool(missed),
        where,
        f"run.proxy.unanswered counts {missed} request(s) but by_reason names "
        f"{len(reasons)} reason(s)",
    )
    _need(
        len(errors) >= len(reasons) + (1 if not_judged else 0),
        where,
        f"run.proxy.not_judged counts {not_judged} exchange(s), but tests.errors_without_rule "
        "names no proxy error",
    )
