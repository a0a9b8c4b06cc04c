"""Collects what a run observed: rule verdicts, status codes seen, failures, test outcomes."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from contract.http.exchange import Exchange
from contract.redact import redact
from contract.report.outcomes import EDGE_OUTCOMES
from contract.rules import RULES, Finding, SiteKind

MAX_FAILURES_PER_RULE = 20


@dataclass
class RuleTally:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    skip_reasons: set[str] = field(default_factory=set)


class Recorder:
    """Thread-safe sink for everything a report needs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.tallies: dict[str, RuleTally] = {name: RuleTally() for name in RULES}
        self.statuses: dict[str, Counter[int]] = defaultdict(Counter)
        self.failures: list[dict[str, Any]] = []
        self._failure_keys: Counter[tuple[str, str, str]] = Counter()
        self._failure_tests: dict[tuple[str, str, str], set[str]] = {}
        self.tests: list[dict[str, Any]] = []
        self.requests = 0
        self.unanswered = 0  # requests that got no answer while the site answered others
        self.current_test: str | None = None
        #: Edge inputs by category: how many passed, failed, were skipped (contract.edges).
        self.edges: dict[str, Counter[str]] = defaultdict(Counter)

    def record_exchange(self, exchange: Exchange) -> None:
        with self._lock:
            self.requests += 1
            if exchange.operation is not None:
                self.statuses[exchange.operation][exchange.status] += 1

    def record_unanswered(self) -> None:
        """A request that got no answer (a finding of its own; no status to count)."""
        with self._lock:
            self.requests += 1
            self.unanswered += 1

    def record_edge(self, category: str, outcome: str) -> None:
        """One edge input's outcome: ``passed``, ``failed`` or ``skipped``."""
        with self._lock:
            self.edges[category][outcome] += 1

    def edges_summary(self) -> dict[str, dict[str, int]]:
        """The report's edges table: inputs and outcomes per category."""
        with self._lock:
            return {
                category: {
                    "inputs": sum(counts.values()),
                    **{k: counts.get(k, 0) for k in EDGE_OUTCOMES},
                }
                for category, counts in self.edges.items()
            }

    def passed(self, rule: str) -> None:
        with self._lock:
            self.tallies[rule].passed += 1

    def passed_each(self, rules: Iterable[str]) -> None:
        """:meth:`passed` for several rules at once (one lock)."""
        with self._lock:
            for rule in rules:
                self.tallies[rule].passed += 1

    def skipped(self, rule: str, reason: str) -> None:
        with self._lock:
            tally = self.tallies[rule]
            tally.skipped += 1
            tally.skip_reasons.add(reason)

    def failed(self, finding: Finding, exchange: Exchange | None = None) -> None:
        """Record a broken rule. Identical violations (same rule, operation and message) are
        one failure with a count of occurrences and of the tests that saw it."""
        test = self.current_test or ""
        message = redact(finding.message)
        with self._lock:
            self.tallies[finding.rule].failed += 1
            key = (finding.rule, (exchange.operation or "") if exchange else "", message)
            self._failure_keys[key] += 1
            if self._failure_keys[key] > 1:
                for f in self.failures:
                    if (f["rule"], f["operation"], f["message"]) == key:
                        f["occurrences"] = self._failure_keys[key]
                        if test not in self._failure_tests[key]:
                            self._failure_tests[key].add(test)
                            f["tests"] = len(self._failure_tests[key])
                return
            if sum(1 for f in self.failures if f["rule"] == finding.rule) >= MAX_FAILURES_PER_RULE:
                return
            self._failure_tests[key] = {test}
            self.failures.append(
                {
                    "rule": finding.rule,
                    "operation": exchange.operation if exchange else "",
                    "test": test,
                    **self._details(finding, exchange),
                    "occurrences": 1,
                    "tests": 1,
                }
            )

    @staticmethod
    def _details(finding: Finding, exchange: Exchange | None) -> dict[str, Any]:
        return {
            "message": redact(finding.message),
            "reproduction": exchange.curl() if exchange else None,
            "response": exchange.summary() if exchange else None,
        }

    def record_test(
        self, nodeid: str, outcome: str, duration: float, rules: list[str], why: str = ""
    ) -> None:
        """A test's outcome (``why``: the reason it was skipped, if it was)."""
        with self._lock:
            self.tests.append(
                {
                    "nodeid": nodeid,
                    "outcome": outcome,
                    "duration": round(duration, 3),
                    "rules": rules,
                    **({"why": why} if why else {}),
                }
            )

    def rules_summary(self, site: SiteKind = "mock") -> dict[str, dict[str, Any]]:
        """Every rule's tally, with its requiredness on this kind of site."""
        out = {}
        for name, rule in RULES.items():
            t = self.tallies[name]
            status = (
                "failed"
                if t.failed
                else "passed"
                if t.passed
                else "skipped"
                if t.skipped
                else "not-run"
            )
            out[name] = {
                "kind": rule.kind,
                "summary": rule.summary,
                "required": rule.is_required(site),
                "status": status,
                "passed": t.passed,
                "failed": t.failed,
                "skipped": t.skipped,
                "skip_reasons": sorted(t.skip_reasons),
            }
        return out

    @property
    def failed_rules(self) -> list[str]:
        return [name for name, t in self.tallies.items() if t.failed]
