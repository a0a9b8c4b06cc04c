"""Scenario rules: each judges a sequence of calls, through the suite's expectations."""

from __future__ import annotations

from .registry import Rule, register, scenario_rule

scenario_rule(
    "valid-body-accepted", "A valid create on an organisation without an account answers 201."
)
scenario_rule("invalid-body-rejected", "A create with a body that breaks the contract answers 400.")
scenario_rule("single-account", "A second create in the same organisation answers 409.")
scenario_rule(
    "rejected-call-no-effect", "A rejected or failed call changes nothing (GET shows it)."
)
scenario_rule("auth-enforced", "Missing, unknown or under-privileged keys are refused (403).")
scenario_rule(
    "lifecycle-effects",
    "Each lifecycle step has its effect: create, update and delete really happen.",
)

#: The run sent nothing outside its request plan (statuspage_contract.plan): no class or
#: operation the plan lacks, no count above its bound. Judged once per site's run of the
#: suite; required nowhere (a proxy's traffic has no plan), and a failure counts everywhere.
WITHIN_PLAN = register(
    Rule(
        "within-plan",
        "scenario",
        "The run sends only requests its plan contains, within the plan's upper bounds.",
        required_on=frozenset(),
    )
)
