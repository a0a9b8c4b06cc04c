"""The release gate's decision in a notebook: :func:`gate_decision` and :class:`GateResult`.

The decision is :func:`statuspage_contract.gate.decide`'s, unchanged; this module only shows it (a
DataFrame, redacted HTML). :class:`GateResult` stays a
:class:`~statuspage_contract.gate.GateDecision` (subclass, no new state) so that code written for
the gate's decision accepts it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..gate import GateDecision, decide
from ..report.presentation import AMBER, GREEN, RED
from ..report.reader import load_report as read_report
from .display import clean, frame
from .html import render
from .reports import ContractReport, resolve_report_path

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["GateResult", "gate_decision"]

#: The colour of each gate line status (anything else: amber).
STATUS_COLOURS = {"PASS": GREEN, "FAIL": RED, "WAIVED": AMBER}


@dataclass
class GateResult(GateDecision):
    """:class:`statuspage_contract.gate.GateDecision` with ``to_frame()`` and redacted HTML."""

    @classmethod
    def of(cls, decision: GateDecision) -> GateResult:
        """The same decision, shown the notebook's way."""
        return cls(**{f.name: getattr(decision, f.name) for f in fields(decision)})

    def to_frame(self) -> pd.DataFrame:
        """One row per gate line: site, status, check, reason, blocking, waiver."""
        rows = [
            {
                "site": line.site,
                "status": line.status,
                "check": line.subject,
                "reason": line.reason,
                "blocking": line.blocking,
                "waiver": line.waiver.reason if line.waiver else "",
            }
            for line in self.lines
        ]
        return frame(rows, ["site", "status", "check", "reason", "blocking", "waiver"])

    def __repr__(self) -> str:
        return clean(f"<GateResult {self.summary}>")

    def _repr_html_(self) -> str:
        return render(
            "gate.html.j2",
            decision=self,
            colour=STATUS_COLOURS["PASS" if self.passed else "FAIL"],
            lines=[(line, STATUS_COLOURS.get(line.status, AMBER)) for line in self.lines],
        )


def _as_report_dict(value: str | Path | ContractReport) -> dict[str, Any]:
    if isinstance(value, ContractReport):
        return value.data
    return read_report(resolve_report_path(value))


def gate_decision(
    report: str | Path | ContractReport | None = None,
    baseline: str | Path | ContractReport | None = None,
    waivers: str | Path | None = None,
    today: date | None = None,
) -> GateResult:
    """The release gate's decision (``statuspage_contract.gate``) on a report file, directory or
    object.

    Raises :class:`statuspage_contract.gate.GateInputError` on an untrustworthy input, as the CLI
    does.
    """
    current = _as_report_dict(report if report is not None else resolve_report_path(None))
    before = _as_report_dict(baseline) if baseline is not None else None
    return GateResult.of(decide(current, baseline=before, waivers=waivers, today=today))
