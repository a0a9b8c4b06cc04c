"""The ``statuspage-contract`` command lines, one module per command (statuspage_contract.cli.main
dispatches). ``statuspage_contract.cli:entry`` is the console script; ``python -m
statuspage_contract.cli`` runs the same."""

from .main import build_parser, entry, main

__all__ = ["build_parser", "entry", "main"]
