"""The decision a report records is the one recomputed from its rules and tests
(statuspage_contract.report.decision), for one site and for a combined report of several."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .decision import RUN_EXIT, Decision, SiteDecision, decide_site, worst
from .strict_json import need as _need


def check_recorded_decision(data: Mapping[str, Any], where: str) -> None:
    """The recorded decision is the one recomputed (with the waivers it says it applied),
    and the verdict says passed exactly when it HOLDS."""
    recorded = data.get("decision")
    if recorded is None:  # reports written before the field: the verdict is checked alone
        decision = decide_site(data)
        _need(
            (data["verdict"] == "passed") == (decision.verdict is Decision.HOLDS),
            where,
            f"verdict {data['verdict']!r} contradicts the rules and tests it records "
            f"(recomputed: {decision.verdict.value})",
        )
        return
    _need(isinstance(recorded, Mapping), where, "'decision' must be an object")
    waived = recorded.get("waived", [])
    _need(
        isinstance(waived, list) and all(isinstance(w, str) for w in waived),
        where,
        "decision.waived must be a list of rule names",
    )
    names = set(waived)
    decision = decide_site(data, (lambda rule, site: rule in names) if names else None)
    _same_decision(recorded, decision, where)
    _need(
        (data["verdict"] == "passed") == (decision.verdict is Decision.HOLDS),
        where,
        f"verdict {data['verdict']!r} contradicts the rules and tests it records "
        f"(recomputed: {decision.verdict.value})",
    )


def _same_decision(recorded: Mapping[str, Any], decision: SiteDecision, where: str) -> None:
    expected = decision.to_dict()
    for key in ("verdict", "exit_code", "broken_rules", "unexercised_required_rules", "waived"):
        _need(
            recorded.get(key) == expected[key],
            where,
            f"decision.{key} is {recorded.get(key)!r}, but the rules and tests it records "
            f"decide {expected[key]!r}",
        )
    _need(
        recorded.get("exit_code") == RUN_EXIT[decision.verdict],
        where,
        "decision.exit_code is not its verdict's exit code",
    )
    _need(isinstance(recorded.get("reason"), str), where, "decision.reason must be a string")


def check_combined(
    data: Mapping[str, Any], sites: list[tuple[str, Mapping[str, Any]]], where: str
) -> None:
    """A combined report's sites are named as they name themselves, and its verdict (and
    decision, if recorded) is the worst of theirs."""
    for name, site in sites:
        _need(
            name == site["run"]["site"],
            where,
            f"sites names {name!r} a report whose run.site is {site['run']['site']!r}",
        )
    decision = worst(decide_site(site) for _, site in sites)
    failed = [name for name, site in sites if site["verdict"] != "passed"]
    _need(
        (data["verdict"] == "failed") == bool(failed),
        where,
        f"verdict {data['verdict']!r} contradicts its sites' verdicts"
        f" ({'failed: ' + ', '.join(failed) if failed else 'every site passed'})",
    )
    _need(
        (data["verdict"] == "passed") == (decision.verdict is Decision.HOLDS),
        where,
        f"verdict {data['verdict']!r} contradicts the decision recomputed from its sites "
        f"({decision.verdict.value} on {decision.site})",
    )
    recorded = data.get("decision")
    if recorded is None:
        return
    _need(isinstance(recorded, Mapping), where, "'decision' must be an object")
    if not recorded.get("waived"):
        _same_decision(recorded, decision, where)
        _need(
            recorded.get("site") == decision.site,
            where,
            f"decision.site is {recorded.get('site')!r}, but the worst site is {decision.site!r}",
        )
