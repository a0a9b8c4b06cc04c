"""statuspage-contract: contract tests for Datadog's Statuspage integration account API."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("statuspage-contract")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+source"
