"""A report's ``plan`` section (a run of the suite held to its request plan,
statuspage_contract.plan) must tell one story: each line's counts, the requests it says were
sent against ``run.requests``, its ``outside`` lines against the counts, and ``WITHIN_PLAN``'s
verdict against ``outside``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..rules.scenario import WITHIN_PLAN
from .strict_json import need as _need


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def check_plan_counts(data: Mapping[str, Any], where: str) -> None:
    """The ``plan`` section, when the report has one (a proxy's, or an older one, has none)."""
    section = data.get("plan")
    if section is None:
        return
    at = f"{where}: plan"
    _need(isinstance(section, Mapping), where, "'plan' must be an object")
    rows, outside = section.get("requests"), section.get("outside")
    _need(isinstance(section.get("judged"), bool), at, "'judged' must be true or false")
    _need(isinstance(rows, list), at, "'requests' must be a list")
    _need(
        isinstance(outside, list) and all(isinstance(o, str) and o for o in outside),
        at,
        "'outside' must be a list of reasons",
    )
    beyond = 0
    for i, row in enumerate(rows):
        _need(isinstance(row, Mapping), at, f"requests[{i}] must be an object")
        bound = row.get("at_most")
        _need(
            _is_count(row.get("sent")) and _is_count(row.get("suite")),
            at,
            f"requests[{i}]: 'sent' and 'suite' must be counts (integer >= 0)",
        )
        _need(bound is None or _is_count(bound), at, f"requests[{i}]: 'at_most' must be a count")
        _need(isinstance(row.get("planned"), bool), at, f"requests[{i}]: 'planned' must be a bool")
        if row["sent"] and (not row["planned"] or (bound is not None and row["sent"] > bound)):
            beyond += 1
    sent = sum(row["sent"] for row in rows)
    _need(
        sent >= data["run"]["requests"],
        at,
        f"counts {sent} requests sent, fewer than run.requests ({data['run']['requests']})",
    )
    _need(  # at least: several workers of one site each name their own (build.merge_same_site)
        len(outside) >= beyond,
        at,
        f"the counts put {beyond} line(s) outside the plan, but 'outside' names {len(outside)}",
    )
    rule = (data.get("rules") or {}).get(WITHIN_PLAN) or {}
    if section["judged"]:
        _need(
            _is_count(rule.get("passed")) and rule["passed"] + int(rule.get("failed") or 0) > 0,
            at,
            f"the run was held to its plan, but {WITHIN_PLAN} records no verdict",
        )
        _need(
            bool(rule.get("failed")) == bool(outside),
            at,
            f"{WITHIN_PLAN} {'passed' if outside else 'failed'}, but the plan section says "
            + ("requests were outside the plan" if outside else "every request was within it"),
        )
