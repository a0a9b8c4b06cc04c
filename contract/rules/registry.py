"""The registry of contract rules: the rule type, registration, and the read-only view.

Three kinds of rule live in one registry:

- ``response`` rules judge any single response (run on every call the suite makes);
- ``scenario`` rules judge a sequence of calls (run by the suite's tests via :func:`expect`);
- ``schemathesis`` rules are Schemathesis' applicable built-in checks, run on generated cases.

The judge (statuspage_contract.judging) runs them and says each one's verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from ..http.exchange import Exchange
from ..redact import SECRETS

Kind = Literal["response", "scenario", "schemathesis"]


class NotApplicable(Exception):
    """Raised by a response rule that has nothing to judge in this response."""


#: The kinds of site a run can target: the embedded mock (whose controls provoke everything,
#: 429s included) and a live site (a Datadog site or any URL: nothing is provoked on purpose).
SiteKind = Literal["mock", "live"]
SITE_KINDS: frozenset[SiteKind] = frozenset({"mock", "live"})


def site_kind(site: str) -> SiteKind:
    """The kind of a site by its name (``mock``, or anything else)."""
    from ..sites import MOCK

    return "mock" if site == MOCK else "live"


@dataclass(frozen=True)
class Rule:
    name: str
    kind: Kind
    summary: str
    check: Callable[[Exchange, RuleContext], str | None] | None = None
    #: The kinds of site on which the rule must be exercised for the contract to HOLD (it is
    #: judged wherever it applies, and a failure counts everywhere).
    required_on: frozenset[SiteKind] = SITE_KINDS

    def is_required(self, site: SiteKind) -> bool:
        return site in self.required_on


@dataclass
class RuleContext:
    """What a response rule may know beyond the exchange: the keys submitted so far."""

    submitted_keys: set[str]


_REGISTERED: dict[str, Rule] = {}

#: Every registered rule by name, in registration order: a read-only view.
RULES: Mapping[str, Rule] = MappingProxyType(_REGISTERED)


def register(rule: Rule) -> Rule:
    if rule.name in _REGISTERED:
        raise ValueError(f"rule {rule.name!r} is registered twice")
    _REGISTERED[rule.name] = rule
    SECRETS.declare_public(rule.name)  # printed in every report: never redacted
    return rule


def response_rule(
    name: str, summary: str, *, required_on: frozenset[SiteKind] = SITE_KINDS
) -> Callable[[Callable[[Exchange, RuleContext], str | None]], Rule]:
    def decorate(func: Callable[[Exchange, RuleContext], str | None]) -> Rule:
        return register(Rule(name, "response", summary, func, required_on))

    return decorate


def scenario_rule(name: str, summary: str) -> Rule:
    return register(Rule(name, "scenario", summary))


def rules_of(kind: Kind) -> list[Rule]:
    return [r for r in RULES.values() if r.kind == kind]
