"""Which contract reports lie below a directory: :func:`list_reports` and its
:class:`ReportIndex` (each read with the gate's strict reader; a broken one says why)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import GateInputError
from ..report.format import JSON_NAME
from ..report.reader import is_combined, site_reports
from ..report.reader import load_report as read_report
from .display import clean, frame
from .html import Markup, badge, code, render
from .reports import ContractReport, load_report, reports_root

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["ReportIndex", "list_reports"]


@dataclass
class ReportIndex:
    """The reports found below a directory."""

    root: Path
    entries: list[dict[str, Any]]

    @property
    def paths(self) -> list[Path]:
        return [self.root / e["path"] for e in self.entries if not e["error"]]

    def load(self, which: int | str = 0) -> ContractReport:
        """Load a listed report by position or by its path relative to the root."""
        if isinstance(which, int):
            return load_report(self.paths[which])
        return load_report(self.root / which)

    def to_frame(self) -> pd.DataFrame:
        """One row per report: path, kind, sites, verdict, finished, error."""
        return frame(self.entries, ["path", "kind", "sites", "verdict", "finished", "error"])

    def __len__(self) -> int:
        return len(self.entries)

    def __repr__(self) -> str:
        return clean(f"<ReportIndex {self.root}: {len(self.entries)} reports>")

    def _repr_html_(self) -> str:
        rows = [
            [
                code(e["path"]),
                e["kind"],
                e["sites"],
                badge(e["verdict"] == "passed", e["verdict"]) if e["verdict"] else "",
                e["finished"],
                e["error"],
            ]
            for e in self.entries
        ]
        return render(
            "report_index.html.j2", root=self.root, name=Markup(code(JSON_NAME)), rows=rows
        )


def list_reports(root: str | Path | None = None) -> ReportIndex:
    """Every ``contract-report.json`` below ``root`` (default: the reports/ directory)."""
    base = reports_root(root)
    entries = []
    for path in sorted(base.rglob(JSON_NAME)) if base.is_dir() else []:
        entry: dict[str, Any] = {
            "path": str(path.relative_to(base)),
            "kind": "",
            "sites": "",
            "verdict": "",
            "finished": "",
            "error": "",
        }
        try:
            data = read_report(path)
        except GateInputError as exc:
            entry["error"] = str(exc)
        else:
            entry["kind"] = "combined" if is_combined(data) else "single-site"
            sites = site_reports(data)
            entry["sites"] = ", ".join(sites)
            entry["verdict"] = data["verdict"]
            entry["finished"] = max(str(s["run"].get("finished", "")) for s in sites.values())
        entries.append(entry)
    return ReportIndex(base, entries)
