"""The Jupyter-facing API: explore the endpoint, sample payloads, read reports, ask the gate.

Every object a notebook cell returns renders as escaped, redacted HTML (``_repr_html_``,
made with Jinja2 from ``templates/``) and, where it is tabular, converts to a pandas
DataFrame (``to_frame()``). A cell needs one import and one call::

    from . import explore
    ex = explore()          # starts the embedded mock; explore("datadoghq.eu") uses DD keys
    ex.create()             # the reference example, checked rule by rule

pandas and matplotlib are imported lazily, only by ``to_frame()``/``*_frame()`` and
``plot_*()``, so the core package does not need them (``pip install -e ".[notebooks]"``).
Nothing shown here ever contains a DD key or a submitted ``api_key``: every text passes
through :func:`statuspage_contract.redact.redact` and curl reproductions use ``${DD_API_KEY}``
placeholders.

The rooms, one job each: ``explorer`` (calls; ``account_state`` is what they show of the
account), ``results`` (a call's outcome), ``payloads`` and ``sampling``, ``session`` (a
property-based run), ``reports`` (with ``plots`` and ``report_index``), ``demo`` and
``gate_views``; ``html`` (Jinja2) and ``display`` (redacted text, frames) serve them all.
"""

from __future__ import annotations

from .demo import DemoReports, ensure_demo_reports
from .explorer import Explorer, MutationNotAllowed, SiteStateUncertain, explore
from .gate_views import GateResult, gate_decision
from .payloads import PayloadSample, sample_payloads
from .report_index import ReportIndex, list_reports
from .reports import ContractReport, compare_reports, load_report
from .results import (
    CallResult,
    Catalogue,
    RuleVerdicts,
    invalid_inputs,
    mock_faults,
)
from .session import SessionSummary, Violation, property_session

__all__ = [
    "CallResult",
    "Catalogue",
    "ContractProxy",
    "ContractReport",
    "DemoReports",
    "Explorer",
    "GateResult",
    "MutationNotAllowed",
    "PayloadSample",
    "ReportIndex",
    "RuleVerdicts",
    "SessionSummary",
    "SiteStateUncertain",
    "Violation",
    "compare_reports",
    "ensure_demo_reports",
    "explore",
    "gate_decision",
    "invalid_inputs",
    "list_reports",
    "load_report",
    "mock_faults",
    "property_session",
    "sample_payloads",
]


def __getattr__(name: str) -> object:
    """``ContractProxy`` (statuspage_contract.proxy), loaded on first use: the notebook API itself
    never needs the proxy's HTTP client."""
    if name == "ContractProxy":
        from ..proxy import ContractProxy

        return ContractProxy
    raise AttributeError(f"module 'statuspage_contract.notebook' has no attribute {name!r}")
