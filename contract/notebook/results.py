"""One call's outcome as a notebook shows it: :class:`CallResult` and its
:class:`RuleVerdicts`, and the small read-only :class:`Catalogue` tables."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..bad_inputs import bad_create_inputs
from ..http.exchange import Exchange
from ..judging.verdict import Verdict
from ..mock.faults import FAULTS
from ..redact import SECRETS
from .display import clean, frame, json_text, reason, rule_kind, rule_summary
from .html import Markup, badge, code, render

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["CallResult", "Catalogue", "RuleVerdicts", "invalid_inputs", "mock_faults"]


class RuleVerdicts(list[Verdict]):
    """The rule verdicts of one call: a list of
    :class:`~statuspage_contract.judging.Verdict`."""

    @property
    def passed(self) -> bool:
        """Whether no rule was broken."""
        return all(v.passed for v in self)

    @property
    def failed(self) -> list[Verdict]:
        """The broken rules' verdicts."""
        return [v for v in self if not v.passed]

    def to_frame(self) -> pd.DataFrame:
        """One row per verdict: rule, kind, passed, message, what the rule checks."""
        rows = [
            {
                "rule": v.rule,
                "kind": rule_kind(v.rule),
                "passed": v.passed,
                "message": v.message,
                "checks": rule_summary(v.rule),
            }
            for v in self
        ]
        return frame(rows, ["rule", "kind", "passed", "message", "checks"])

    def _repr_html_(self) -> str:
        rows = [(code(v.rule), rule_kind(v.rule), badge(v.passed), v.message) for v in self]
        return render("verdicts.html.j2", rows=rows)

    def __repr__(self) -> str:
        lines = [f"{'PASS' if v.passed else 'FAIL'}  {v.rule}  {v.message}".rstrip() for v in self]
        return clean("\n".join(lines) or "(no rule applied)")


@dataclass
class CallResult:
    """One call to the site: what was sent, what came back, and every rule's verdict.

    ``expectations`` are the scenario rules the call itself tests (e.g. an invalid body must
    be answered 400); response rules come from the checking client.
    """

    exchange: Exchange
    action: str = ""
    expectations: list[Verdict] = field(default_factory=list)

    @property
    def status(self) -> int:
        """The response's status code."""
        return self.exchange.status

    @property
    def verdicts(self) -> RuleVerdicts:
        """Response rules first, then the scenario rules of :attr:`expectations`."""
        return RuleVerdicts(
            [
                *(Verdict(v.rule, v.passed, v.message) for v in self.exchange.verdicts),
                *self.expectations,
            ]
        )

    @property
    def passed(self) -> bool:
        """Whether the response broke no rule (response and scenario rules)."""
        return self.verdicts.passed

    @property
    def violations(self) -> list[Verdict]:
        """The broken rules' verdicts."""
        return self.verdicts.failed

    @property
    def body(self) -> Any:
        """The response body, parsed when it is JSON, with every secret redacted."""
        if not self.exchange.response_body:
            return None
        try:
            # Parsed afresh: Exchange.json is cached and a rule may have changed it.
            parsed = json.loads(self.exchange.response_body)
        except (ValueError, RecursionError):
            return clean(self.exchange.text)
        return SECRETS.redact_tree(parsed)

    @property
    def headers(self) -> dict[str, str]:
        """The response headers, redacted."""
        return {k: clean(v) for k, v in self.exchange.response_headers.items()}

    def curl(self) -> str:
        """A secret-free ``curl`` command that repeats the request."""
        return clean(self.exchange.curl())

    def to_frame(self) -> pd.DataFrame:
        """One row per rule verdict."""
        return self.verdicts.to_frame()

    def to_dict(self) -> dict[str, Any]:
        """The call as plain data (redacted)."""
        return {
            "action": self.action,
            "method": self.exchange.method,
            "status": self.status,
            "passed": self.passed,
            "body": self.body,
            "verdicts": [
                {"rule": v.rule, "passed": v.passed, "message": clean(v.message)}
                for v in self.verdicts
            ],
            "reproduction": self.curl(),
        }

    @property
    def _label(self) -> str:
        ex = self.exchange
        return f"{ex.operation or ex.method + ' ' + ex.url} → {ex.status} {reason(ex.status)}"

    def __repr__(self) -> str:
        broken = ", ".join(v.rule for v in self.violations)
        verdict = "PASS" if self.passed else f"FAIL ({broken})"
        return clean(f"<CallResult {self._label}: {verdict}, {len(self.verdicts)} verdicts>")

    def _repr_html_(self) -> str:
        n, failed = len(self.verdicts), len(self.violations)
        body = self.body
        return render(
            "call_result.html.j2",
            passed=badge(self.passed),
            label=self._label,
            tally=f"{n - failed} of {n} rule verdicts passed" if n else "no rule applied",
            action=self.action,
            body=None if body is None else body if isinstance(body, str) else json_text(body),
            verdicts=Markup(self.verdicts._repr_html_()),
            headers=sorted(self.headers.items()),
            curl=self.curl(),
        )


@dataclass
class Catalogue:
    """A small read-only table (e.g. the invalid inputs or the mock's faults)."""

    title: str
    columns: list[str]
    rows: list[dict[str, Any]]

    @property
    def ids(self) -> list[str]:
        """The first column's values."""
        return [str(row[self.columns[0]]) for row in self.rows]

    def to_frame(self) -> pd.DataFrame:
        """The table as a DataFrame."""
        return frame(self.rows, self.columns)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    def __repr__(self) -> str:
        return clean(f"<Catalogue {self.title}: {len(self.rows)} rows>")

    def _repr_html_(self) -> str:
        rows = [[row.get(c) for c in self.columns] for row in self.rows]
        return render("catalogue.html.j2", title=self.title, columns=self.columns, rows=rows)


def invalid_inputs() -> Catalogue:
    """The ways of breaking a create request that :meth:`Explorer.invalid` knows, by id."""
    rows = [{"id": bad.id, "why it is invalid": bad.why} for bad in bad_create_inputs()]
    return Catalogue("Invalid create inputs", ["id", "why it is invalid"], rows)


def mock_faults() -> Catalogue:
    """The embedded mock's fault modes and the contract rule each one breaks."""
    rows = [
        {"fault": f.name, "breaks rule": f.breaks, "what the mock does": f.description}
        for f in FAULTS.values()
    ]
    return Catalogue(
        "Fault modes of the embedded mock", ["fault", "breaks rule", "what the mock does"], rows
    )
