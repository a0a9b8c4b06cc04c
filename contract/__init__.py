"""statuspage-contract: contract tests for Datadog's Statuspage integration account API.

The curated public API. Each name is imported from its room on first use, so that
``import contract`` stays cheap for the command line (``statuspage-contract --version``).
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
    "Contract": "contract.spec",
    "load_contract": "contract.spec",
    # sites and sending
    "MockSite": "contract.mock.server",
    "Target": "contract.target",
    "open_target": "contract.target",
    "ContractClient": "contract.http.client",
    "Exchange": "contract.http.exchange",
    # rules and verdicts
    "RULES": "contract.rules",
    "ContractViolation": "contract.rules",
    # the gate
    "GateDecision": "contract.gate",
    "evaluate": "contract.gate",
    "gate": "contract.gate",
    # real traffic
    "ContractProxy": "contract.proxy",
    # notebooks
    "Explorer": "contract.notebook",
    "explore": "contract.notebook",
    "load_report": "contract.notebook",
    # errors
    "ContractError": "contract.errors",
    "UsageError": "contract.errors",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'contract' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
