"""A report's ``run.request_counts`` (what the run cost the site: its requests in all, those
of state control, those to each operation) must agree with ``run.requests`` and with the
status-code table: the gate trusts only what it recomputes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .strict_json import need as _need


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def check_request_counts(data: Mapping[str, Any], where: str) -> None:
    """``run.request_counts``, when the report has them (one written before they were
    recorded has none): ``total`` is ``run.requests``, ``state_control`` at most that, and
    each operation's count is the sum of its row of ``status_codes``."""
    run = data["run"]
    counts = run.get("request_counts")
    if counts is None:
        return
    at = f"{where}: run.request_counts"
    _need(isinstance(counts, Mapping), where, "run.request_counts must be an object")
    total, control, by_operation = (
        counts.get("total"),
        counts.get("state_control"),
        counts.get("by_operation"),
    )
    _need(
        _is_count(total) and _is_count(control),
        at,
        "'total' and 'state_control' must be counts (integer >= 0)",
    )
    _need(
        isinstance(by_operation, Mapping) and all(_is_count(n) for n in by_operation.values()),
        at,
        "'by_operation' must map operations to counts",
    )
    _need(total == run["requests"], at, f"total {total} is not run.requests ({run['requests']})")
    _need(control <= total, at, f"state_control {control} is more than the {total} requests")
    table = data["status_codes"]
    unknown = sorted(set(by_operation) - set(table))
    _need(
        not unknown, at, f"by_operation names {unknown[0] if unknown else ''}, not in status_codes"
    )
    for operation, entry in table.items():
        answered = sum(entry["documented"].values()) + sum(entry["undocumented"].values())
        sent = by_operation.get(operation, 0)
        _need(
            sent == answered,
            at,
            f"by_operation counts {sent} request(s) to {operation}, but status_codes "
            f"records {answered} answer(s)",
        )
    _need(
        sum(by_operation.values()) <= total,
        at,
        f"by_operation counts {sum(by_operation.values())} requests, more than total {total}",
    )
