"""The contract's rules: one registry of response, scenario and Schemathesis rules.

Importing this package registers every rule (response, scenario, Schemathesis checks).
A violation is raised as :class:`ContractViolation`, whose message starts with the rule name.
"""

from . import checks, response, scenario  # noqa: F401  (registration)
from .checks import SCHEMATHESIS_CHECKS
from .registry import (
    RULES,
    SITE_KINDS,
    ContractViolation,
    Finding,
    Kind,
    NotApplicable,
    Rule,
    RuleContext,
    SiteKind,
    check_exchange,
    register,
    response_rule,
    rules_of,
    scenario_rule,
    site_kind,
)
from .response import ECHO_MIN, NO_SERVER_ERROR

__all__ = [
    "ECHO_MIN",
    "NO_SERVER_ERROR",
    "RULES",
    "SCHEMATHESIS_CHECKS",
    "SITE_KINDS",
    "ContractViolation",
    "Finding",
    "Kind",
    "NotApplicable",
    "Rule",
    "RuleContext",
    "SiteKind",
    "check_exchange",
    "register",
    "response_rule",
    "rules_of",
    "scenario_rule",
    "site_kind",
]
