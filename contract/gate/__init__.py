"""The release gate: decide from a contract report whether a release may go.

``decision`` holds the pure decision (:func:`evaluate` returns a :class:`GateDecision`),
``waivers`` the TOML waivers; reports are read by ``contract.report.reader``. The command line
is ``statuspage-contract gate`` (contract.cli). No HTML here, and no Jinja2 is loaded.
"""

from contract.errors import GateInputError
from contract.gate.decision import (
    EXIT_BLOCKED,
    EXIT_INVALID,
    EXIT_PASS,
    GateDecision,
    GateLine,
    decide,
    evaluate,
    gate,
)
from contract.gate.waivers import Waiver, load_waivers, parse_waivers
from contract.report.reader import (
    check_gateable,
    is_combined,
    load_report,
    site_reports,
    validate_report,
)

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
