"""A run's requests held to its plan, and the plan as a table for the console.

:func:`compare` puts the plan's lines beside what the site's ledger let through (by class and
method, :attr:`statuspage_contract.live.safety.Ownership.sent`); every request outside the
plan — a class or method the plan lacks, or more than its upper bound — is one line of
``outside``, and breaks ``WITHIN_PLAN``. The report's ``plan`` section is its result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..live.safety import REQUEST_CLASSES


def outside_plan(row: Mapping[str, Any]) -> str | None:
    """Why one line of a comparison lies outside the plan, or None."""
    sent, bound, planned = row["sent"], row["at_most"], row["planned"]
    what = f"{row['class']} {row['method']}"
    if sent and not planned:
        return f"{sent} {what} request(s) sent, which the plan does not contain"
    if bound is not None and sent > bound:
        return f"{sent} {what} requests sent, above the plan's upper bound of {bound}"
    return None


def compare(plan: Mapping[str, Any], sent: Mapping[tuple[str, str], int]) -> dict[str, Any]:
    """The report's ``plan`` section: each line planned or sent, with both counts."""
    lines = {(line["class"], line["method"]): line for line in plan["requests"]}
    keys = list(lines) + sorted(
        (k for k, n in sent.items() if n and k not in lines),
        key=lambda k: (REQUEST_CLASSES.index(k[0]) if k[0] in REQUEST_CLASSES else 9, k[1]),
    )
    rows = []
    for cls, method in keys:
        line = lines.get((cls, method))
        rows.append(
            {
                "class": cls,
                "method": method,
                "planned": line is not None,
                "suite": line["suite"] if line else 0,
                "at_most": line["at_most"] if line else 0,
                "sent": int(sent.get((cls, method), 0)),
            }
        )
    outside = [why for row in rows if (why := outside_plan(row))]
    return {
        "judged": not plan["unplanned"],
        "unplanned": list(plan["unplanned"]),
        "request_budget": plan["request_budget"],
        "requests": rows,
        "outside": outside,
    }


def plan_table(plan: Mapping[str, Any]) -> list[str]:
    """The plan in words and a table, for the console."""
    budget = plan["request_budget"]
    keys = plan["keys"]
    tests = plan["tests"]
    out = [
        f"plan for {plan['site']} ({plan['site_kind']}): profile {plan['profile']}, "
        f"{plan['examples']} examples per property, "
        + ("mutations allowed" if plan["mutations_allowed"] else "read-only"),
        f"  tests: {tests['collected']} collected, {tests['sending']} send requests, "
        f"{tests['skipped']} skipped on this site",
        "  request budget: " + (f"{budget} requests (cleanup excepted)" if budget else "unlimited"),
    ]
    if keys["needed"]:
        state = "set" if keys["set"] else "NOT set"
        out.append(f"  keys: {keys['needed']} ({state}); {keys['read_only']}")
    header = ("class", "method", "suite", "at most")
    rows = [
        (
            line["class"],
            line["method"],
            str(line["suite"]),
            "no bound" if line["at_most"] is None else str(line["at_most"]),
        )
        for line in plan["requests"]
    ]
    for cls in REQUEST_CLASSES:
        mine = [line for line in plan["requests"] if line["class"] == cls]
        if mine:
            bounds = [line["at_most"] for line in mine]
            rows.append(
                (
                    cls,
                    "(all)",
                    str(sum(line["suite"] for line in mine)),
                    "no bound" if None in bounds else str(sum(bounds)),
                )
            )
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        cells = (cell.ljust(w) for cell, w in zip(row, widths, strict=True))
        out.append(("  " + "  ".join(cells)).rstrip())
    out.append("  at most includes: " + "; ".join(plan["allowances"]))
    for line in plan["unplanned"]:
        out.append(f"  not planned: {line}")
    return out


def comparison_line(section: Mapping[str, Any]) -> str:
    """One line: the run's requests against its plan."""
    sent = sum(row["sent"] for row in section["requests"])
    if not section["judged"]:
        return f"plan: {sent} requests sent; not judged ({len(section['unplanned'])} unplanned)"
    if section["outside"]:
        return f"plan: {sent} requests sent; OUTSIDE the plan: " + "; ".join(section["outside"])
    return f"plan: {sent} requests sent, all within the plan"


def merge_sections(first: Mapping[str, Any], other: Mapping[str, Any]) -> dict[str, Any]:
    """One site run by several pytest-xdist workers: each collected the whole suite and held
    its own requests to its own plan, so their lines add up (a bound too: each was its own)."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for row in [*first["requests"], *other["requests"]]:
        key = (row["class"], row["method"])
        if key not in rows:
            rows[key] = dict(row)
            continue
        into = rows[key]
        into["planned"] = into["planned"] or row["planned"]
        into["suite"] += row["suite"]
        into["sent"] += row["sent"]
        bounds = (into["at_most"], row["at_most"])
        into["at_most"] = None if None in bounds else bounds[0] + bounds[1]
    merged = list(rows.values())
    return {
        **first,
        "judged": first["judged"] and other["judged"],
        "unplanned": sorted(set(first["unplanned"]) | set(other["unplanned"])),
        "requests": merged,
        "outside": [*first["outside"], *other["outside"]],
    }
