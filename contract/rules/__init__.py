"""The contract's rules: one registry of response, scenario and Schemathesis rules.

Importing this package registers every rule (response, scenario, Schemathesis checks).
The judge (statuspage_contract.judging) runs them; a broken one is a ``Verdict``.
"""

from . import checks, response, scenario  # noqa: F401  (registration)
from .checks import SCHEMATHESIS_CHECKS
from .registry import (
    RULES,
    SITE_KINDS,
    Kind,
    NotApplicable,
    Rule,
    RuleContext,
    SiteKind,
    register,
    response_rule,
    rules_of,
    scenario_rule,
    site_kind,
)
from .response import ECHO_MIN, NO_SERVER_ERROR
from .scenario import (
    AUTH_ENFORCED,
    INVALID_BODY_REJECTED,
    LIFECYCLE_EFFECTS,
    REJECTED_CALL_NO_EFFECT,
    SCENARIO_RULES,
    SINGLE_ACCOUNT,
    URL_SETTING_CONFLICTS,
    URL_SETTING_EFFECTS,
    URL_SETTING_NOT_FOUND,
    VALID_BODY_ACCEPTED,
)

__all__ = [
    "AUTH_ENFORCED",
    "ECHO_MIN",
    "INVALID_BODY_REJECTED",
    "LIFECYCLE_EFFECTS",
    "NO_SERVER_ERROR",
    "REJECTED_CALL_NO_EFFECT",
    "RULES",
    "SCENARIO_RULES",
    "SCHEMATHESIS_CHECKS",
    "SINGLE_ACCOUNT",
    "SITE_KINDS",
    "URL_SETTING_CONFLICTS",
    "URL_SETTING_EFFECTS",
    "URL_SETTING_NOT_FOUND",
    "VALID_BODY_ACCEPTED",
    "Kind",
    "NotApplicable",
    "Rule",
    "RuleContext",
    "SiteKind",
    "register",
    "response_rule",
    "rules_of",
    "scenario_rule",
    "site_kind",
]
