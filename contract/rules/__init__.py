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

__all__ = [
    "ECHO_MIN",
    "NO_SERVER_ERROR",
    "RULES",
    "SCHEMATHESIS_CHECKS",
    "SITE_KINDS",
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
