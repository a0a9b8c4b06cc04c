"""``python -m statuspage_contract.cli``: the console script's entry."""

from .main import entry

entry()
