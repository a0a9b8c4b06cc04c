"""The registry of contract rules: the rule type, registration, and the read-only view.

Three kinds of rule live in one registry:

- ``response`` rules judge any single response (run on every call the suite makes);
- ``scenario`` rules judge a sequence of calls (run by the suite's tests via :func:`expect`);
- ``schemathesis`` rules are Schemathesis' applicable built-in checks, run on generated cases.

A violation is raised as :class:`ContractViolation`, whose message starts with the rule name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from ..http.exchange import Exchange
from ..redact import SECRETS, redact
from ..spec import load_contract

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


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str


class ContractViolation(AssertionError):
    """One or more rules broken by one observation. Its text is already redacted."""

    def __init__(self, findings: Iterable[Finding], exchange: Exchange | None = None) -> None:
        self.findings = list(findings)
        self.exchange = exchange
        lines = [f"[{f.rule}] {f.message}" for f in self.findings]
        if exchange is not None:
            lines.append(f"response: {exchange.describe()}")
            lines.append(f"reproduce: {exchange.curl()}")
        super().__init__(redact("\n".join(lines)))

    @property
    def rules(self) -> list[str]:
        return [f.rule for f in self.findings]


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


def check_exchange(exchange: Exchange, ctx: RuleContext) -> list[tuple[Rule, Finding | None]]:
    """Run every response rule; return (rule, finding or None for a pass), skipping N/A ones.
    A transport-level protective answer (408, 413, 414, 431: ``protective_statuses``) is no
    answer of the contract: no rule judges it."""
    results: list[tuple[Rule, Finding | None]] = []
    if exchange.status in load_contract().protective_statuses:
        return results
    for rule in rules_of("response"):
        assert rule.check is not None
        try:
            message = rule.check(exchange, ctx)
        except NotApplicable:
            continue
        results.append((rule, Finding(rule.name, redact(message)) if message else None))
    return results
