"""A short property-based session against the embedded mock, as one notebook cell:
:func:`property_session` and what it returns (:class:`SessionSummary`, :class:`Violation`).

The steps are the suite's own (:func:`statuspage_contract.scenarios.valid_create_then_conflict` and
:func:`~statuspage_contract.scenarios.invalid_create_rejected`), judged by the same checking
client."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..judging import judged_client
from ..mock.faults import check_faults
from ..redact import SECRETS
from ..report.format import rule_status
from ..report.presentation import TIMES
from ..rules import RULES
from ..scenarios import (
    invalid_create_rejected,
    is_valid_create_body,
    valid_create_then_conflict,
)
from .display import clean, frame, json_text, rule_summary
from .explorer import Explorer, explore
from .html import Markup, badge, code, render, status_badge

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["SessionSummary", "Violation", "property_session"]


@dataclass
class Violation:
    """One broken rule, as recorded: the message, the response and a reproduction."""

    rule: str
    operation: str
    message: str
    reproduction: str | None
    response: dict[str, Any] | None
    occurrences: int = 1
    context: str = ""

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Violation:
        """A violation from a recorder's (or a report's) failure record."""
        return cls(
            rule=str(record.get("rule", "")),
            operation=str(record.get("operation") or ""),
            message=str(record.get("message", "")),
            reproduction=record.get("reproduction"),
            response=record.get("response"),
            occurrences=int(record.get("occurrences", 1) or 1),
            context=str(record.get("test") or ""),
        )

    def to_dict(self) -> dict[str, Any]:
        """The violation as plain data (redacted)."""
        return SECRETS.redact_tree(
            {
                "rule": self.rule,
                "operation": self.operation,
                "message": self.message,
                "reproduction": self.reproduction,
                "response": self.response,
                "occurrences": self.occurrences,
                "context": self.context,
            }
        )

    def __repr__(self) -> str:
        return clean(f"<Violation [{self.rule}] {self.operation}: {self.message}>")

    def _repr_html_(self) -> str:
        facts = [("operation", self.operation or "—"), ("seen", f"{self.occurrences} time(s)")]
        if self.context:
            facts.append(("while", self.context))
        status = body = None
        if self.response:
            status = self.response.get("status")
            body = self.response.get("body") or ""
            try:
                body = json_text(json.loads(body))
            except (TypeError, ValueError):
                body = str(body)
        return render(
            "violation.html.j2",
            badge=badge(False, "VIOLATION"),
            rule=self.rule,
            summary=rule_summary(self.rule),
            message=self.message,
            facts=facts,
            response=bool(self.response),
            status=status,
            body=body,
            reproduction=self.reproduction,
        )


def _result(counts: Mapping[str, Any]) -> str:
    """A rule's result from its counts in a session (no skips: every check ran)."""
    return rule_status(counts)


@dataclass
class SessionSummary:
    """What a short property-based session did: rules run, how often, and what broke."""

    site: str
    faults: list[str]
    valid_examples: int
    invalid_examples: int
    requests: int
    duration: float
    rules: dict[str, dict[str, Any]]
    statuses: dict[str, dict[int, int]]
    violations: list[Violation]
    first: Violation | None = None  # the first violation as it was when caught

    @property
    def passed(self) -> bool:
        return not any(r["failed"] for r in self.rules.values())

    @property
    def first_violation(self) -> Violation | None:
        """The first violation caught, with the request and response that showed it."""
        if self.first is not None:
            return self.first
        return self.violations[0] if self.violations else None

    @property
    def rules_run(self) -> list[str]:
        return [name for name, r in self.rules.items() if r["passed"] + r["failed"]]

    def to_frame(self, *, all_rules: bool = False) -> pd.DataFrame:
        """One row per rule that ran (every rule with ``all_rules=True``)."""
        rows = [
            {
                "rule": name,
                "kind": r["kind"],
                "checks": r["passed"] + r["failed"],
                "passed": r["passed"],
                "failed": r["failed"],
                "result": _result(r),
            }
            for name, r in self.rules.items()
            if all_rules or name in self.rules_run
        ]
        return frame(rows, ["rule", "kind", "checks", "passed", "failed", "result"])

    def status_frame(self) -> pd.DataFrame:
        """One row per operation and status code answered, with how often."""
        rows = [
            {"operation": op, "status": code, "count": n}
            for op, codes in self.statuses.items()
            for code, n in sorted(codes.items())
        ]
        return frame(rows, ["operation", "status", "count"])

    def failures_frame(self) -> pd.DataFrame:
        """One row per recorded violation."""
        rows = [v.to_dict() for v in self.violations]
        return frame(rows, ["rule", "operation", "message", "occurrences", "reproduction"])

    def __repr__(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return clean(
            f"<SessionSummary {self.site}: {verdict}, {self.valid_examples} valid + "
            f"{self.invalid_examples} invalid examples, {self.requests} requests,"
            f" {len(self.rules_run)} rules ran>"
        )

    def _repr_html_(self) -> str:
        rows = [
            [
                code(name),
                r["kind"],
                r["passed"] + r["failed"],
                r["passed"],
                r["failed"],
                status_badge(_result(r)),
            ]
            for name, r in self.rules.items()
            if name in self.rules_run
        ]
        codes = "; ".join(
            f"{op}: " + ", ".join(f"{c}{TIMES}{n}" for c, n in sorted(counts.items()))
            for op, counts in self.statuses.items()
        )
        first = self.first_violation
        return render(
            "session.html.j2",
            summary=self,
            badge=badge(self.passed),
            faults=f"; mock faults: {', '.join(self.faults)}" if self.faults else "",
            duration=f"{self.duration:.1f}",
            rows=rows,
            codes=codes,
            first=Markup(first._repr_html_()) if first is not None else None,
        )


def property_session(
    explorer: Explorer | None = None,
    *,
    n: int = 25,
    faults: Iterable[str] = (),
    seed: int | None = None,
) -> SessionSummary:
    """A short property-based session: ``n`` generated valid creates and ``n`` invalid ones.

    Each valid create runs from a clean state (no account) and is sent twice (201, then 409);
    each invalid body must be answered 400 and change nothing. Every response goes through the
    checking client (``raise_on_violation=False``) and Schemathesis' built-in checks.

    Without ``explorer`` it runs against a fresh embedded mock with ``faults`` and stops it
    afterwards. With an explorer of the mock, the mock is reset before and after, and
    ``faults`` (when given) replace its faults for the session only. Live sites are not
    supported: it deletes and creates accounts at will (use ``statuspage-contract run``).
    """
    from .. import generation
    from .sampling import draw

    wanted = sorted(check_faults(faults))
    if explorer is not None and explorer.target.mock is None:
        raise ValueError(
            f"property_session() runs against the embedded mock only, not {explorer.site};"
            " for a live site use: statuspage-contract run --site SITE"
        )
    ex = explorer if explorer is not None else explore("mock", faults=wanted)
    mock = ex._mock("property_session()")
    saved_faults = set(mock.faults)
    if wanted:
        mock.set_faults(wanted)
    ex.reset()
    in_effect = sorted(mock.faults)
    phase = "generated valid creates"
    client = judged_client(
        ex.base_url,
        ex.target.api_key,
        ex.target.app_key,
        raise_on_violation=False,
        test=lambda: phase,
        transport=ex.target.transport(),
    )
    rec = client.judge.recorder
    first: list[Violation] = []
    started = time.monotonic()

    def note_first() -> None:
        if not first and rec.failures:
            first.append(Violation.from_record(copy.deepcopy(rec.failures[0])))

    def valid_case(case: Any) -> bool:
        valid_create_then_conflict(client, case)
        note_first()
        return True

    def invalid_case(case: Any) -> bool:
        if is_valid_create_body(case.body):
            return False  # a guard: generated invalid cases break the body (generation.cases)
        invalid_create_rejected(client, case)
        note_first()
        return True

    try:
        valid_n = draw(generation.cases("POST", valid=True), n, seed, valid_case)
        phase = "generated invalid bodies"
        invalid_n = draw(generation.cases("POST", valid=False), n, seed, invalid_case)
    finally:
        client.close()
        mock.set_faults(saved_faults)
        ex.reset()
        if explorer is None:
            ex.close()
    return SessionSummary(
        site=ex.site,
        faults=in_effect,
        valid_examples=valid_n,
        invalid_examples=invalid_n,
        requests=rec.requests,
        duration=time.monotonic() - started,
        rules={
            name: {"kind": RULES[name].kind, "passed": t.passed, "failed": t.failed}
            for name, t in rec.tallies.items()
        },
        statuses={op: dict(counter) for op, counter in rec.statuses.items()},
        violations=[Violation.from_record(f) for f in rec.failures],
        first=first[0] if first else None,
    )
