"""The release gate: decide from a contract report whether a release may go.

``decision`` holds the pure decision (:func:`evaluate` returns a :class:`GateDecision`),
``waivers`` the TOML waivers; reports are read by ``statuspage_contract.report.reader``. The command
line is ``statuspage-contract gate`` (statuspage_contract.cli.gate). No HTML here, and no Jinja2 is
loaded.
"""

from ..errors import GateInputError
from ..report.reader import (
    check_gateable,
    is_combined,
    load_report,
    site_reports,
    validate_report,
)
from .decision import (
    EXIT_BLOCKED,
    EXIT_INVALID,
    EXIT_PASS,
    GateDecision,
    GateLine,
    decide,
    evaluate,
    gate,
)
from .waivers import Waiver, load_waivers, parse_waivers

__all__ = [
    "EXIT_BLOCKED",
    "EXIT_INVALID",
    "EXIT_PASS",
    "GateDecision",
    "GateInputError",
    "GateLine",
    "Waiver",
    "check_gateable",
    "decide",
    "evaluate",
    "gate",
    "is_combined",
    "load_report",
    "load_waivers",
    "parse_waivers",
    "site_reports",
    "validate_report",
]
