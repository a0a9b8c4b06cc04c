"""Scenario rules: each judges a sequence of calls, through the suite's expectations.

Each rule's name is spelled here only: everything else uses these symbols.
"""

from __future__ import annotations

from .registry import Rule, register, scenario_rule

VALID_BODY_ACCEPTED = scenario_rule(
    "valid-body-accepted", "A valid create on an organisation without an account answers 201."
).name
INVALID_BODY_REJECTED = scenario_rule(
    "invalid-body-rejected", "A create with a body that breaks the contract answers 400."
).name
SINGLE_ACCOUNT = scenario_rule(
    "single-account", "A second create in the same organisation answers 409."
).name
REJECTED_CALL_NO_EFFECT = scenario_rule(
    "rejected-call-no-effect", "A rejected or failed call changes nothing (GET shows it)."
).name
AUTH_ENFORCED = scenario_rule(
    "auth-enforced", "Missing, unknown or under-privileged keys are refused (403)."
).name
LIFECYCLE_EFFECTS = scenario_rule(
    "lifecycle-effects",
    "Each lifecycle step has its effect: create, update and delete really happen.",
).name

URL_SETTING_CONFLICTS = scenario_rule(
    "url-setting-conflicts",
    "A URL setting's create with a url already configured, an update whose body id is not the "
    "path's, or an update to another setting's url answers 409.",
).name
URL_SETTING_NOT_FOUND = scenario_rule(
    "url-setting-not-found",
    "An update or delete of an unknown URL setting id (a deleted one too) answers 404.",
).name
URL_SETTING_EFFECTS = scenario_rule(
    "url-setting-effects",
    "The URL settings list answers 200 with every setting; a create answers 201 with a new id; "
    "what was created, updated or deleted is what the next list shows.",
).name

#: Every scenario rule's name, in registration order.
SCENARIO_RULES = (
    VALID_BODY_ACCEPTED,
    INVALID_BODY_REJECTED,
    SINGLE_ACCOUNT,
    REJECTED_CALL_NO_EFFECT,
    AUTH_ENFORCED,
    LIFECYCLE_EFFECTS,
    URL_SETTING_CONFLICTS,
    URL_SETTING_NOT_FOUND,
    URL_SETTING_EFFECTS,
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
).name
