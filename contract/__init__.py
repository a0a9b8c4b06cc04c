"""statuspage-contract: contract tests for Datadog's Statuspage integration account API.

The curated public API. Each name is imported from its room on first use, so that
``import statuspage_contract`` stays cheap for the command line (``statuspage-contract --version``).
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("statuspage-contract")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+source"

#: public name -> the module that defines it
_EXPORTS = {
    # the contract
    "Contract": "statuspage_contract.spec",
    "load_contract": "statuspage_contract.spec",
    # sites and sending
    "MockSite": "statuspage_contract.mock.server",
    "Target": "statuspage_contract.target",
    "open_target": "statuspage_contract.target",
    "ContractClient": "statuspage_contract.http.client",
    "Exchange": "statuspage_contract.http.exchange",
    # rules and verdicts
    "RULES": "statuspage_contract.rules",
    "ContractViolation": "statuspage_contract.judging",
    "Judge": "statuspage_contract.judging",
    "Verdict": "statuspage_contract.judging",
    "judged_client": "statuspage_contract.judging",
    # the gate
    "GateDecision": "statuspage_contract.gate",
    "evaluate": "statuspage_contract.gate",
    "gate": "statuspage_contract.gate",
    # real traffic
    "ContractProxy": "statuspage_contract.proxy",
    # notebooks
    "Explorer": "statuspage_contract.notebook",
    "explore": "statuspage_contract.notebook",
    "load_report": "statuspage_contract.notebook",
    # errors
    "ContractError": "statuspage_contract.errors",
    "UsageError": "statuspage_contract.errors",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'statuspage_contract' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
