"""The one decision: what a recorded run says of the contract, for run, reports and gate.

From one site's report (see reports/README.md) :func:`decide_site` computes the verdict —
HOLDS, VIOLATED (which outranks an abort: the reason then also says what stopped the run or
was left behind), INCOMPLETE (nothing failed, but required rules were not exercised),
ABORTED (with its reason) or NOTHING TESTED — taking each rule's requiredness from this
toolkit's registry for the kind of site (never from the report), and applying waivers when
given. ``statuspage-contract run`` exits with :data:`RUN_EXIT` of it, every report shows it,
and the gate blocks on the same grounds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..exit_codes import ERROR, FAILED, INCOMPLETE, OK
from ..rules import RULES, site_kind
from .format import PROXY_KIND


class Decision(StrEnum):
    HOLDS = "HOLDS"
    VIOLATED = "VIOLATED"
    INCOMPLETE = "INCOMPLETE"
    ABORTED = "ABORTED"
    NOTHING_TESTED = "NOTHING TESTED"


#: `statuspage-contract run`'s exit code for each verdict (statuspage_contract.exit_codes; ERROR
#: is also a usage error's).
RUN_EXIT = {
    Decision.HOLDS: OK,
    Decision.VIOLATED: FAILED,
    Decision.ABORTED: ERROR,
    Decision.NOTHING_TESTED: ERROR,
    Decision.INCOMPLETE: INCOMPLETE,
}
#: The worse verdict of several sites wins.
SEVERITY = [
    Decision.HOLDS,
    Decision.INCOMPLETE,
    Decision.VIOLATED,
    Decision.NOTHING_TESTED,
    Decision.ABORTED,
]

#: Skip reasons that name the option that would have run the skipped checks.
_HINTS = (
    ("--replace-existing-account", "--allow-mutations --replace-existing-account"),
    ("--allow-mutations", "--allow-mutations"),
    ("embedded mock", "--site mock"),
)

Waived = Callable[[str, str], bool]  # (rule, site) -> whether a waiver covers it


@dataclass(frozen=True)
class SiteDecision:
    site: str
    verdict: Decision
    reason: str
    broken: tuple[str, ...] = ()
    unexercised: tuple[str, ...] = ()
    waived: tuple[str, ...] = ()

    @property
    def exit_code(self) -> int:
        return RUN_EXIT[self.verdict]

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "reason": self.reason,
            "exit_code": self.exit_code,
            "broken_rules": list(self.broken),
            "unexercised_required_rules": list(self.unexercised),
            "waived": list(self.waived),
        }


def _never(rule: str, site: str) -> bool:
    return False


def _hint(report: Mapping[str, Any], names: Iterable[str]) -> str:
    """Which option would exercise these rules, read from why checks and tests were skipped;
    for a proxy's report, what traffic would."""
    if (report.get("run") or {}).get("kind") == PROXY_KIND:
        return (
            " (the traffic seen did not exercise them: send the calls that do through the "
            "proxy, or waive them for the gate)"
        )
    rules: Mapping[str, Any] = report.get("rules") or {}
    reasons = " ".join(
        [str(r) for n in names for r in (rules.get(n, {}) or {}).get("skip_reasons", [])]
        + [str(r) for r in (report.get("tests") or {}).get("skip_reasons", [])]
    )
    for needle, option in _HINTS:
        if needle in reasons:
            return f" (run with {option} to exercise them)"
    return " (run without -k, and with a profile that runs every test, to exercise them)"


def recorded_waivers(report: Mapping[str, Any]) -> Waived:
    """The waivers a site's report records as applied (``run.waivers``, written by ``run
    --waivers``): every reader of the report decides with the waivers the run decided with."""
    entries = (report.get("run") or {}).get("waivers") or []
    covered = {
        (entry.get("rule"), entry.get("site"))
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, Mapping)
    }
    if not covered:
        return _never
    return lambda rule, site: (rule, None) in covered or (rule, site) in covered


def decide_site(report: Mapping[str, Any], waived: Waived | None = None) -> SiteDecision:
    """The verdict of one site's report (``waived`` says whether a rule is waived on a site;
    by default, the waivers the report records as applied)."""
    waived = waived or recorded_waivers(report)
    run: Mapping[str, Any] = report.get("run") or {}
    site = str(run.get("site") or "unknown site")
    kind = site_kind(site)
    rules: Mapping[str, Any] = report.get("rules") or {}
    tests: Mapping[str, Any] = report.get("tests") or {}
    failing = [n for n, r in rules.items() if (r or {}).get("failed")]
    broken = tuple(n for n in failing if not waived(n, site))
    # What stopped the run, or what it left: ABORTED on its own, one more line after a
    # violation (a broken rule outranks an abort: the site is what broke the run).
    stopped = [str(run[key]) for key in ("left_behind", "aborted") if run.get(key)]
    if run.get("complete") is False and run.get("pytest_exit_status") == 2 and not stopped:
        stopped = ["the run was interrupted; it is not complete"]
    required = [n for n, rule in RULES.items() if rule.is_required(kind)]
    idle = [n for n in required if not _checks(rules.get(n))]
    unexercised = tuple(n for n in idle if not waived(n, site))
    waived_names = tuple(n for n in [*failing, *idle] if n not in broken + unexercised)
    if broken:
        also = "".join(f"; also: {line}" for line in stopped)
        return SiteDecision(
            site,
            Decision.VIOLATED,
            f"the contract is violated: broken rules: {', '.join(broken)}{also}",
            broken,
            unexercised,
            waived_names,
        )
    if stopped:
        return SiteDecision(site, Decision.ABORTED, stopped[0])
    if not tests.get("total") or not run.get("requests"):
        why = (
            "nothing was judged: no request went through the proxy"
            if run.get("kind") == PROXY_KIND
            else "nothing was tested: no test ran or no request was sent "
            "(check -k and the pytest arguments)"
        )
        return SiteDecision(site, Decision.NOTHING_TESTED, why)
    errors = list(tests.get("errors_without_rule") or [])
    if errors:
        shown = ", ".join(errors[:3]) + (", ..." if len(errors) > 3 else "")
        return SiteDecision(
            site,
            Decision.ABORTED,
            f"{len(errors)} test(s) failed without breaking a contract rule (a suite or site "
            f"error, see the test output): {shown}",
        )
    if run.get("complete") is False:
        status = run.get("pytest_exit_status")
        why = "the run was interrupted" if status == 2 else f"pytest exited with {status}"
        return SiteDecision(site, Decision.ABORTED, f"{why}; the run is not complete")
    if run.get("budget_spent"):
        return SiteDecision(
            site, Decision.INCOMPLETE, str(run["budget_spent"]), (), unexercised, waived_names
        )
    if unexercised:
        return SiteDecision(
            site,
            Decision.INCOMPLETE,
            "nothing failed, but required rules were not exercised: "
            f"{', '.join(unexercised)}{_hint(report, unexercised)}",
            (),
            unexercised,
            waived_names,
        )
    extra = f" ({len(waived_names)} waived: {', '.join(waived_names)})" if waived_names else ""
    return SiteDecision(site, Decision.HOLDS, f"the contract holds{extra}", (), (), waived_names)


def _checks(rule: Any) -> int:
    if not isinstance(rule, Mapping):
        return 0
    return int(rule.get("passed") or 0) + int(rule.get("failed") or 0)


def worst(decisions: Iterable[SiteDecision]) -> SiteDecision:
    """The decision that decides a run of several sites (the most severe verdict)."""
    ranked = sorted(decisions, key=lambda d: SEVERITY.index(d.verdict))
    if not ranked:
        return SiteDecision("no site", Decision.NOTHING_TESTED, "nothing was tested: no site ran")
    return ranked[-1]
