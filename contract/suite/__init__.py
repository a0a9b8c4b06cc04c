"""The contract suite: pytest tests of a site against the contract (shipped in the package)."""

from pathlib import Path

#: Where the shipped suite lives (``statuspage-contract run`` runs it from the package).
SUITE_DIR = Path(__file__).parent
