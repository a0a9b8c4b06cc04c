"""statuspage-contract: contract tests for Datadog's Statuspage integration account API."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("statuspage-contract")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+source"


def __getattr__(name: str) -> object:
    """``from contract import ContractProxy`` without importing the proxy for every command."""
    if name == "ContractProxy":
        from contract.proxy import ContractProxy

        return ContractProxy
    raise AttributeError(f"module 'contract' has no attribute {name!r}")
